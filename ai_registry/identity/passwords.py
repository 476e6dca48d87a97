"""Passwords: argon2id hashes (argon2-cffi), a length policy, and rehash when the parameters change."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ai_registry.identity.errors import PasswordPolicyError

# NIST SP 800-63B asks for at least 8 and recommends longer; 12 keeps passphrases practical.
MIN_PASSWORD_LENGTH = 12
# argon2 pre-hashes any length, but a cap keeps a megabyte "password" from being a cheap attack.
MAX_PASSWORD_LENGTH = 1024
# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4).
# Read at call time, so raising the parameters here rehashes every password at its next sign-in.
PASSWORD_HASHER = PasswordHasher()


def _hasher(hasher: PasswordHasher | None) -> PasswordHasher:
    return hasher if hasher is not None else PASSWORD_HASHER


def check_password_policy(password: str, *, email: str | None = None) -> None:
    """Raise PasswordPolicyError with a specific message when `password` is not acceptable."""
    if not isinstance(password, str) or not password.strip():
        raise PasswordPolicyError("Choose a password.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"The password is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH}."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"The password is longer than {MAX_PASSWORD_LENGTH} characters.")
    if email and password.strip().lower() == email.strip().lower():
        raise PasswordPolicyError("The password cannot be the email address.")


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """The argon2 hash of a password (checked against the policy first)."""
    check_password_policy(password)
    return _hasher(hasher).hash(password)


def verify_password(
    stored_hash: str, password: str, *, hasher: PasswordHasher | None = None
) -> tuple[bool, str | None]:
    """Whether `password` matches, and a new hash to store when the hash's parameters are outdated."""
    hasher = _hasher(hasher)
    if len(password) > MAX_PASSWORD_LENGTH:
        return False, None
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int) -> str:
    hasher = PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len)
    return hasher.hash("not a real password, only here to spend the same time")


def spend_verify_time(password: str, *, hasher: PasswordHasher | None = None) -> None:
    """Verify against a dummy hash, so an unknown email costs as much time as a wrong password."""
    hasher = _hasher(hasher)
    dummy = _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len)
    verify_password(dummy, password[:MAX_PASSWORD_LENGTH], hasher=hasher)
