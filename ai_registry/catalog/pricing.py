"""Prices as people read them, and cost estimates for the playground's Run button."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ai_registry.catalog.models import EstimateSource, Pricing, PricingBasis, UnifiedAIModel
from ai_registry.catalog.token_prices import has_token_price, token_estimate, token_price_label, token_price_rows

PRICE_UNKNOWN = "Price unknown"
FREE_LOCAL = "Free (runs on this server)"


def format_usd(usd: float) -> str:
    """$0.30, $0.025, $0.006: at least two decimals, more only when they carry a digit."""
    # Tiny prices (per token, per character) keep two significant digits instead of reading $0.00.
    decimals = 4 if usd == 0 or abs(usd) >= 0.001 else min(12, 1 - math.floor(math.log10(abs(usd))))
    text = f"{usd:.{decimals}f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def format_credits(credits: float) -> str:
    return f"{credits:g} credit" + ("" if credits == 1 else "s")


def _tier_label(value: float, unit: str) -> str:
    return f"{value:g}{unit}"


def price_label(pricing: Pricing | None) -> str:
    """One line for a card: the duration table, a flat price with its unit, free, or unknown."""
    if pricing is None:
        return PRICE_UNKNOWN
    if pricing.basis == "free":
        return pricing.unit or FREE_LOCAL
    if has_token_price(pricing) and pricing.usd is None and not pricing.tiers:
        return token_price_label(pricing)
    if pricing.tiers:
        rows = ", ".join(f"{_tier_label(t.value, pricing.tier_unit)} {format_usd(t.usd)}" for t in pricing.tiers)
        return f"Cost: {rows}"
    if pricing.usd is None:
        return PRICE_UNKNOWN
    unit = f" {pricing.unit}" if pricing.unit else ""
    if pricing.credits is not None:
        return f"{format_credits(pricing.credits)} (~{format_usd(pricing.usd)}){unit}"
    return f"{format_usd(pricing.usd)}{unit}"


def price_table(pricing: Pricing | None) -> list[tuple[str, str]]:
    """Rows (what, price) for the detail page and readme: what a run costs.

    When a table prices runs and a summary figure says otherwise for the same run (Wan: "400 credits
    (~$0.20) per 5s video" against "5s $0.30"), the table is what a run costs and the summary is
    left out; `pricing_note` names both figures and their sources.
    """
    if has_token_price(pricing) and pricing.usd is None and not pricing.tiers:
        return token_price_rows(pricing)
    if pricing is None or (pricing.usd is None and not pricing.tiers and pricing.basis != "free"):
        return [("Price", "unknown")]
    if pricing.basis == "free":
        return [("Price", pricing.unit or FREE_LOCAL)]
    rows = [
        (f"{_tier_label(t.value, pricing.tier_unit)} ({pricing.tier_parameter})", format_usd(t.usd))
        for t in pricing.tiers
    ]
    summary_contradicts = estimate_source(pricing) == "table" and pricing_conflict(pricing) is not None
    if pricing.usd is not None and not summary_contradicts:
        base = format_usd(pricing.usd)
        if pricing.credits is not None:
            base = f"{format_credits(pricing.credits)} (~{base})"
        rows.insert(0, (pricing.unit or "Per request", base))
    return rows


# -- what a unit covers ---------------------------------------------------------------------------

# A unit like "per 5s video" prices one fixed quantity: a run of another quantity is not covered.
# Each entry: the pattern in the unit, the parameters that choose that quantity, how to print it.
_FIXED_QUANTITIES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (
        re.compile(r"per\s+(\d+(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?)\b", re.I),
        ("duration", "duration_s", "seconds"),
        "s",
    ),
    (re.compile(r"per\s+(\d+)\s*-?\s*frames?\b", re.I), ("num_frames", "frames"), " frames"),
)
_PER_SECOND = re.compile(r"per\s+(?:s|sec|second)\b", re.I)
_SIZE = re.compile(r"(\d{2,5})\s*[x×*]\s*(\d{2,5})")
_RATE_UNITS: tuple[tuple[re.Pattern[str], PricingBasis], ...] = (
    (re.compile(r"per\s+minute", re.I), "per_minute_audio"),
    (re.compile(r"per\s+(?:1,?000|1\s*k|thousand)\s+char", re.I), "per_1k_chars"),
    (re.compile(r"per\s+(?:1,?000|1\s*k|thousand)\s+tokens?", re.I), "per_1k_tokens"),
    (re.compile(r"per\s+(?:1,?000,?000|1\s*m|million)\s+tokens?", re.I), "per_1m_tokens"),
)


def infer_basis(unit: str | None) -> PricingBasis:
    """The basis a unit's words state: "per minute" is a rate per minute, "per 1,000 characters" per
    character; anything else is one price per run of what the unit names."""
    for pattern, basis in _RATE_UNITS:
        if unit and pattern.search(unit):
            return basis
    return "flat"


def effective_basis(pricing: Pricing) -> PricingBasis:
    """The stated basis, or, for a "flat" price whose unit names a rate, that rate: an upstream price
    "per minute" without a basis must not price a ten-minute file as one minute."""
    return infer_basis(pricing.unit) if pricing.basis == "flat" else pricing.basis


def _fixed_quantity(unit: str | None) -> tuple[float, tuple[str, ...], str] | None:
    if not unit:
        return None
    for pattern, names, suffix in _FIXED_QUANTITIES:
        match = pattern.search(unit)
        if match:
            return float(match.group(1)), names, suffix
    if _PER_SECOND.search(unit):
        return 1.0, _FIXED_QUANTITIES[0][1], "s"
    return None


def _chosen(model: UnifiedAIModel, values: Mapping[str, Any], name: str) -> Any:
    chosen = values.get(name)
    param = model.parameter(name)
    if chosen in (None, "") and param is not None:
        chosen = param.default
    return chosen


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _run_size(model: UnifiedAIModel, values: Mapping[str, Any]) -> tuple[int, int] | None:
    size = _chosen(model, values, "size")
    if isinstance(size, str) and (match := _SIZE.search(size)):
        return int(match.group(1)), int(match.group(2))
    width, height = _number(_chosen(model, values, "width")), _number(_chosen(model, values, "height"))
    return (int(width), int(height)) if width and height else None


def unit_gap(model: UnifiedAIModel, values: Mapping[str, Any]) -> str | None:
    """Why the price per unit does not cover this run (a duration, frame count or size other than the
    unit's), or None when it does. A model without the parameter makes what its unit names."""
    pricing = model.pricing
    unit = pricing.unit if pricing else None
    if not unit:
        return None
    fixed = _fixed_quantity(unit)
    if fixed is not None:
        quantity, names, suffix = fixed
        if pricing.tier_parameter and suffix == pricing.tier_unit:
            names = (pricing.tier_parameter, *names)
        name = next((n for n in names if n in values or model.parameter(n) is not None), None)
        if name is not None:
            chosen = _number(_chosen(model, values, name))
            if chosen is None:
                return f"{PRICE_UNKNOWN} without a {name} (the price is {unit})"
            if chosen != quantity:
                return f"{PRICE_UNKNOWN} for {chosen:g}{suffix} (the price is {unit})"
    if (match := _SIZE.search(unit)) is not None:
        size = _run_size(model, values)
        if size is not None and size != (int(match.group(1)), int(match.group(2))):
            return f"{PRICE_UNKNOWN} for {size[0]}x{size[1]} (the price is {unit})"
    return None


# -- a table and a unit price that disagree --------------------------------------------------------


def estimate_source(pricing: Pricing) -> EstimateSource:
    """Which figure prices a run both cover: the model's own choice, else the table, because the
    table is keyed by the value the run sends (Wan's route bills 5 s at $0.30, not the $0.20 summary)."""
    if pricing.estimate_from is not None:
        return pricing.estimate_from
    return "table" if pricing.tiers and pricing.tier_parameter else "unit"


@dataclass(frozen=True)
class PriceConflict:
    """A unit price and a table row that price the same run differently."""

    value: float | None  # the table value the unit covers; None: the unit covers every row
    unit_usd: float | None
    unit_credits: float | None
    tier_usd: float
    tier_credits: float | None


def pricing_conflict(pricing: Pricing | None) -> PriceConflict | None:
    """The first table row the unit price also covers and that says another figure, if any."""
    if pricing is None or not pricing.tiers or not pricing.tier_parameter:
        return None
    if pricing.usd is None and pricing.credits is None:
        return None
    fixed = _fixed_quantity(pricing.unit)
    covered = pricing.tiers if fixed is None else [t for t in pricing.tiers if t.value == fixed[0]]
    for tier in covered:
        usd_differs = pricing.usd is not None and not math.isclose(tier.usd, pricing.usd, abs_tol=1e-9)
        credits_differ = None not in (pricing.credits, tier.credits) and tier.credits != pricing.credits
        if usd_differs or credits_differ:
            value = None if fixed is None else tier.value
            return PriceConflict(value, pricing.usd, pricing.credits, tier.usd, tier.credits)
    return None


def _source_label(model: UnifiedAIModel, field: str) -> str:
    names = [n for n in (model.pricing.field_sources.get(field) or "").split(",") if n]
    labels = {o.source: o.label for o in model.origins}
    return " and ".join(labels.get(n, n) for n in names)


def pricing_note(model: UnifiedAIModel) -> str | None:
    """A sentence for the model page when its unit price and its table disagree: both figures, where
    each comes from, and which one the Run button's estimate uses."""
    pricing = model.pricing
    conflict = pricing_conflict(pricing)
    if conflict is None:
        return None
    unit_price = format_usd(conflict.unit_usd) if conflict.unit_usd is not None else "no dollar figure"
    if conflict.unit_credits is not None:
        unit_price = f"{format_credits(conflict.unit_credits)} (~{unit_price})"
    unit_from = _source_label(model, "usd") or _source_label(model, "credits")
    table_from = _source_label(model, "tiers")
    what = "a run" if conflict.value is None else f"a {conflict.value:g}{pricing.tier_unit} run"
    uses = "the duration table" if pricing.tier_unit == "s" else f"the {pricing.tier_parameter} table"
    if estimate_source(pricing) == "unit":
        uses = "the price per unit"
    return (
        f"Two prices for {what}: {unit_price} {pricing.unit or 'per request'}"
        + (f" ({unit_from})" if unit_from else "")
        + f", and {format_usd(conflict.tier_usd)} in the table"
        + (f" ({table_from})" if table_from else "")
        + f". Estimates use {uses}."
    )


# -- estimates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostEstimate:
    """The expected price of one run with the given values; `usd is None` means unknown."""

    usd: float | None
    label: str
    credits: float | None = None
    source: EstimateSource | None = None  # which figure priced it


def _from_table(model: UnifiedAIModel, values: Mapping[str, Any]) -> CostEstimate:
    pricing = model.pricing
    wanted = _number(_chosen(model, values, pricing.tier_parameter))
    if wanted is None:
        return CostEstimate(None, f"{PRICE_UNKNOWN} for this {pricing.tier_parameter}")
    for tier in pricing.tiers:
        if tier.value == wanted:
            return CostEstimate(tier.usd, format_usd(tier.usd), tier.credits, "table")
    return CostEstimate(None, f"{PRICE_UNKNOWN} for {wanted:g}{pricing.tier_unit}")


def _from_unit(model: UnifiedAIModel, values: Mapping[str, Any]) -> CostEstimate:
    pricing = model.pricing
    if pricing.usd is None:
        return CostEstimate(None, PRICE_UNKNOWN)
    gap = unit_gap(model, values)
    if gap is not None:
        return CostEstimate(None, gap)
    return CostEstimate(pricing.usd, format_usd(pricing.usd), pricing.credits, "unit")


def _from_rate(pricing: Pricing, basis: PricingBasis, values: Mapping[str, Any], audio_seconds: float | None):
    if pricing.usd is None:
        return CostEstimate(None, PRICE_UNKNOWN)
    if basis == "per_minute_audio":
        if audio_seconds is None:
            return CostEstimate(None, f"{format_usd(pricing.usd)} per minute of audio")
        minutes = max(audio_seconds, 1.0) / 60
        usd = pricing.usd * minutes
        credits = pricing.credits * minutes if pricing.credits is not None else None
        return CostEstimate(usd, f"~{format_usd(usd)}", credits, "unit")
    if basis in ("per_1k_tokens", "per_1m_tokens"):
        # The token count is only known after the run.
        per = "1,000" if basis == "per_1k_tokens" else "1M"
        return CostEstimate(None, f"{format_usd(pricing.usd)} per {per} tokens")
    text = values.get("input") or values.get("text") or ""
    chars = len(str(text))
    if not chars:
        return CostEstimate(None, f"{format_usd(pricing.usd)} per 1,000 characters")
    usd = pricing.usd * chars / 1000
    credits = pricing.credits * chars / 1000 if pricing.credits is not None else None
    return CostEstimate(usd, f"~{format_usd(usd)}", credits, "unit")


def estimate_cost(
    model: UnifiedAIModel, values: Mapping[str, Any], *, audio_seconds: float | None = None
) -> CostEstimate:
    """Price of a run: the table row for the chosen value, per audio minute, per 1,000 characters,
    or the price per unit when the unit covers the run.

    A figure never prices what it does not cover: "per 5s video" prices a 5 s video only, so an
    8 s video is priced by the duration table, or is unknown without one. Scaling by length would
    be a guess (Wan's 15 s costs $0.70, not three times 5 s), so it is never done.
    """
    pricing = model.pricing
    if pricing is None:
        return CostEstimate(None, PRICE_UNKNOWN)
    if pricing.basis == "free":
        return CostEstimate(0.0, "Free")
    if has_token_price(pricing) and pricing.usd is None and not pricing.tiers:
        usd, label = token_estimate(model, values)
        return CostEstimate(usd, label, None, "unit" if usd is not None else None)
    basis = effective_basis(pricing)
    has_table = bool(pricing.tiers and pricing.tier_parameter)
    if basis != "flat" and not has_table:
        return _from_rate(pricing, basis, values, audio_seconds)
    order = ("table", "unit") if estimate_source(pricing) == "table" else ("unit", "table")
    misses: list[CostEstimate] = []
    for source in order:
        if source == "table" and has_table:
            estimate = _from_table(model, values)
        elif source == "unit" and basis == "flat" and (pricing.usd is not None or not has_table):
            estimate = _from_unit(model, values)
        else:
            continue
        if estimate.usd is not None:
            return estimate
        misses.append(estimate)
    return misses[0] if misses else CostEstimate(None, PRICE_UNKNOWN)
