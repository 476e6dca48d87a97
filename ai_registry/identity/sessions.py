"""Sign-in sessions: a random token for the cookie, only its hash in the database, a fixed lifetime."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from ai_registry.identity.tokens import hash_token, new_token, plausible_token
from ai_registry.store.tables import User, UserSession, utcnow
from ai_registry.store.user_sessions import end_session_row, end_user_sessions, find_session_and_user, insert_session

SESSION_LIFETIME = timedelta(days=14)
# Reflex reads the session on every event: write last-seen at most this often, not on every click.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
MAX_USER_AGENT_LENGTH = 300


def create_session(
    *,
    session: Session,
    user: User,
    address: str | None = None,
    user_agent: str | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
    now: datetime | None = None,
) -> tuple[UserSession, str]:
    """Open a session for `user`; returns the row and the raw token, which is not stored and is given once."""
    if not user.active:
        raise ValueError("A disabled account cannot have sessions.")
    now = now or utcnow()
    raw = new_token()
    row = insert_session(
        session=session,
        user_id=user.id,
        token_hash=hash_token(raw),
        expires_at=now + lifetime,
        address=(address or None) and address[:64],
        user_agent=(user_agent or None) and user_agent[:MAX_USER_AGENT_LENGTH],
    )
    row.created_at = row.last_seen_at = now
    session.add(row)
    return row, raw


def session_for_token(
    *, session: Session, raw_token: str | None, now: datetime | None = None
) -> tuple[UserSession, User] | None:
    """The live session of a raw token and its user; None when unknown, ended, expired or the user is disabled."""
    if not plausible_token(raw_token):
        return None
    found = find_session_and_user(session=session, token_hash=hash_token(raw_token))
    if found is None:
        return None
    row, user = found
    now = now or utcnow()
    if row.ended_at is not None or row.expires_at <= now or not user.active:
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        session.add(row)
    return row, user


def end_session(*, session: Session, raw_token: str | None) -> UserSession | None:
    """End the session of a raw token (sign-out); returns the row when one was open, else None."""
    if not plausible_token(raw_token):
        return None
    found = find_session_and_user(session=session, token_hash=hash_token(raw_token))
    if found is None:
        return None
    row, _user = found
    return row if end_session_row(session=session, row=row) else None


def end_all_sessions(*, session: Session, user_id: int) -> int:
    """End every session of a user ("sign out everywhere"); returns how many were open."""
    return end_user_sessions(session=session, user_id=user_id)
