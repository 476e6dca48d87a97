"""Usage records: writing one per model call, and reading them back filtered for the usage page and CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
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
    query = _filtered(select(UsageRecord), where)
    return list(session.exec(query.order_by(col(UsageRecord.at), col(UsageRecord.id)).limit(limit)))


def _filtered(query, where: UsageFilter):
    query = query.where(UsageRecord.at >= where.start, UsageRecord.at < where.end)
    if where.user_id is not None:
        query = query.where(UsageRecord.user_id == where.user_id)
    if where.key_id is not None:
        query = query.where(UsageRecord.key_id == where.key_id)
    if where.model_slug:
        query = query.where(UsageRecord.model_slug == where.model_slug)
    return query


@dataclass(frozen=True)
class DayModelUsage:
    """One model's calls on one UTC day: the base of the stacked spend chart and the stat cards."""

    day: str  # YYYY-MM-DD (UTC)
    model_slug: str
    requests: int
    usd: float
    credits: float
    tokens: int
    estimated: int  # how many of the requests carry an estimated (not upstream-reported) cost


@dataclass(frozen=True)
class KeyUsage:
    """One key's calls (key_id None: calls from the signed-in pages, playground and compare)."""

    key_id: int | None
    requests: int
    usd: float


def _tokens():
    return func.coalesce(UsageRecord.prompt_tokens, 0) + func.coalesce(UsageRecord.completion_tokens, 0)


def _estimated_cost():
    """1 for a record whose cost is an estimate (a cost is there and the upstream did not report it)."""
    has_cost = (UsageRecord.usd.is_not(None)) | (UsageRecord.credits.is_not(None))  # type: ignore[union-attr]
    return case((has_cost & (UsageRecord.estimated == True), 1), else_=0)  # noqa: E712


def _utc_day(session: Session):
    """The record's UTC calendar day. PostgreSQL keeps `at` as timestamptz, whose date() follows the
    connection's time zone: convert to UTC first. SQLite stores the UTC text itself."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", UsageRecord.at))
    return func.date(UsageRecord.at)


def usage_by_day_and_model(*, session: Session, where: UsageFilter) -> list[DayModelUsage]:
    """Requests, spend and tokens per UTC day and model, summed in SQL, oldest day first."""
    day = _utc_day(session)
    query = _filtered(
        select(
            day,
            UsageRecord.model_slug,
            func.count(),
            func.coalesce(func.sum(UsageRecord.usd), 0.0),
            func.coalesce(func.sum(UsageRecord.credits), 0.0),
            func.coalesce(func.sum(_tokens()), 0),
            func.coalesce(func.sum(_estimated_cost()), 0),
        ),
        where,
    ).group_by(day, UsageRecord.model_slug)
    rows = session.exec(query.order_by(day, UsageRecord.model_slug)).all()
    return [
        DayModelUsage(str(d)[:10], slug, int(n), float(usd), float(credits), int(tokens), int(est))
        for d, slug, n, usd, credits, tokens, est in rows
    ]


def usage_by_key(*, session: Session, where: UsageFilter) -> list[KeyUsage]:
    """Requests and spend per key, most requests first."""
    count = func.count()
    query = _filtered(select(UsageRecord.key_id, count, func.coalesce(func.sum(UsageRecord.usd), 0.0)), where).group_by(
        UsageRecord.key_id
    )
    no_key_first = UsageRecord.key_id.is_(None).desc()  # type: ignore[union-attr]  (same on SQLite and PostgreSQL)
    rows = session.exec(query.order_by(count.desc(), no_key_first, UsageRecord.key_id)).all()
    return [KeyUsage(key_id, int(n), float(usd)) for key_id, n, usd in rows]


def usage_models(*, session: Session, user_id: int | None) -> list[str]:
    """Every model someone (or `user_id`) has a usage record for, for the model filter."""
    query = select(UsageRecord.model_slug).distinct()
    if user_id is not None:
        query = query.where(UsageRecord.user_id == user_id)
    return sorted(session.exec(query).all())


def usage_user_ids(*, session: Session) -> list[int]:
    """Every person with a usage record (the admin's user filter)."""
    query = select(UsageRecord.user_id).where(UsageRecord.user_id.is_not(None)).distinct()  # type: ignore[union-attr]
    return sorted(session.exec(query).all())
