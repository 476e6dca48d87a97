"""The usage page's figures from the SQL sums: ranges, stat cards, stacked chart rows, estimate marks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ai_registry.state.usage_report import (
    MAX_DAYS,
    MAX_SERIES,
    OTHER,
    DateRange,
    chart_metric,
    key_chart,
    money,
    parse_range,
    scoped_filter,
    spend_chart,
    spend_table,
    totals,
)
from ai_registry.store.usage import DayModelUsage, KeyUsage

TODAY = date(2026, 12, 5)


def row(
    day: str, slug: str, requests: int = 1, usd: float = 0.0, credits: float = 0.0, tokens: int = 0, estimated: int = 0
):
    return DayModelUsage(day, slug, requests, usd, credits, tokens, estimated)


def test_last_7_and_30_days_end_today_and_include_it() -> None:
    seven, error = parse_range("7", today=TODAY)
    assert error == "" and (seven.first, seven.last) == (date(2026, 11, 29), TODAY) and len(seven.days) == 7
    assert seven.start == datetime(2026, 11, 29, tzinfo=UTC) and seven.end == datetime(2026, 12, 6, tzinfo=UTC)
    thirty, _ = parse_range("30", today=TODAY)
    assert len(thirty.days) == 30 and thirty.days[-1] == TODAY


def test_a_custom_range_includes_both_days() -> None:
    chosen, error = parse_range("custom", "2026-02-27", "2026-03-01", today=TODAY)
    assert error == "" and [d.isoformat() for d in chosen.days] == ["2026-02-27", "2026-02-28", "2026-03-01"]
    single, _ = parse_range("custom", "2026-03-01", "2026-03-01", today=TODAY)
    assert len(single.days) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("", "2026-03-01", "Choose the start date."),
        ("2026-03-01", "", "Choose the end date."),
        ("yesterday", "2026-03-01", "“yesterday” is not a date: use YYYY-MM-DD."),
        ("2026-02-30", "2026-03-01", "is not a date"),
        ("2026-03-02", "2026-03-01", "The end date (2026-03-01) is before the start date (2026-03-02)."),
        ("2025-01-01", "2026-03-01", f"That is 425 days; choose at most {MAX_DAYS} days."),
    ],
)
def test_bad_custom_ranges_say_what_to_fix(start: str, end: str, message: str) -> None:
    chosen, error = parse_range("custom", start, end, today=TODAY)
    assert chosen is None and message in error


def test_the_longest_range_is_accepted_and_an_unknown_choice_refused() -> None:
    chosen, error = parse_range("custom", "2025-01-01", "2026-01-01", today=TODAY)
    assert error == "" and len(chosen.days) == MAX_DAYS
    assert parse_range("90", today=TODAY) == (None, "Choose 7 days, 30 days or a custom range.")


def test_totals_and_the_most_used_model() -> None:
    rows = [
        row("2026-12-01", "gpt-4", 3, usd=0.3, credits=3, tokens=120, estimated=3),
        row("2026-12-02", "gpt-4", 1, usd=0.1, tokens=40),
        row("2026-12-02", "qwen-image", 4, usd=2.0, credits=200),
    ]
    sums = totals(rows)
    assert (sums.requests, sums.usd, sums.credits, sums.tokens, sums.estimated) == (8, pytest.approx(2.4), 203, 160, 3)
    assert (sums.top_model, sums.top_model_requests) == ("gpt-4", 4)  # a tie of 4 and 4: by name
    assert totals([]).requests == 0 and totals([]).top_model == ""


def test_the_spend_chart_has_every_day_and_stacks_models_by_spend() -> None:
    chosen = DateRange(date(2026, 12, 1), date(2026, 12, 3))
    rows = [
        row("2026-12-01", "gpt-4", usd=0.25),
        row("2026-12-03", "gpt-4", usd=0.5),
        row("2026-12-03", "qwen-image", usd=2.0),
        row("2026-11-30", "gpt-4", usd=9.0),  # outside the range: not drawn
    ]
    data, series = spend_chart(rows, chosen.days)
    assert [s["name"] for s in series] == ["gpt-4", "qwen-image"]  # 9.75 before 2.0
    assert [s["key"] for s in series] == ["s0", "s1"] and len({s["color"] for s in series}) == 2
    assert data == [
        {"day": "Dec 01", "s0": 0.25, "s1": 0.0},
        {"day": "Dec 02", "s0": 0.0, "s1": 0.0},
        {"day": "Dec 03", "s0": 0.5, "s1": 2.0},
    ]
    assert spend_table(data, series, "usd") == [["Dec 01", "$0.25", "$0"], ["Dec 03", "$0.5", "$2.00"]]


def test_models_beyond_the_series_limit_are_summed_as_other() -> None:
    days = [date(2026, 12, 1)]
    rows = [row("2026-12-01", f"model-{n}", usd=float(n + 1)) for n in range(MAX_SERIES + 2)]
    data, series = spend_chart(rows, days)
    assert len(series) == MAX_SERIES and series[-1]["name"] == OTHER
    assert series[0]["name"] == f"model-{MAX_SERIES + 1}"  # the biggest first
    # The three smallest (1 + 2 + 3) share the last column; nothing is lost.
    assert data[0][series[-1]["key"]] == 6.0
    assert sum(data[0][s["key"]] for s in series) == sum(r.usd for r in rows)


def test_credits_are_charted_when_nothing_has_a_usd_figure() -> None:
    rows = [row("2026-12-01", "qwen-image", credits=50)]
    assert chart_metric(rows) == "credits" and chart_metric([row("2026-12-01", "a", usd=1, credits=5)]) == "usd"
    data, _ = spend_chart(rows, [date(2026, 12, 1)])
    assert data[0]["s0"] == 50
    assert chart_metric([]) == "usd" and spend_chart([], [date(2026, 12, 1)]) == ([{"day": "Dec 01"}], [])


def test_key_chart_names_keys_and_the_keyless_calls() -> None:
    rows = [KeyUsage(None, 4, 0.0), KeyUsage(7, 3, 0.5), KeyUsage(99, 1, 0.0)]
    labels = [r["key"] for r in key_chart(rows, {7: "ci"})]
    assert labels == ["In the app (no key)", "ci", "Key #99 (revoked or deleted)"]


def test_money() -> None:
    assert [money(v) for v in (0, 0.0042, 0.5, 12.345, 1234.5)] == ["$0", "$0.0042", "$0.5", "$12.35", "$1,234.50"]


def test_a_members_scope_is_always_their_own() -> None:
    chosen, _ = parse_range("7", today=TODAY)
    mine, error = scoped_filter(actor_id=5, is_admin=False, where=chosen, user="1", key="3", model=" gpt-4 ")
    assert error == "" and (mine.user_id, mine.key_id, mine.model_slug) == (5, 3, "gpt-4")
    everyone, _ = scoped_filter(actor_id=1, is_admin=True, where=chosen)
    assert everyone.user_id is None and everyone.model_slug is None
    chosen_user, _ = scoped_filter(actor_id=1, is_admin=True, where=chosen, user="5")
    assert chosen_user.user_id == 5
    assert scoped_filter(actor_id=1, is_admin=True, where=chosen, user="x")[1].startswith("The user “x” is not an id")
    assert "not an id" in scoped_filter(actor_id=1, is_admin=False, where=chosen, key="-1")[1]
