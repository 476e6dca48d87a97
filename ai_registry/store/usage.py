"""Usage records: writing one per model call, and reading them back filtered for the usage page and CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ai_registry.store.tables import UsageRecord


def insert_usage(*, session: Session, record: UsageRecord) -> UsageRecord:
    """Add one record; the caller's transaction commits it."""
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class UsageFilter:
    """Which records to read: a time range (start inclusive, end exclusive) and optional narrowing.

    `user_id` None reads everyone's (administrators); a member's reads always set it.
    """

    start: datetime
    end: datetime
    user_id: int | None = None
    key_id: int | None = None
    model_slug: str | None = None


def usage_rows(*, session: Session, where: UsageFilter, limit: int = 100_000) -> list[UsageRecord]:
    """The records in the filter, oldest first (at most `limit`)."""
    query = select(UsageRecord).where(UsageRecord.at >= where.start, UsageRecord.at < where.end)
    if where.user_id is not None:
        query = query.where(UsageRecord.user_id == where.user_id)
    if where.key_id is not None:
        query = query.where(UsageRecord.key_id == where.key_id)
    if where.model_slug:
        query = query.where(UsageRecord.model_slug == where.model_slug)
    return list(session.exec(query.order_by(col(UsageRecord.at), col(UsageRecord.id)).limit(limit)))
