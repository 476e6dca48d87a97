"""Failed sign-ins, kept in the database so every web worker counts the same failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from ai_registry.store.tables import SignInFailure, utcnow


def record_failure(*, session: Session, scope: str, subject: str, at: datetime | None = None) -> None:
    """Count one failure against an account (`scope="account"`) or an address (`scope="address"`)."""
    session.add(SignInFailure(scope=scope, subject=subject, at=at or utcnow()))
    session.flush()


def failures_since(*, session: Session, scope: str, subject: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures `subject` has had after `since` (exclusive), and when the earliest of them was."""
    query = select(func.count(), func.min(SignInFailure.at)).where(
        SignInFailure.scope == scope, SignInFailure.subject == subject, SignInFailure.at > since
    )
    count, earliest = session.exec(query).one()
    return count, earliest


def clear_failures(*, session: Session, scope: str, subject: str) -> None:
    """Forget the failures of one subject (after a good sign-in to that account)."""
    session.exec(delete(SignInFailure).where(SignInFailure.scope == scope, SignInFailure.subject == subject))


def prune_failures(*, session: Session, before: datetime) -> int:
    """Drop failures older than `before`, which no longer count; returns how many went."""
    result = session.exec(delete(SignInFailure).where(SignInFailure.at < before))
    return result.rowcount or 0
