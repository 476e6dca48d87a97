"""Merge an upstream price into the catalog's, figure by figure, remembering where each came from.

The rules (issue 17):
- credits, USD and unit: the upstream's figures win where it states them. When it prices another
  unit ("per 4s video" where the catalog says "per 5s video"), the catalog's credits and USD
  priced something else and are dropped, never mixed with the upstream's unit.
- the table (e.g. Wan's duration table): the upstream's rows win for the values it lists; the
  catalog's rows stay for the values it does not, and the whole table stays when it sends none.
- basis: the upstream's when stated; else the catalog's, unless the unit changed (then the new
  unit's words decide, see `infer_basis`).
- when a unit price and a table row then price the same run differently, `estimate_from` is set
  on the result, so the model's own data says which one the estimate uses (`pricing_note` says
  it on the page).
"""

from __future__ import annotations

import re

from ai_registry.catalog.list_prices import SOURCE as LIST_SOURCE
from ai_registry.catalog.models import PriceTier, Pricing
from ai_registry.catalog.pricing import estimate_source, infer_basis, pricing_conflict

PRICE_FIELDS = ("credits", "usd", "unit", "basis", "tiers", "input_usd", "output_usd")
TOKEN_FIELDS = ("input_usd", "output_usd")


def _same_unit(a: str | None, b: str | None) -> bool:
    def squash(unit: str | None) -> str:
        return re.sub(r"\s+", "", (unit or "").casefold())

    return squash(a) == squash(b)


def stated_fields(pricing: Pricing) -> set[str]:
    """The figures a price actually states: set explicitly and not empty."""
    fields = {f for f in pricing.model_fields_set if getattr(pricing, f, None) not in (None, [], {})}
    if pricing.tiers:
        fields.add("tiers")
    return fields


def own_sources(pricing: Pricing, source: str) -> Pricing:
    """`pricing` with every figure it states credited to `source` (unless already credited)."""
    present = {f for f in ("credits", "usd", "unit", "basis", *TOKEN_FIELDS) if getattr(pricing, f) is not None}
    if pricing.tiers:
        present.add("tiers")
    credited = {f: source for f in PRICE_FIELDS if f in present}
    settled = pricing.model_copy(update={"field_sources": {**credited, **pricing.field_sources}})
    return settle_estimate(settled)


def settle_estimate(pricing: Pricing) -> Pricing:
    """Write down which figure the estimate uses when the unit price and a table row disagree."""
    if pricing.estimate_from is None and pricing_conflict(pricing) is not None:
        return pricing.model_copy(update={"estimate_from": estimate_source(pricing)})
    return pricing


def _merge_tiers(current: Pricing, upstream: Pricing) -> tuple[list[PriceTier], bool]:
    """The merged table and whether any of the catalog's rows stayed."""
    same_table = (upstream.tier_parameter in (None, current.tier_parameter)) and (
        "tier_unit" not in upstream.model_fields_set or upstream.tier_unit == current.tier_unit
    )
    if not same_table or not current.tiers:
        return list(upstream.tiers), False
    theirs = {t.value: t for t in upstream.tiers}
    kept = [t for t in current.tiers if t.value not in theirs]
    return sorted([*kept, *upstream.tiers], key=lambda t: t.value), bool(kept)


def merge_pricing(current: Pricing | None, upstream: Pricing, *, source: str, current_source: str) -> Pricing:
    """`upstream` (what the source `source` said) over `current` (credited to `current_source`
    where its figures have no source yet), field by field as the module docstring says."""
    if current is None:
        return own_sources(upstream.model_copy(update={"field_sources": {}}), source)
    current = own_sources(current, current_source)
    stated = stated_fields(upstream)
    sources = dict(current.field_sources)
    update: dict = {}

    unit_changed = "unit" in stated and not _same_unit(current.unit, upstream.unit)
    if "unit" in stated:
        update["unit"] = upstream.unit
        sources["unit"] = source
    for figure in ("credits", "usd"):
        if figure in stated:
            update[figure] = getattr(upstream, figure)
            sources[figure] = source
        elif unit_changed:
            update[figure] = None  # the catalog's figure priced another unit
            sources.pop(figure, None)
    for figure in TOKEN_FIELDS:
        if figure in stated:
            update[figure] = getattr(upstream, figure)
            sources[figure] = source
    if stated & {"credits", "usd", "tiers", *TOKEN_FIELDS}:
        # The upstream's own price wins outright: a provider list price no longer applies at all.
        for figure in (*TOKEN_FIELDS, "unit", "basis"):
            if figure not in stated and current.field_sources.get(figure) == LIST_SOURCE:
                update[figure] = "flat" if figure == "basis" else None
                sources.pop(figure, None)
        current.synced.pop(LIST_SOURCE, None)
    if "synced" in stated:
        update["synced"] = {**current.synced, **upstream.synced}
    if "basis" in stated:
        update["basis"] = upstream.basis
        sources["basis"] = source
    elif unit_changed:
        update["basis"] = infer_basis(upstream.unit)
        sources["basis"] = source

    if "tiers" in stated:
        tiers, kept = _merge_tiers(current, upstream)
        update["tiers"] = tiers
        update["tier_parameter"] = upstream.tier_parameter or current.tier_parameter
        if "tier_unit" in upstream.model_fields_set:
            update["tier_unit"] = upstream.tier_unit
        previous = current.field_sources.get("tiers", current_source)
        sources["tiers"] = f"{source},{previous}" if kept and previous != source else source
    if "estimate_from" in stated:
        update["estimate_from"] = upstream.estimate_from
    update["field_sources"] = sources
    return settle_estimate(current.model_copy(update=update))
