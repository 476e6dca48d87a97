"""Prices as people read them, and cost estimates for the playground's Run button."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ai_registry.catalog.models import Pricing, UnifiedAIModel

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
    """Rows (what, price) for the detail page and readme."""
    if pricing is None or (pricing.usd is None and not pricing.tiers and pricing.basis != "free"):
        return [("Price", "unknown")]
    if pricing.basis == "free":
        return [("Price", pricing.unit or FREE_LOCAL)]
    rows = [
        (f"{_tier_label(t.value, pricing.tier_unit)} ({pricing.tier_parameter})", format_usd(t.usd))
        for t in pricing.tiers
    ]
    if pricing.usd is not None:
        base = format_usd(pricing.usd)
        if pricing.credits is not None:
            base = f"{format_credits(pricing.credits)} (~{base})"
        rows.insert(0, (pricing.unit or "Per request", base))
    return rows


@dataclass(frozen=True)
class CostEstimate:
    """The expected price of one run with the given values; `usd is None` means unknown."""

    usd: float | None
    label: str
    credits: float | None = None


def estimate_cost(
    model: UnifiedAIModel, values: Mapping[str, Any], *, audio_seconds: float | None = None
) -> CostEstimate:
    """Price of a run: the tier for the chosen value, per image, per audio minute, per 1,000 characters."""
    pricing = model.pricing
    if pricing is None:
        return CostEstimate(None, PRICE_UNKNOWN)
    if pricing.basis == "free":
        return CostEstimate(0.0, "Free")
    if pricing.tiers and pricing.tier_parameter:
        chosen = values.get(pricing.tier_parameter)
        param = model.parameter(pricing.tier_parameter)
        if chosen in (None, "") and param is not None:
            chosen = param.default
        try:
            wanted = float(chosen)
        except (TypeError, ValueError):
            return CostEstimate(None, f"{PRICE_UNKNOWN} for this {pricing.tier_parameter}")
        for tier in pricing.tiers:
            if tier.value == wanted:
                return CostEstimate(tier.usd, format_usd(tier.usd), tier.credits)
        return CostEstimate(None, f"{PRICE_UNKNOWN} for {wanted:g}{pricing.tier_unit}")
    if pricing.usd is None:
        return CostEstimate(None, PRICE_UNKNOWN)
    if pricing.basis == "per_minute_audio":
        if audio_seconds is None:
            return CostEstimate(None, f"{format_usd(pricing.usd)} per minute of audio")
        minutes = max(audio_seconds, 1.0) / 60
        usd = pricing.usd * minutes
        credits = pricing.credits * minutes if pricing.credits is not None else None
        return CostEstimate(usd, f"~{format_usd(usd)}", credits)
    if pricing.basis == "per_1k_tokens":
        # The token count is only known after the run.
        return CostEstimate(None, f"{format_usd(pricing.usd)} per 1,000 tokens")
    if pricing.basis == "per_1k_chars":
        text = values.get("input") or values.get("text") or ""
        chars = len(str(text))
        usd = pricing.usd * chars / 1000
        credits = pricing.credits * chars / 1000 if pricing.credits is not None else None
        if not chars:
            return CostEstimate(None, f"{format_usd(pricing.usd)} per 1,000 characters")
        return CostEstimate(usd, f"~{format_usd(usd)}", credits)
    return CostEstimate(pricing.usd, format_usd(pricing.usd), pricing.credits)
