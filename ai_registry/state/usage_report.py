"""The usage page's figures from the SQL sums: the date range, the stat cards and the chart rows.

Pure functions (no Reflex, no database), so the tests check days, stacking, totals and the
estimate marks directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ai_registry.store.usage import DayModelUsage, KeyUsage, UsageFilter

RANGES = ("7", "30", "custom")
MAX_DAYS = 366
MAX_SERIES = 6  # the five biggest models by spend, then "Other"
OTHER = "Other models"
# Distinct at a glance, and at least 4.5:1 on white: the legend writes each name in its colour.
COLORS = ("#4f46e5", "#0f766e", "#b45309", "#be185d", "#2563eb", "#64748b")


@dataclass(frozen=True)
class DateRange:
    """UTC days `first` to `last`, both included; `start`/`end` are the instants to query (end exclusive)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _parse_day(text: str, label: str) -> tuple[date | None, str]:
    text = (text or "").strip()
    if not text:
        return None, f"Choose the {label} date."
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return None, f"The {label} date “{text[:20]}” is not a date: use YYYY-MM-DD."


def parse_range(choice: str, start_text: str = "", end_text: str = "", *, today: date) -> tuple[DateRange | None, str]:
    """The range a person asked for, or None and a message saying what to fix.

    "7" and "30" are the last 7 or 30 days up to today (UTC); "custom" reads the two dates.
    """
    if choice in ("7", "30"):
        return DateRange(today - timedelta(days=int(choice) - 1), today), ""
    if choice != "custom":
        return None, "Choose 7 days, 30 days or a custom range."
    first, error = _parse_day(start_text, "start")
    if first is None:
        return None, error
    last, error = _parse_day(end_text, "end")
    if last is None:
        return None, error
    if last < first:
        return None, f"The end date ({last.isoformat()}) is before the start date ({first.isoformat()})."
    if (last - first).days + 1 > MAX_DAYS:
        return None, f"That is {(last - first).days + 1} days; choose at most {MAX_DAYS} days."
    return DateRange(first, last), ""


@dataclass(frozen=True)
class Totals:
    requests: int = 0
    usd: float = 0.0
    credits: float = 0.0
    tokens: int = 0
    estimated: int = 0  # requests whose cost is an estimate
    top_model: str = ""
    top_model_requests: int = 0


def totals(rows: list[DayModelUsage]) -> Totals:
    """The stat cards: sums over every day and model; the most-used model by requests (ties: by name)."""
    if not rows:
        return Totals()
    per_model: dict[str, int] = defaultdict(int)
    for row in rows:
        per_model[row.model_slug] += row.requests
    top = min(per_model, key=lambda slug: (-per_model[slug], slug))
    return Totals(
        requests=sum(r.requests for r in rows),
        usd=sum(r.usd for r in rows),
        credits=sum(r.credits for r in rows),
        tokens=sum(r.tokens for r in rows),
        estimated=sum(r.estimated for r in rows),
        top_model=top,
        top_model_requests=per_model[top],
    )


def chart_metric(rows: list[DayModelUsage]) -> str:
    """`usd`, or `credits` when nothing has a USD figure but credits were spent (the chart's unit)."""
    if any(r.usd for r in rows) or not any(r.credits for r in rows):
        return "usd"
    return "credits"


def spend_chart(rows: list[DayModelUsage], days: list[date]) -> tuple[list[dict], list[dict]]:
    """One row per day (every day of the range, zero when idle) with a column per series, and the series.

    Series are the biggest models by spend (then requests), the rest summed as "Other models", so the
    stacked bars stay readable with many models. Columns are `s0`, `s1`, ... (model names may hold
    characters a chart key cannot).
    """
    metric = chart_metric(rows)
    spend: dict[str, float] = defaultdict(float)
    requests: dict[str, int] = defaultdict(int)
    for row in rows:
        spend[row.model_slug] += getattr(row, metric)
        requests[row.model_slug] += row.requests
    ranked = sorted(spend, key=lambda slug: (-spend[slug], -requests[slug], slug))
    if len(ranked) > MAX_SERIES:
        shown, rest = ranked[: MAX_SERIES - 1], set(ranked[MAX_SERIES - 1 :])
    else:
        shown, rest = ranked, set()
    column = {slug: f"s{n}" for n, slug in enumerate(shown)}
    series = [{"key": column[slug], "name": slug, "color": COLORS[n]} for n, slug in enumerate(shown)]
    if rest:
        column |= dict.fromkeys(rest, f"s{len(shown)}")
        series.append({"key": f"s{len(shown)}", "name": OTHER, "color": COLORS[len(shown)]})
    by_day: dict[str, dict] = {
        d.isoformat(): {"day": d.strftime("%b %d"), **{s["key"]: 0.0 for s in series}} for d in days
    }
    for row in rows:
        entry = by_day.get(row.day)
        if entry is not None:
            entry[column[row.model_slug]] = round(entry[column[row.model_slug]] + getattr(row, metric), 6)
    return list(by_day.values()), series


def key_chart(rows: list[KeyUsage], names: dict[int, str]) -> list[dict]:
    """Requests per key, most first; calls without a key are the signed-in pages (playground, compare)."""
    out = []
    for row in rows:
        if row.key_id is None:
            label = "In the app (no key)"  # the playground and compare, signed in
        else:
            label = names.get(row.key_id, f"Key #{row.key_id} (revoked or deleted)")
        out.append({"key": label, "requests": row.requests, "usd": round(row.usd, 6)})
    return out


def money(usd: float) -> str:
    """USD with enough digits for cents-and-below calls: $12.35, $0.0042, $0."""
    if usd == 0:
        return "$0"
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}".rstrip("0")


def count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _optional_id(text: str, label: str) -> tuple[int | None, str]:
    text = (text or "").strip()
    if not text:
        return None, ""
    if not text.isdigit() or len(text) > 12:
        return None, f"The {label} “{text[:20]}” is not an id: leave it empty or pick one from the list."
    return int(text), ""


def scoped_filter(
    *, actor_id: int, is_admin: bool, where: DateRange, user: str = "", key: str = "", model: str = ""
) -> tuple[UsageFilter | None, str]:
    """The records a person may read with the filters asked for: a member's are always their own,
    whatever user they name; an admin's are everyone's unless a user is chosen."""
    user_id, error = _optional_id(user, "user")
    if error:
        return None, error
    key_id, error = _optional_id(key, "key")
    if error:
        return None, error
    model = (model or "").strip()
    if len(model) > 300:
        return None, "The model filter is longer than any model name (300 characters)."
    return UsageFilter(
        start=where.start,
        end=where.end,
        user_id=user_id if is_admin else actor_id,
        key_id=key_id,
        model_slug=model or None,
    ), ""


def spend_table(data: list[dict], series: list[dict], metric: str) -> list[list[str]]:
    """The stacked chart as text rows (day, then each series), days without spend left out: the
    chart's accessible twin, and what a person reads when exact figures matter."""
    fmt = money if metric == "usd" else count
    return [[row["day"], *(fmt(row[s["key"]]) for s in series)] for row in data if any(row[s["key"]] for s in series)]
