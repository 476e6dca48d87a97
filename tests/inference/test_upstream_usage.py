"""The upstream's own usage figures (`GET /v1/multimodal/usage`), against the loopback contract server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ai_registry.inference import upstream_usage
from ai_registry.inference.upstream_usage import count_in_range, fetch_upstream_usage
from ai_registry.settings import get_settings
from tests.support.contract_server import Fault

pytestmark = pytest.mark.usefixtures("migrated_db")

NOW = datetime.now(UTC)
RANGE = (NOW - timedelta(days=1), NOW + timedelta(days=1))


async def test_records_and_credits_in_the_range(upstream) -> None:
    upstream.add_usage_record("image", credits_used=50)
    upstream.add_usage_record("tts", credits_used=2)
    report = await fetch_upstream_usage(*RANGE)
    assert report.ok and (report.records, report.credits) == (2, 52.0)
    later = await fetch_upstream_usage(NOW + timedelta(hours=1), NOW + timedelta(days=2))
    assert later.ok and later.records == 0


async def test_it_pages_through_the_listing(upstream, monkeypatch) -> None:
    monkeypatch.setattr(upstream_usage, "PAGE", 2)
    for n in range(5):
        upstream.add_usage_record("image", credits_used=n)
    report = await fetch_upstream_usage(*RANGE)
    assert (report.records, report.credits, report.partial) == (5, 10.0, False)
    monkeypatch.setattr(upstream_usage, "MAX_PAGES", 2)
    capped = await fetch_upstream_usage(*RANGE)
    assert capped.partial and capped.records == 4 and "Only the newest 4 records" in capped.message


async def test_a_failing_or_refusing_upstream_is_a_clear_message(upstream, monkeypatch) -> None:
    upstream.set_fault("/multimodal/usage", Fault(status=500))
    failed = await fetch_upstream_usage(*RANGE)
    assert not failed.ok and "failed (500)" in failed.message
    upstream.set_fault("/multimodal/usage", None)
    monkeypatch.setenv("AINATIVE_API_KEY", "wrong")
    get_settings.cache_clear()
    refused = await fetch_upstream_usage(*RANGE)
    assert not refused.ok and "refused the saved key (401)" in refused.message


async def test_no_key_no_upstream_or_a_dead_one(monkeypatch) -> None:
    no_upstream = await fetch_upstream_usage(*RANGE)
    assert not no_upstream.ok and "No upstream is configured" in no_upstream.message
    monkeypatch.setenv("AINATIVE_API_BASE", "http://127.0.0.1:9")  # nothing listens on the discard port
    get_settings.cache_clear()
    no_key = await fetch_upstream_usage(*RANGE)
    assert "No upstream key is saved" in no_key.message
    monkeypatch.setenv("AINATIVE_API_KEY", "k")
    get_settings.cache_clear()
    down = await fetch_upstream_usage(*RANGE)
    assert not down.ok and "unreachable" in down.message


def test_counting_skips_records_without_a_time_and_notices_older_ones() -> None:
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    items = [
        {"created_at": "2026-12-01T10:00:00+00:00", "credits_used": 5},
        {"created_at": "2026-12-01T11:00:00Z", "credits_used": True},  # not a number
        {"created_at": "nonsense", "credits_used": 9},
        {"created_at": "2026-11-30T23:59:00", "credits_used": 1},
    ]
    assert count_in_range(items, start, end) == (2, 5.0, True)
