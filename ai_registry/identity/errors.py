"""Refusals of identity operations. Each message is meant to be shown to the person as it is."""

from __future__ import annotations


class IdentityError(ValueError):
    """A refused identity operation; `str(error)` is the message for the person."""


class AccountError(IdentityError):
    """Bad account data (email, name, role) or a forbidden account change."""


class PasswordPolicyError(IdentityError):
    """A password that does not meet the policy."""


class InviteRefused(IdentityError):
    """An invite that cannot be accepted (unknown, used, revoked, expired or for another address)."""


class SignUpRefused(IdentityError):
    """Open sign-up is off, or the address is not in an allowed domain."""


class NotAllowed(IdentityError):
    """The acting person's role does not allow this."""
