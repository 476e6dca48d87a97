"""Budget arithmetic without a database: periods and their resets, which budgets apply, how much a call
costs in a budget's unit, and the words of a refusal or a warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PERIODS = ("day", "month")
UNITS = ("usd", "credits")
SCOPES = ("user", "key", "role")
WARN_AT = 0.8  # a budget warns once this share of it is spent
# CONTRACT.md's prices: 50 credits ~ $0.025, the same rate for every model (2,000 credits per dollar).
CREDITS_PER_USD = 2000.0


def period_start(period: str, now: datetime) -> datetime:
    """The start of the UTC day or month holding `now`."""
    now = now.astimezone(UTC)
    if period == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    raise ValueError(f"Unknown period {period!r}; choose day or month.")


def period_end(period: str, now: datetime) -> datetime:
    """When the period holding `now` resets: the next UTC midnight, or the first of next month."""
    start = period_start(period, now)
    if period == "day":
        return start + timedelta(days=1)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


@dataclass(frozen=True)
class Cost:
    """What a call costs or is expected to cost; None where unknown."""

    usd: float | None
    credits: float | None

    def amount(self, unit: str) -> float | None:
        """The cost in `unit`, converted at the contract's rate when only the other figure is known."""
        if unit == "usd":
            if self.usd is not None:
                return self.usd
            return None if self.credits is None else self.credits / CREDITS_PER_USD
        if self.credits is not None:
            return self.credits
        return None if self.usd is None else self.usd * CREDITS_PER_USD


@dataclass(frozen=True)
class BudgetRule:
    """One budget as it applies to a call: whose counter it limits, and how."""

    scope: str  # user | key | role (a role's default limits each person's own counter)
    subject: str
    unit: str
    period: str
    limit: float
    hard: bool

    def counter(self, *, user_id: int | None, key_id: int | None) -> str:
        """The spend counter this budget limits: the person's (user and role budgets) or the key's."""
        if self.scope == "key":
            return f"key:{key_id}:{self.unit}:{self.period}"
        return f"user:{user_id}:{self.unit}:{self.period}"

    def describe(self) -> str:
        """`your daily USD budget`, `the monthly credits budget of key 4`, `the member role's daily budget`."""
        per = "daily" if self.period == "day" else "monthly"
        unit = "USD" if self.unit == "usd" else "credits"
        if self.scope == "key":
            return f"the {per} {unit} budget of key {self.subject}"
        if self.scope == "role":
            return f"the {per} {unit} budget of the {self.subject} role"
        return f"your {per} {unit} budget"


def applicable(
    rules: list[BudgetRule], *, user_id: int | None, key_id: int | None, role: str | None
) -> list[BudgetRule]:
    """The budgets a call is checked against: the key's, the person's, and their role's default for
    each unit and period the person has no budget of their own for."""
    own = [r for r in rules if r.scope == "user" and user_id is not None and r.subject == str(user_id)]
    keys = [r for r in rules if r.scope == "key" and key_id is not None and r.subject == str(key_id)]
    covered = {(r.unit, r.period) for r in own}
    defaults = [
        r for r in rules
        if r.scope == "role" and user_id is not None and r.subject == role and (r.unit, r.period) not in covered
    ]  # fmt: skip
    return keys + own + defaults


def format_amount(amount: float, unit: str) -> str:
    if unit == "usd":
        return f"${amount:,.4f}".rstrip("0").rstrip(".") if amount else "$0"
    return f"{amount:,.2f}".rstrip("0").rstrip(".") + " credits"


def refusal_message(rule: BudgetRule, *, spent: float, cost: float, now: datetime) -> str:
    """Which budget refused, how much is left and when it resets."""
    left = max(0.0, rule.limit - spent)
    resets = period_end(rule.period, now).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Budget exhausted: {rule.describe()} is {format_amount(rule.limit, rule.unit)}; "
        f"{format_amount(left, rule.unit)} is left and this call needs about {format_amount(cost, rule.unit)}. "
        f"It resets at {resets}."
    )


def warning_message(rule: BudgetRule, *, spent: float, now: datetime) -> str | None:
    """A warning once `spent` reaches 80% of the budget (soft or hard), else None."""
    if rule.limit <= 0 or spent < WARN_AT * rule.limit:
        return None
    share = min(999, round(100 * spent / rule.limit))
    resets = period_end(rule.period, now).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{share}% of {rule.describe()} used ({format_amount(spent, rule.unit)} of "
        f"{format_amount(rule.limit, rule.unit)}); it resets at {resets}."
    )
