"""Budgets and their spend counters, kept atomic across every process sharing the database.

A call reserves its estimated cost before it is sent and settles to the actual cost after. Reserving
is one transaction under the same locking as `rate_sends.py`: on PostgreSQL a transaction-scoped
advisory lock on the caller serialises reservations of one person or key; on SQLite the first
statement is a write, so the database's single writer lock does the same. Inside it each counter of
the period is created if missing, every hard budget is checked, and only when all have room are
the counters raised. Settling adds the difference with one UPDATE, atomic on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import Session, select
from sqlmodel.sql.sqltypes import UTCDateTime

from ai_registry.store.db import get_engine
from ai_registry.store.tables import Budget, BudgetSpend

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
_START = bindparam("start", type_=UTCDateTime())  # stored exactly as the ORM stores it
_ENSURE = text(
    "INSERT INTO budget_spend (counter, period_start, spent) "
    "SELECT CAST(:counter AS VARCHAR(200)), :start, 0.0 "
    "WHERE NOT EXISTS (SELECT 1 FROM budget_spend WHERE counter = :counter AND period_start = :start)"
).bindparams(_START)
_SPENT = text("SELECT spent FROM budget_spend WHERE counter = :counter AND period_start = :start").bindparams(_START)
_ADD = text(
    "UPDATE budget_spend SET spent = spent + :amount WHERE counter = :counter AND period_start = :start"
).bindparams(_START)


@dataclass(frozen=True)
class Hold:
    """One counter a call reserves on: the period it counts in, the amount, and the limit (None: no
    limit, only counted; `hard` False: a soft budget that never refuses)."""

    counter: str
    period_start: datetime
    amount: float
    limit: float | None
    hard: bool


@dataclass(frozen=True)
class Reserved:
    """The outcome: `refused` is the index of the first hard hold without room (nothing was counted),
    else None; `spent` holds every counter's spend before this call."""

    refused: int | None
    spent: list[float]


def _bind(hold: Hold) -> dict[str, object]:
    return {"counter": hold.counter, "start": hold.period_start}


def reserve(*, lock_key: str, holds: list[Hold]) -> Reserved:
    """Count every hold's amount when every hard hold has room; otherwise count nothing."""
    if not holds:
        return Reserved(None, [])
    engine = get_engine()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(_LOCK, {"key": lock_key})
        spent: list[float] = []
        for hold in holds:  # on SQLite the first of these writes takes the writer lock
            connection.execute(_ENSURE, _bind(hold))
            spent.append(float(connection.execute(_SPENT, _bind(hold)).scalar() or 0.0))
        for index, (hold, before) in enumerate(zip(holds, spent, strict=True)):
            if hold.hard and hold.limit is not None and before + hold.amount > hold.limit + 1e-12:
                connection.rollback()
                return Reserved(index, spent)
        for hold in holds:
            if hold.amount:
                connection.execute(_ADD, {**_bind(hold), "amount": hold.amount})
    return Reserved(None, spent)


def settle(*, holds: list[Hold], actual: list[float]) -> None:
    """Replace each hold's reserved amount by what the call actually cost."""
    with get_engine().begin() as connection:
        for hold, amount in zip(holds, actual, strict=True):
            if amount != hold.amount:
                connection.execute(_ADD, {**_bind(hold), "amount": amount - hold.amount})


def spent_in(*, session: Session, counter: str, period_start: datetime) -> float:
    row = session.exec(
        select(BudgetSpend).where(BudgetSpend.counter == counter, BudgetSpend.period_start == period_start)
    ).first()
    return row.spent if row else 0.0


# Bumped whenever this process changes a budget, so a cache of the rules here knows at once.
CHANGES = [0]


def all_budgets(*, session: Session) -> list[Budget]:
    return list(session.exec(select(Budget).order_by(Budget.scope, Budget.subject, Budget.unit, Budget.period)))


def set_budget(
    *, session: Session, scope: str, subject: str, unit: str, period: str, limit: float, hard: bool
) -> Budget:
    """Create or replace the budget of (scope, subject, unit, period)."""
    row = session.exec(
        select(Budget).where(
            Budget.scope == scope, Budget.subject == subject, Budget.unit == unit, Budget.period == period
        )
    ).first()
    row = row or Budget(scope=scope, subject=subject, unit=unit, period=period, limit_amount=limit)
    row.limit_amount, row.hard = limit, hard
    session.add(row)
    session.flush()
    CHANGES[0] += 1
    return row


def clear_budgets(
    *, session: Session, scope: str, subject: str, unit: str | None = None, period: str | None = None
) -> int:
    """Delete the budgets of (scope, subject), narrowed by unit and period; how many were deleted."""
    query = select(Budget).where(Budget.scope == scope, Budget.subject == subject)
    if unit:
        query = query.where(Budget.unit == unit)
    if period:
        query = query.where(Budget.period == period)
    rows = list(session.exec(query))
    for row in rows:
        session.delete(row)
    CHANGES[0] += 1
    return len(rows)
