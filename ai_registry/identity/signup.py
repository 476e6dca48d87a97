"""Open sign-up, off unless `AI_REGISTRY_SIGNUP_DOMAINS` lists the email domains allowed to register."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.accounts import create_user, validate_email
from ai_registry.identity.errors import SignUpRefused
from ai_registry.settings import get_settings
from ai_registry.store.tables import User
from ai_registry.store.users import normalize_email


def signup_allowed(email: str, *, domains: Iterable[str]) -> bool:
    """True when `email`'s domain is exactly one of `domains` (no subdomains, no wildcards); never when empty."""
    allowed = {normalize_email(domain).lstrip("@") for domain in domains if domain.strip()}
    normalized = normalize_email(email or "")
    if not allowed or normalized.count("@") != 1:
        return False
    return normalized.rsplit("@", 1)[1] in allowed


def sign_up(
    *,
    session: Session,
    email: str,
    password: str,
    display_name: str = "",
    domains: Iterable[str] | None = None,
    role: str | None = None,
    address: str | None = None,
) -> User:
    """Create an account through open sign-up (settings' domains and role unless given)."""
    settings = get_settings()
    domains = tuple(settings.signup_domains if domains is None else domains)
    if not domains:
        raise SignUpRefused("Sign-up is closed on this server; ask an administrator for an invite.")
    role = role or settings.signup_role
    if role == "admin":
        raise SignUpRefused("Open sign-up never makes administrators; an administrator invites them.")
    normalized = validate_email(email)
    if not signup_allowed(normalized, domains=domains):
        raise SignUpRefused(f"Sign-up is open only to addresses at {', '.join(sorted(domains))}.")
    user = create_user(
        session=session, email=normalized, password=password, role=role,
        display_name=display_name, address=address, via="sign-up",
    )
    audit.record(session=session, action=audit.SIGNED_UP, actor=user, address=address, target=user.email)
    return user
