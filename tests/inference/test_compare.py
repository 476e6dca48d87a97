"""Which asked models become compare panels, what stops a panel, and the summed estimate."""

from __future__ import annotations

import pytest

from ai_registry.aggregator.runtime import local_catalog
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.pricing import CostEstimate, estimate_cost
from ai_registry.inference.compare import panel_blocker, parse_models, plan_compare, sum_costs

MODELS = {m.slug: m for m in [*load_builtin_catalog(), *local_catalog()]}
lookup = MODELS.get


def test_parse_models() -> None:
    assert parse_models(" a,b,,c ") == ["a", "b", "c"] and parse_models(None) == []


def test_two_of_one_kind_and_the_same_model_twice() -> None:
    plan = plan_compare(["gpt-4", "claude-3-5-sonnet-20241022"], lookup)
    assert plan.ready and plan.kind == "chat" and plan.problems == []
    twice = plan_compare(["local-smollm2-135m-instruct"] * 2, lookup)
    assert twice.ready and [m.slug for m in twice.models] == ["local-smollm2-135m-instruct"] * 2


def test_unknown_slug_is_named_and_the_rest_still_compare() -> None:
    plan = plan_compare(["gpt-4", "no-such-model", "gpt-3-5-turbo"], lookup)
    assert [m.slug for m in plan.models] == ["gpt-4", "gpt-3-5-turbo"] and plan.ready
    assert plan.problems == ["No model has the address “no-such-model”; it was left out."]


def test_another_kind_is_left_out_with_a_message() -> None:
    plan = plan_compare(["gpt-4", "qwen-image-edit", "gpt-3-5-turbo"], lookup)
    assert [m.slug for m in plan.models] == ["gpt-4", "gpt-3-5-turbo"]
    assert "Qwen" in plan.problems[0] and "image model" in plan.problems[0] and "one kind" in plan.problems[0]


def test_more_than_four_keeps_four() -> None:
    slugs = ["gpt-4", "gpt-3-5-turbo", "claude-3-5-sonnet-20241022", "local-smollm2-135m-instruct", "gpt-4"]
    plan = plan_compare(slugs, lookup)
    assert len(plan.models) == 4 and len(plan.problems) == 1 and "At most 4" in plan.problems[0]


@pytest.mark.parametrize(("slugs", "have"), [([], "no model"), (["gpt-4"], "one model"), (["x", "gpt-4"], "one model")])
def test_fewer_than_two(slugs: list[str], have: str) -> None:
    plan = plan_compare(slugs, lookup)
    assert not plan.ready and plan.problems[-1].endswith(f"has {have}: add another below.")


def test_what_stops_a_panel() -> None:
    down = MODELS["qwen-image-edit"].model_copy(update={"available": False, "availability_note": "maintenance"})
    assert "unavailable upstream right now (maintenance)" in panel_blocker(down, key_set=True)
    assert "needs an upstream API key" in panel_blocker(MODELS["qwen-image-edit"], key_set=False)
    assert panel_blocker(MODELS["qwen-image-edit"], key_set=True) == ""
    assert panel_blocker(MODELS["local-smollm2-135m-instruct"], key_set=False) == ""  # local needs no key


def test_costs_add_up_with_each_panels_share() -> None:
    qwen = MODELS["qwen-image-edit"]
    one = estimate_cost(qwen, {"prompt": "x", "width": 1024, "height": 1024})
    assert one.usd == pytest.approx(0.025)
    cost = sum_costs([one, one])
    assert cost.total_usd == pytest.approx(0.05) and cost.total_label == "$0.05"
    assert cost.shares == ["$0.025 · 50% of the total"] * 2


def test_an_unknown_price_is_never_zero() -> None:
    cost = sum_costs([CostEstimate(0.3, "$0.30"), CostEstimate(None, "Price unknown"), None])
    assert cost.total_label == "$0.30 + 1 unknown" and cost.total_usd is None
    assert cost.shares == ["$0.30 · 100% of the total", "Price unknown", "does not run"]
    assert sum_costs([CostEstimate(None, "Price unknown")]).total_label == "Price unknown"
    free = sum_costs([CostEstimate(0.0, "Free"), CostEstimate(0.0, "Free")])
    assert free.total_label == "Free" and free.shares == ["Free", "Free"]
