"""Budget arithmetic: periods and resets in UTC, which budgets apply, units, and the words shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ai_registry.gateway.budget_math import (
    BudgetRule,
    Cost,
    applicable,
    period_end,
    period_start,
    refusal_message,
    warning_message,
)


def test_a_day_runs_from_utc_midnight_to_the_next() -> None:
    now = datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)
    assert period_start("day", now) == datetime(2026, 12, 5, tzinfo=UTC)
    assert period_end("day", now) == datetime(2026, 12, 6, tzinfo=UTC)
    # A time given in another zone counts in UTC: 01:00 in UTC+2 is still the day before in UTC.
    east = datetime(2026, 12, 6, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert period_start("day", east) == datetime(2026, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (datetime(2026, 12, 31, 12, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2028, 2, 29, 23, tzinfo=UTC), datetime(2028, 2, 1, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC)),
        (datetime(2026, 1, 1, 0, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
    ],
)
def test_a_month_resets_on_the_first(now, start, end) -> None:
    assert period_start("month", now) == start
    assert period_end("month", now) == end


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="day or month"):
        period_start("week", datetime.now(UTC))


def test_costs_convert_at_the_contract_rate_only_when_one_figure_is_missing() -> None:
    assert Cost(0.025, None).amount("credits") == pytest.approx(50)
    assert Cost(None, 400).amount("usd") == pytest.approx(0.2)
    assert Cost(0.3, 600).amount("usd") == 0.3 and Cost(0.3, 610).amount("credits") == 610
    assert Cost(None, None).amount("usd") is None


def test_a_persons_own_budget_replaces_the_role_default_for_that_unit_and_period() -> None:
    rules = [
        BudgetRule("role", "member", "usd", "day", 1.0, True),
        BudgetRule("role", "member", "usd", "month", 10.0, True),
        BudgetRule("user", "7", "usd", "day", 3.0, True),
        BudgetRule("key", "4", "credits", "month", 100.0, False),
        BudgetRule("key", "5", "usd", "day", 0.5, True),
        BudgetRule("user", "8", "usd", "day", 9.0, True),
    ]
    chosen = applicable(rules, user_id=7, key_id=4, role="member")
    assert [(r.scope, r.subject, r.period) for r in chosen] == [
        ("key", "4", "month"), ("user", "7", "day"), ("role", "member", "month"),
    ]  # fmt: skip
    # Role defaults limit each person's own counter; a key budget limits the key's.
    assert chosen[2].counter(user_id=7, key_id=4) == "user:7:usd:month"
    assert chosen[0].counter(user_id=7, key_id=4) == "key:4:credits:month"
    assert applicable(rules, user_id=9, key_id=1, role="admin") == []


def test_the_refusal_says_which_budget_what_is_left_and_when_it_resets() -> None:
    rule = BudgetRule("user", "7", "usd", "day", 1.0, True)
    text = refusal_message(rule, spent=0.98, cost=0.025, now=datetime(2026, 12, 5, 15, tzinfo=UTC))
    assert "your daily USD budget is $1" in text
    assert "$0.02 is left" in text and "$0.025" in text
    assert "resets at 2026-12-06 00:00 UTC" in text


def test_a_warning_starts_at_eighty_percent() -> None:
    rule = BudgetRule("key", "4", "credits", "month", 1000.0, False)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    assert warning_message(rule, spent=799, now=now) is None
    text = warning_message(rule, spent=800, now=now)
    assert text and text.startswith("80% of the monthly credits budget of key 4") and "2027-01-01" in text
