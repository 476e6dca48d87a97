"""The usage page's sums, done in SQL: per UTC day and model, per key, the filter lists (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord
from ai_registry.store.usage import (
    UsageFilter,
    insert_usage,
    usage_by_day_and_model,
    usage_by_key,
    usage_models,
    usage_rows,
    usage_user_ids,
)

pytestmark = pytest.mark.usefixtures("migrated_db")

DAY1, DAY2 = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
ALL = UsageFilter(start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 12, 31, tzinfo=UTC))


def add(at: datetime, **fields) -> None:
    fields = {"user_id": 1, "model_slug": "gpt-4", **fields}
    with session_scope() as session:
        insert_usage(session=session, record=UsageRecord(at=at, **fields))


@pytest.fixture
def records() -> None:
    add(
        DAY1.replace(hour=23, minute=59),
        usd=0.5,
        credits=5,
        prompt_tokens=10,
        completion_tokens=5,
        key_id=7,
        estimated=False,
    )
    add(DAY1.replace(hour=1), usd=0.25, prompt_tokens=3, key_id=7)  # estimated cost
    add(DAY1.replace(hour=2), model_slug="qwen-image", credits=50, images=1, estimated=False)  # no key: playground
    add(DAY2, usd=1.0, completion_tokens=100, key_id=8, estimated=True)
    add(DAY2.replace(hour=5), user_id=2, model_slug="qwen-image", usd=2.0, key_id=9)
    add(DAY2.replace(hour=6), user_id=2, model_slug="gpt-4", status="error")  # no cost at all: not "estimated"


def test_sums_per_utc_day_and_model(records) -> None:
    with session_scope() as session:
        rows = usage_by_day_and_model(session=session, where=ALL)
    got = {(r.day, r.model_slug): (r.requests, r.usd, r.credits, r.tokens, r.estimated) for r in rows}
    assert got == {
        ("2026-11-30", "gpt-4"): (2, 0.75, 5.0, 18, 1),
        ("2026-11-30", "qwen-image"): (1, 0.0, 50.0, 0, 0),
        ("2026-12-01", "gpt-4"): (2, 1.0, 0.0, 100, 1),
        ("2026-12-01", "qwen-image"): (1, 2.0, 0.0, 0, 1),
    }
    assert [r.day for r in rows] == sorted(r.day for r in rows)


def test_filters_narrow_the_sums(records) -> None:
    mine = UsageFilter(start=ALL.start, end=ALL.end, user_id=1)
    one_day = UsageFilter(start=DAY2, end=datetime(2026, 12, 2, tzinfo=UTC), model_slug="gpt-4")
    with session_scope() as session:
        assert sum(r.requests for r in usage_by_day_and_model(session=session, where=mine)) == 4
        day = usage_by_day_and_model(session=session, where=one_day)
        assert [(r.day, r.requests) for r in day] == [("2026-12-01", 2)]
        keyed = UsageFilter(start=ALL.start, end=ALL.end, key_id=7)
        assert [r.requests for r in usage_by_day_and_model(session=session, where=keyed)] == [2]
        assert len(usage_rows(session=session, where=keyed)) == 2


def test_sums_per_key_most_requests_first(records) -> None:
    with session_scope() as session:
        rows = usage_by_key(session=session, where=ALL)
    assert [(r.key_id, r.requests, r.usd) for r in rows] == [(None, 2, 0.0), (7, 2, 0.75), (8, 1, 1.0), (9, 1, 2.0)]


def test_filter_lists(records) -> None:
    with session_scope() as session:
        assert usage_models(session=session, user_id=None) == ["gpt-4", "qwen-image"]
        assert usage_models(session=session, user_id=1) == ["gpt-4", "qwen-image"]
        assert usage_models(session=session, user_id=3) == []
        assert usage_user_ids(session=session) == [1, 2]


def test_an_empty_range_sums_to_nothing(records) -> None:
    empty = UsageFilter(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2025, 1, 2, tzinfo=UTC))
    with session_scope() as session:
        assert usage_by_day_and_model(session=session, where=empty) == []
        assert usage_by_key(session=session, where=empty) == []


def test_days_are_utc_days_whatever_the_connection_time_zone(database, records) -> None:
    """A PostgreSQL session in another time zone still groups by the UTC day (SQLite has no zones)."""
    from sqlalchemy import text

    with session_scope() as session:
        if database == "postgresql":
            session.exec(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))  # UTC+13 in December
        rows = usage_by_day_and_model(session=session, where=ALL)
    # 23:59 UTC on Nov 30 is already Dec 1 in Auckland: it still counts for Nov 30.
    assert {(r.day, r.model_slug): r.requests for r in rows} == {
        ("2026-11-30", "gpt-4"): 2, ("2026-11-30", "qwen-image"): 1,
        ("2026-12-01", "gpt-4"): 2, ("2026-12-01", "qwen-image"): 1,
    }  # fmt: skip
