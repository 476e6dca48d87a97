"""Queries on sign-in sessions. Rows hold the SHA-256 of the session token, never the token."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select, update

from ai_registry.store.tables import User, UserSession, utcnow


def insert_session(
    *,
    session: Session,
    user_id: int,
    token_hash: str,
    expires_at: datetime,
    address: str | None,
    user_agent: str | None,
) -> UserSession:
    """Add a session row; flushed, so it has an id."""
    row = UserSession(
        user_id=user_id, token_hash=token_hash, expires_at=expires_at, address=address, user_agent=user_agent
    )
    session.add(row)
    session.flush()
    return row


def find_session_and_user(*, session: Session, token_hash: str) -> tuple[UserSession, User] | None:
    """The session with this token hash and its user, whatever their state (the caller judges)."""
    query = select(UserSession, User).join(User, User.id == UserSession.user_id)
    row = session.exec(query.where(UserSession.token_hash == token_hash)).first()
    return (row[0], row[1]) if row else None


def end_session_row(*, session: Session, row: UserSession) -> bool:
    """Mark one session ended; False when it already was."""
    if row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    session.add(row)
    return True


def end_user_sessions(*, session: Session, user_id: int) -> int:
    """End every open session of one user; returns how many were ended."""
    result = session.exec(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return result.rowcount or 0


def list_user_sessions(*, session: Session, user_id: int, now: datetime | None = None) -> list[UserSession]:
    """The open, unexpired sessions of a user, newest first."""
    now = now or utcnow()
    query = (
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    )
    return list(session.exec(query))
