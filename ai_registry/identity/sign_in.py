"""Password sign-in: throttled, the same answer for an unknown email and a wrong password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.passwords import MAX_PASSWORD_LENGTH, spend_verify_time, verify_password
from ai_registry.identity.sessions import create_session
from ai_registry.identity.throttle import (
    DEFAULT_POLICY,
    ThrottlePolicy,
    clear_account_failures,
    minutes_label,
    record_sign_in_failure,
    retry_after,
)
from ai_registry.store.tables import User, UserSession, utcnow
from ai_registry.store.users import get_user_by_email, normalize_email

WRONG_CREDENTIALS = "Wrong email or password."
MISSING_CREDENTIALS = "Enter your email and password."
DISABLED = "This account is disabled; ask an administrator to enable it."


@dataclass(frozen=True)
class SignInOutcome:
    """A sign-in's result. On success `token` is the raw session token for the cookie, given only here.

    A refusal is a value, not an exception, so the failure it counts is committed with the caller's session.
    """

    user: User | None = None
    user_session: UserSession | None = None
    token: str | None = None
    error: str | None = None
    retry_after_s: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def sign_in(
    *,
    session: Session,
    email: str,
    password: str,
    address: str | None = None,
    user_agent: str | None = None,
    policy: ThrottlePolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> SignInOutcome:
    """Check an email and password and open a session, or say why not without revealing if the email exists."""
    now = now or utcnow()
    normalized = normalize_email(email or "")[:254]
    if not normalized or not password:
        return SignInOutcome(error=MISSING_CREDENTIALS)

    wait = retry_after(session=session, email=normalized, address=address, policy=policy, now=now)
    if wait is not None:
        audit.record(
            session=session, action=audit.SIGN_IN_FAILED, address=address, target=normalized,
            details={"reason": "throttled"},
        )
        seconds = max(1, int(wait.total_seconds()))
        return SignInOutcome(
            error=f"Too many failed sign-ins. Try again in {minutes_label(wait)}.", retry_after_s=seconds
        )

    user = get_user_by_email(session=session, email=normalized)
    matched = False
    if user is None or user.password_hash is None or len(password) > MAX_PASSWORD_LENGTH:
        spend_verify_time(password)  # as long as a real check, so timing does not tell who exists
    else:
        matched, new_hash = verify_password(user.password_hash, password)
        if matched and new_hash:
            user.password_hash = new_hash  # parameters were raised since this hash was made
    if not matched:
        record_sign_in_failure(session=session, email=normalized, address=address, policy=policy, now=now)
        audit.record(
            session=session, action=audit.SIGN_IN_FAILED, address=address, target=normalized,
            details={"reason": "wrong_credentials"},
        )
        return SignInOutcome(error=WRONG_CREDENTIALS)

    if not user.active:
        audit.record(
            session=session, action=audit.SIGN_IN_FAILED, actor=user, address=address, target=normalized,
            details={"reason": "disabled"},
        )
        return SignInOutcome(error=DISABLED)

    clear_account_failures(session=session, email=normalized)
    user.last_sign_in_at = now
    session.add(user)
    row, token = create_session(session=session, user=user, address=address, user_agent=user_agent, now=now)
    audit.record(session=session, action=audit.SIGN_IN, actor=user, address=address, details={"method": "password"})
    return SignInOutcome(user=user, user_session=row, token=token)
