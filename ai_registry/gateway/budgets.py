"""Holding a call to its caller's budgets: reserve the estimate before sending (402 when a hard
budget has no room), extend the hold while a stream runs, settle to the actual cost after."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ai_registry.gateway.budget_math import (
    BudgetRule,
    Cost,
    applicable,
    period_end,
    period_start,
    refusal_message,
    warning_message,
)
from ai_registry.gateway.caller import Caller
from ai_registry.gateway.errors import GatewayError
from ai_registry.store.budgets import CHANGES, Hold, all_budgets, settle
from ai_registry.store.budgets import reserve as reserve_holds
from ai_registry.store.db import session_scope

log = logging.getLogger(__name__)


RULES_TTL_S = 1.0  # budgets set from another process (the CLI) apply within a second
_rules_cache: dict[str, object] = {}


def load_rules() -> list[BudgetRule]:
    """Every budget, read at most once a second (and at once after this process changed one)."""
    now = time.monotonic()
    if _rules_cache.get("changes") == CHANGES[0] and now - float(_rules_cache.get("at", -1e9)) < RULES_TTL_S:
        return _rules_cache["rules"]  # type: ignore[return-value]
    rules = _read_rules()
    _rules_cache.update(rules=rules, at=now, changes=CHANGES[0])
    return rules


def _read_rules() -> list[BudgetRule]:
    with session_scope() as session:
        return [
            BudgetRule(b.scope, b.subject, b.unit, b.period, b.limit_amount, b.hard)
            for b in all_budgets(session=session)
        ]


@dataclass
class Ticket:
    """A call's holds on its budgets; `warnings` for the `X-Budget-Warning` header."""

    caller: Caller
    rules: list[BudgetRule]
    holds: list[Hold]
    warnings: list[str] = field(default_factory=list)

    @property
    def lock_key(self) -> str:
        return (
            f"budget:user:{self.caller.user_id}"
            if self.caller.user_id is not None
            else f"budget:key:{self.caller.key_id}"
        )


def _holds(rules: list[BudgetRule], caller: Caller, cost: Cost, now: datetime) -> list[Hold]:
    return [
        Hold(
            counter=rule.counter(user_id=caller.user_id, key_id=caller.key_id),
            period_start=period_start(rule.period, now),
            amount=cost.amount(rule.unit) or 0.0,
            limit=rule.limit,
            hard=rule.hard,
        )
        for rule in rules
    ]


def reserve(caller: Caller, cost: Cost) -> Ticket:
    """`reserve_for`, blocking."""
    rules = applicable(load_rules(), user_id=caller.user_id, key_id=caller.key_id, role=caller.role)
    now = datetime.now(UTC)
    holds = _holds(rules, caller, cost, now)
    ticket = Ticket(caller, rules, holds)
    outcome = reserve_holds(lock_key=ticket.lock_key, holds=holds)
    if outcome.refused is not None:
        rule, hold = rules[outcome.refused], holds[outcome.refused]
        message = refusal_message(rule, spent=outcome.spent[outcome.refused], cost=hold.amount, now=now)
        reset = period_end(rule.period, now)
        log.info("budget refused key %s (user %s): %s", caller.key_id, caller.user_id, message)
        raise GatewayError(402, message, {"X-Budget-Reset": reset.isoformat()})
    for rule, hold, before in zip(rules, holds, outcome.spent, strict=True):
        warning = warning_message(rule, spent=before + hold.amount, now=now)
        if warning:
            log.warning("budget warning for key %s (user %s): %s", caller.key_id, caller.user_id, warning)
            ticket.warnings.append(warning)
    return ticket


async def reserve_for(caller: Caller, cost: Cost) -> Ticket:
    """Hold `cost` on every budget of the caller, or 402 naming the budget, what is left and when it resets."""
    return await asyncio.to_thread(reserve, caller, cost)


def extend(ticket: Ticket, more: Cost) -> bool:
    """Hold `more` as well (a stream that outgrew its estimate); False, holding nothing, when a hard
    budget has no room for it. Blocking."""
    if not ticket.holds:
        return True
    extra = _holds(ticket.rules, ticket.caller, more, datetime.now(UTC))
    extra = [
        Hold(h.counter, old.period_start, h.amount, h.limit, h.hard) for h, old in zip(extra, ticket.holds, strict=True)
    ]
    if reserve_holds(lock_key=ticket.lock_key, holds=extra).refused is not None:
        return False
    ticket.holds = [
        Hold(h.counter, h.period_start, h.amount + e.amount, h.limit, h.hard)
        for h, e in zip(ticket.holds, extra, strict=True)
    ]
    return True


def settle_ticket(ticket: Ticket, actual: Cost) -> None:
    """Replace the held amounts by the actual cost (blocking; logged, never raised)."""
    if not ticket.holds:
        return
    try:
        settle(holds=ticket.holds, actual=[actual.amount(rule.unit) or 0.0 for rule in ticket.rules])
    except Exception:
        log.exception("could not settle the budgets of key %s", ticket.caller.key_id)
