"""Merging an upstream price into the built-in one, one test per pricing field (issue 17)."""

from __future__ import annotations

import pytest

from ai_registry.aggregator.pricing_merge import merge_pricing, own_sources
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import PriceTier, Pricing
from ai_registry.catalog.pricing import estimate_source, pricing_conflict


def upstream(**stated) -> Pricing:
    """A price as an upstream record states it (only the given fields count as stated)."""
    return Pricing.model_validate(stated)


@pytest.fixture
def wan() -> Pricing:
    return next(m for m in load_builtin_catalog() if m.id == "wan22-i2v").pricing


def merge(current: Pricing | None, theirs: Pricing) -> Pricing:
    return merge_pricing(current, theirs, source="registry", current_source="builtin")


def table(pricing: Pricing) -> list[tuple[float, float]]:
    return [(t.value, t.usd) for t in pricing.tiers]


BUILTIN_TABLE = [(5, 0.3), (8, 0.48), (10, 0.6), (15, 0.7)]


# -- credits -----------------------------------------------------------------------------------------


def test_credits_the_upstream_states_win(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=500, unit="per 5s video"))
    assert merged.credits == 500
    assert merged.field_sources["credits"] == "registry"


def test_credits_the_upstream_leaves_out_stay_for_the_same_unit(wan: Pricing) -> None:
    merged = merge(wan, upstream(usd=0.25, unit="per 5s video"))
    assert merged.credits == 400
    assert merged.field_sources["credits"] == "builtin"


def test_credits_of_another_unit_are_dropped_not_mixed(wan: Pricing) -> None:
    merged = merge(wan, upstream(usd=0.1, unit="per 2s video"))
    assert merged.credits is None  # 400 credits priced a 5 s video, not a 2 s one
    assert "credits" not in merged.field_sources


# -- usd ---------------------------------------------------------------------------------------------


def test_usd_the_upstream_states_wins(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=400, usd=0.2, unit="per 5s video"))
    assert merged.usd == pytest.approx(0.2)
    assert merged.field_sources["usd"] == "registry"


def test_usd_the_upstream_leaves_out_stays_for_the_same_unit(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=420))
    assert merged.usd == pytest.approx(0.2)
    assert merged.field_sources["usd"] == "builtin"


def test_usd_of_another_unit_is_dropped_and_reads_unknown(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=100, unit="per 1s video"))
    assert merged.usd is None
    assert merged.credits == 100


# -- unit --------------------------------------------------------------------------------------------


def test_unit_the_upstream_states_wins() -> None:
    merged = merge(Pricing(credits=50, usd=0.025, unit="per image"), upstream(unit="per 1024x1024 image"))
    assert merged.unit == "per 1024x1024 image"
    assert merged.field_sources["unit"] == "registry"


def test_unit_spelled_differently_is_the_same_unit(wan: Pricing) -> None:
    merged = merge(wan, upstream(usd=0.22, unit="Per 5s  video"))
    assert merged.credits == 400  # same unit: the built-in credits still describe it
    assert merged.unit == "Per 5s  video"


def test_unit_left_out_keeps_the_builtin_unit(wan: Pricing) -> None:
    assert merge(wan, upstream(usd=0.21)).unit == "per 5s video"


# -- basis -------------------------------------------------------------------------------------------


def test_basis_the_upstream_states_wins() -> None:
    merged = merge(Pricing(usd=0.006, unit="per minute of audio", basis="per_minute_audio"), upstream(basis="flat"))
    assert merged.basis == "flat"
    assert merged.field_sources["basis"] == "registry"


def test_basis_left_out_stays() -> None:
    builtin = Pricing(credits=14, usd=0.015, unit="per 1,000 characters", basis="per_1k_chars")
    merged = merge(builtin, upstream(credits=16, usd=0.016))
    assert merged.basis == "per_1k_chars"
    assert merged.field_sources["basis"] == "builtin"


