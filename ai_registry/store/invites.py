"""Queries on invites. Rows hold the SHA-256 of the invite token, never the token."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select, update

from ai_registry.store.tables import Invite, utcnow


def insert_invite(
    *,
    session: Session,
    token_hash: str,
    role: str,
    email: str | None,
    created_by: int | None,
    expires_at: datetime,
) -> Invite:
    """Add an invite row; flushed, so it has an id."""
    row = Invite(token_hash=token_hash, role=role, email=email, created_by=created_by, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def find_invite_by_hash(*, session: Session, token_hash: str) -> Invite | None:
    """The invite with this token hash, whatever its state."""
    return session.exec(select(Invite).where(Invite.token_hash == token_hash)).first()


def claim_invite(*, session: Session, invite_id: int, now: datetime) -> bool:
    """Mark an unused, unrevoked, unexpired invite used, in one conditional UPDATE.

    Two people accepting the same link at once: exactly one UPDATE matches, so one wins.
    """
    result = session.exec(
        update(Invite)
        .where(
            Invite.id == invite_id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now)
    )
    return (result.rowcount or 0) == 1


def list_invites(*, session: Session, include_closed: bool = False, now: datetime | None = None) -> list[Invite]:
    """Invites, newest first; by default only those that can still be accepted."""
    query = select(Invite).order_by(Invite.created_at.desc(), Invite.id.desc())
    if not include_closed:
        now = now or utcnow()
        query = query.where(Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now)
    return list(session.exec(query))
