"""Accounts: create, change role, reset password, disable (ending sessions and keys at once), enable."""

from __future__ import annotations

import re

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.errors import AccountError
from ai_registry.identity.passwords import check_password_policy, hash_password
from ai_registry.identity.roles import Role, parse_role
from ai_registry.store.api_keys import revoke_owner_keys
from ai_registry.store.tables import User
from ai_registry.store.user_sessions import end_user_sessions
from ai_registry.store.users import count_active_admins, get_user_by_email, insert_user, normalize_email

MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 100
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def validate_email(email: str) -> str:
    """The normalized email, or AccountError saying what is wrong with it."""
    normalized = normalize_email(email or "")
    if not normalized:
        raise AccountError("Enter an email address.")
    if len(normalized) > MAX_EMAIL_LENGTH:
        raise AccountError(f"The email address is longer than {MAX_EMAIL_LENGTH} characters.")
    if not _EMAIL.match(normalized):
        raise AccountError(f"{email.strip()!r} is not an email address (expected name@example.com).")
    return normalized


def validate_display_name(display_name: str, *, email: str) -> str:
    """The trimmed display name (the email's local part when blank), or AccountError when too long."""
    name = " ".join((display_name or "").split())
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError(f"The name is {len(name)} characters long; at most {MAX_DISPLAY_NAME_LENGTH} fit.")
    return name or email.split("@", 1)[0]


def create_user(
    *,
    session: Session,
    email: str,
    password: str | None,
    role: str,
    display_name: str = "",
    actor: User | None = None,
    address: str | None = None,
    via: str = "admin",
) -> User:
    """Create an account. `password=None` makes an account that signs in only through single sign-on."""
    normalized = validate_email(email)
    parsed_role = parse_role(role)
    name = validate_display_name(display_name, email=normalized)
    if password is not None:
        check_password_policy(password, email=normalized)
    if get_user_by_email(session=session, email=normalized) is not None:
        raise AccountError(f"An account for {normalized} already exists.")
    password_hash = hash_password(password) if password is not None else None
    user = insert_user(
        session=session, email=normalized, display_name=name, role=parsed_role, password_hash=password_hash
    )
    audit.record(
        session=session, action=audit.USER_CREATED, actor=actor, address=address, target=user.email,
        details={"role": parsed_role, "via": via},
    )
    return user


def _refuse_losing_the_last_admin(*, session: Session, user: User, what: str) -> None:
    if user.role == "admin" and user.active and count_active_admins(session=session) <= 1:
        raise AccountError(f"{user.email} is the only active administrator; {what} would lock everyone out.")


def set_password(
    *, session: Session, user: User, password: str, actor: User | None = None, address: str | None = None
) -> int:
    """Replace a password and end the user's sessions (keys stay); returns how many sessions ended."""
    check_password_policy(password, email=user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    ended = end_user_sessions(session=session, user_id=user.id)
    audit.record(
        session=session, action=audit.PASSWORD_RESET, actor=actor, address=address, target=user.email,
        details={"sessions_ended": ended},
    )
    return ended


def disable_user(
    *, session: Session, user: User, actor: User | None = None, address: str | None = None
) -> tuple[int, int]:
    """Disable an account: every session ends and every key is revoked at once. Returns (sessions, keys)."""
    if not user.active:
        raise AccountError(f"{user.email} is already disabled.")
    _refuse_losing_the_last_admin(session=session, user=user, what="disabling it")
    user.active = False
    session.add(user)
    session.flush()
    sessions = end_user_sessions(session=session, user_id=user.id)
    keys = revoke_owner_keys(session=session, owner_id=user.id)
    audit.record(
        session=session, action=audit.USER_DISABLED, actor=actor, address=address, target=user.email,
        details={"sessions_ended": sessions, "keys_revoked": keys},
    )
    return sessions, keys


def enable_user(*, session: Session, user: User, actor: User | None = None, address: str | None = None) -> None:
    """Re-enable an account. Its old sessions and keys stay ended: the person signs in and makes new keys."""
    if user.active:
        raise AccountError(f"{user.email} is already enabled.")
    user.active = True
    session.add(user)
    audit.record(session=session, action=audit.USER_ENABLED, actor=actor, address=address, target=user.email)


def change_role(
    *, session: Session, user: User, role: str, actor: User | None = None, address: str | None = None
) -> Role:
    """Give an account another role; the last active administrator cannot be demoted."""
    new_role = parse_role(role)
    if new_role == user.role:
        return new_role
    if new_role != "admin":
        _refuse_losing_the_last_admin(session=session, user=user, what="demoting it")
    old_role, user.role = user.role, new_role
    session.add(user)
    audit.record(
        session=session, action=audit.ROLE_CHANGED, actor=actor, address=address, target=user.email,
        details={"from": old_role, "to": new_role},
    )
    return new_role


def find_user(*, session: Session, email: str) -> User:
    """The account for `email`, or AccountError naming it (for admins and the command line)."""
    user = get_user_by_email(session=session, email=email)
    if user is None:
        raise AccountError(f"There is no account for {normalize_email(email)}.")
    return user