def test_basis_follows_a_new_unit_when_left_out() -> None:
    builtin = Pricing(credits=14, usd=0.015, unit="per 1,000 characters", basis="per_1k_chars")
    merged = merge(builtin, upstream(usd=0.01, unit="per minute of audio"))
    assert merged.basis == "per_minute_audio"
    assert merge(builtin, upstream(usd=0.5, unit="per request")).basis == "flat"


# -- tiers (the duration table) ----------------------------------------------------------------------


def test_tiers_stay_when_the_upstream_sends_none(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=400, usd=0.2, unit="per 5s video"))
    assert table(merged) == BUILTIN_TABLE
    assert (merged.tier_parameter, merged.tier_unit) == ("duration", "s")
    assert merged.field_sources["tiers"] == "builtin"


def test_tiers_the_upstream_sends_win_row_by_row(wan: Pricing) -> None:
    theirs = upstream(tier_parameter="duration", tiers=[{"value": 8, "usd": 0.5}, {"value": 20, "usd": 0.9}])
    merged = merge(wan, theirs)
    assert table(merged) == [(5, 0.3), (8, 0.5), (10, 0.6), (15, 0.7), (20, 0.9)]
    assert merged.field_sources["tiers"] == "registry,builtin"


def test_tiers_covering_every_row_are_credited_to_the_upstream_alone(wan: Pricing) -> None:
    rows = [{"value": v, "usd": u + 0.01} for v, u in BUILTIN_TABLE]
    merged = merge(wan, upstream(tiers=rows))
    assert table(merged) == [(v, pytest.approx(u + 0.01)) for v, u in BUILTIN_TABLE]
    assert merged.field_sources["tiers"] == "registry"


def test_tiers_of_another_parameter_replace_the_table(wan: Pricing) -> None:
    merged = merge(wan, upstream(tier_parameter="size", tier_unit="", tiers=[{"value": 720, "usd": 0.3}]))
    assert table(merged) == [(720, 0.3)]
    assert (merged.tier_parameter, merged.tier_unit) == ("size", "")


# -- estimate_from: which figure a run both cover uses ----------------------------------------------


def test_estimate_from_is_written_down_when_unit_and_table_disagree(wan: Pricing) -> None:
    merged = merge(wan, upstream(credits=400, usd=0.2, unit="per 5s video"))
    conflict = pricing_conflict(merged)
    assert conflict is not None and conflict.value == 5
    assert (conflict.unit_usd, conflict.tier_usd) == (pytest.approx(0.2), pytest.approx(0.3))
    assert merged.estimate_from == "table"


def test_estimate_from_the_upstream_states_wins(wan: Pricing) -> None:
    merged = merge(wan, upstream(usd=0.2, estimate_from="unit"))
    assert merged.estimate_from == "unit"
    assert estimate_source(merged) == "unit"


def test_estimate_from_stays_unset_when_nothing_disagrees() -> None:
    builtin = Pricing(
        usd=0.3, unit="per 5s video", tier_parameter="duration", tiers=[PriceTier(value=5, usd=0.3)]
    )
    merged = merge(builtin, upstream(credits=600))
    assert pricing_conflict(merged) is None
    assert merged.estimate_from is None


# -- a model the catalog does not price --------------------------------------------------------------


def test_a_price_the_catalog_lacks_is_the_upstreams() -> None:
    merged = merge(None, upstream(credits=20, usd=0.01, unit="per image"))
    assert (merged.credits, merged.usd, merged.unit) == (20, pytest.approx(0.01), "per image")
    assert merged.field_sources == {"credits": "registry", "usd": "registry", "unit": "registry", "basis": "registry"}


def test_own_sources_never_overwrites_a_known_source() -> None:
    pricing = Pricing(usd=0.1, field_sources={"usd": "registry"})
    assert own_sources(pricing, "builtin").field_sources == {"usd": "registry", "basis": "builtin"}
