"""Budget counters in the database: reservations are all-or-nothing and atomic across threads (and so
processes), on SQLite and PostgreSQL; settling replaces the estimate by the actual cost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from ai_registry.store.budgets import Hold, all_budgets, clear_budgets, reserve, set_budget, settle, spent_in
from ai_registry.store.db import session_scope

pytestmark = pytest.mark.usefixtures("migrated_db")
DAY = datetime(2026, 12, 5, tzinfo=UTC)


def spent(counter: str, start: datetime = DAY) -> float:
    with session_scope() as session:
        return spent_in(session=session, counter=counter, period_start=start)


def test_twenty_threads_against_room_for_five_reserve_exactly_five() -> None:
    hold = Hold("user:1:usd:day", DAY, 1.0, 5.0, True)

    def attempt(_: int) -> bool:
        return reserve(lock_key="budget:user:1", holds=[hold]).refused is None

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count(True) == 5
    assert spent("user:1:usd:day") == pytest.approx(5.0)


def test_a_refusal_counts_nothing_on_any_counter() -> None:
    key_hold = Hold("key:3:usd:day", DAY, 0.4, 10.0, True)
    user_hold = Hold("user:1:usd:day", DAY, 0.4, 0.5, True)
    assert reserve(lock_key="budget:user:1", holds=[key_hold, user_hold]).refused is None
    outcome = reserve(lock_key="budget:user:1", holds=[key_hold, user_hold])
    assert outcome.refused == 1 and outcome.spent == [pytest.approx(0.4), pytest.approx(0.4)]
    assert spent("key:3:usd:day") == pytest.approx(0.4) and spent("user:1:usd:day") == pytest.approx(0.4)


def test_soft_budgets_and_counters_without_limit_never_refuse() -> None:
    soft = Hold("user:2:credits:month", DAY, 600, 1000, False)
    for _ in range(3):
        assert reserve(lock_key="budget:user:2", holds=[soft]).refused is None
    assert spent("user:2:credits:month") == 1800


def test_settling_replaces_the_estimate_and_a_new_period_starts_at_zero() -> None:
    hold = Hold("user:1:usd:day", DAY, 0.5, 1.0, True)
    reserve(lock_key="budget:user:1", holds=[hold])
    settle(holds=[hold], actual=[0.2])
    assert spent("user:1:usd:day") == pytest.approx(0.2)
    tomorrow = DAY.replace(day=6)
    assert reserve(lock_key="budget:user:1", holds=[Hold("user:1:usd:day", tomorrow, 1.0, 1.0, True)]).refused is None
    assert spent("user:1:usd:day", tomorrow) == pytest.approx(1.0)
    assert spent("user:1:usd:day") == pytest.approx(0.2)


def test_budgets_are_set_replaced_and_cleared() -> None:
    with session_scope() as session:
        set_budget(session=session, scope="role", subject="member", unit="usd", period="day", limit=1, hard=True)
        set_budget(session=session, scope="role", subject="member", unit="usd", period="day", limit=2, hard=False)
        set_budget(session=session, scope="key", subject="4", unit="credits", period="month", limit=900, hard=True)
    with session_scope() as session:
        rows = all_budgets(session=session)
        assert [(r.scope, r.limit_amount, r.hard) for r in rows] == [("key", 900, True), ("role", 2, False)]
        assert clear_budgets(session=session, scope="role", subject="member") == 1
    with session_scope() as session:
        assert [r.scope for r in all_budgets(session=session)] == ["key"]
