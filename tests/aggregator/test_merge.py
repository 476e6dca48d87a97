"""Merging upstream facts with the built-in catalog: by id, upstream facts win, no duplicates."""

from __future__ import annotations

import pytest

from ai_registry.aggregator.merge import SourceFacts, apply_health, merge_catalog
from ai_registry.aggregator.normalize import (
    Health,
    UpstreamFacts,
    normalize_chat_models,
    normalize_embedding_models,
    normalize_registry_models,
)
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel


def chat(*records: dict) -> SourceFacts:
    return SourceFacts("chat", normalize_chat_models({"data": list(records)}).facts, "Coding")


def registry(*records: dict) -> SourceFacts:
    return SourceFacts("registry", normalize_registry_models({"models": list(records)}).facts, "Coding", rich=True)


def by_id(models: list[UnifiedAIModel]) -> dict[str, UnifiedAIModel]:
    return {m.id: m for m in models}


@pytest.fixture
def builtin() -> list[UnifiedAIModel]:
    return load_builtin_catalog()


def test_builtin_alone(builtin: list[UnifiedAIModel]) -> None:
    merged = merge_catalog(builtin, [])
    assert [m.id for m in merged] == [m.id for m in builtin]


def test_list_source_facts_win_on_known_models(builtin: list[UnifiedAIModel]) -> None:
    merged = by_id(
        merge_catalog(
            builtin,
            [chat({"id": "gpt-4", "created": 1700000000, "available": False, "owned_by": "ainative"})],
        )
    )
    gpt4 = merged["gpt-4"]
    assert gpt4.created == 1700000000
    assert gpt4.available is False
    assert gpt4.facts["Owned by"] == "ainative"
    assert gpt4.sources == ["builtin", "chat"]
    # Built-in details fill what the upstream lacks.
    original = by_id(builtin)["gpt-4"]
    assert gpt4.name == original.name
    assert gpt4.slug == original.slug
    assert gpt4.parameters == original.parameters
    assert gpt4.readme == original.readme


def test_list_sources_cannot_rename_or_move_known_models(builtin: list[UnifiedAIModel]) -> None:
    facts = UpstreamFacts(id="gpt-4", name="Renamed", endpoint="/elsewhere", slug="other", category="Image")
    merged = by_id(merge_catalog(builtin, [SourceFacts("chat", [facts], "Coding")]))
    assert merged["gpt-4"].name == "GPT-4"
    assert merged["gpt-4"].slug == "gpt-4"
    assert merged["gpt-4"].category == "Coding"
    assert merged["gpt-4"].endpoint == by_id(builtin)["gpt-4"].endpoint


def test_registry_pricing_wins_and_slug_stays(builtin: list[UnifiedAIModel]) -> None:
    merged = by_id(
        merge_catalog(
            builtin,
            [
                registry(
                    {
                        "id": "qwen-image-edit",
                        "slug": "moved",
                        "pricing": {"credits": 60, "usd": 0.03, "unit": "per image"},
                        "description": "Upstream words",
                    }
                )
            ],
        )
    )
    qwen = merged["qwen-image-edit"]
    assert qwen.pricing.usd == pytest.approx(0.03)
    assert qwen.pricing.credits == 60
    assert qwen.description == "Upstream words"
    assert qwen.slug == "qwen-image-edit"  # URLs of known models never move
    assert qwen.sources == ["builtin", "registry"]


def test_embedding_facts_merge_into_builtin_bge(builtin: list[UnifiedAIModel]) -> None:
    facts = normalize_embedding_models(
        [{"id": "BAAI/bge-small-en-v1.5", "dimensions": 384, "description": "From upstream", "loaded": True}]
    ).facts
    merged = by_id(merge_catalog(builtin, [SourceFacts("embeddings", facts, "Embedding")]))
    small = merged["BAAI/bge-small-en-v1.5"]
    assert small.slug == "bge-small-en-v1-5"
    assert small.description == "From upstream"
    assert small.facts["Dimensions"] == "384"
    assert small.available is None  # `loaded` is not availability


def test_ids_match_case_insensitively_without_duplicates(builtin: list[UnifiedAIModel]) -> None:
    merged = merge_catalog(
        builtin,
        [chat({"id": "GPT-4", "created": 1}), registry({"id": "gpt-4", "name": "GPT-4 (upstream)"})],
    )
    assert [m.id for m in merged].count("gpt-4") == 1
    assert len(merged) == len(builtin)
    assert by_id(merged)["gpt-4"].name == "GPT-4 (upstream)"


def test_upstream_only_models_appear_with_derived_fields_and_unique_slugs(builtin: list[UnifiedAIModel]) -> None:
    merged = merge_catalog(
        builtin,
        [
            chat(
                {"id": "gpt-4o-mini", "created": 1721000000, "owned_by": "ainative"},
                {"id": "gpt-4o.mini"},  # same slug as the one above
                {"id": "gpt.4"},  # same slug as a built-in model
            ),
            registry({"id": "flux-1", "name": "FLUX 1", "category": "image", "capabilities": ["text-to-image"]}),
        ],
    )
    models = by_id(merged)
    assert len(merged) == len(builtin) + 4
    slugs = [m.slug for m in merged]
    assert len(slugs) == len(set(slugs))
    assert models["gpt-4o-mini"].slug == "gpt-4o-mini"
    assert models["gpt-4o.mini"].slug == "gpt-4o-mini-2"
    assert models["gpt.4"].slug == "gpt-4-2"
    assert models["gpt-4"].slug == "gpt-4"
    mini = models["gpt-4o-mini"]
    assert (mini.category, mini.provider, mini.name) == ("Coding", "OpenAI", "GPT 4o Mini")
    assert mini.created == 1721000000
    flux = models["flux-1"]
    assert (flux.category, flux.name, flux.sources) == ("Image", "FLUX 1", ["registry"])
    # Built-in models first, in their order; then upstream-only models.
    assert [m.id for m in merged[: len(builtin)]] == [m.id for m in builtin]


def test_upstream_only_model_listed_by_two_sources_is_one_model(builtin: list[UnifiedAIModel]) -> None:
    merged = merge_catalog(
        builtin,
        [
            chat({"id": "mistral-large", "created": 1710000000}),
            registry({"id": "mistral-large", "name": "Mistral Large", "pricing": {"usd": 0.002, "unit": "per call"}}),
        ],
    )
    matches = [m for m in merged if m.id == "mistral-large"]
    assert len(matches) == 1
    model = matches[0]
    assert model.name == "Mistral Large"
    assert model.created == 1710000000
    assert model.pricing.usd == pytest.approx(0.002)
    assert model.sources == ["chat", "registry"]


def test_merge_does_not_change_the_builtin_models(builtin: list[UnifiedAIModel]) -> None:
    before = [m.model_dump() for m in builtin]
    merge_catalog(builtin, [chat({"id": "gpt-4", "created": 5, "available": False})], health=Health("ok", {}))
    assert [m.model_dump() for m in builtin] == before


def test_health_marks_services(builtin: list[UnifiedAIModel]) -> None:
    health = Health("degraded", {"image": True, "video": False})
    merged = merge_catalog(builtin, [], health=health)
    for model in merged:
        if model.category == "Video":
            assert model.available is False
            assert "video" in model.availability_note
        elif model.category == "Image":
            assert model.available is True
        else:  # no word about audio, and chat or embeddings have no health service
            assert model.available is None


def test_health_up_keeps_an_explicit_unavailable() -> None:
    model = UnifiedAIModel(
        id="i", slug="i", name="I", provider="P", category="Image", endpoint="/x", available=False
    )
    assert apply_health(model, Health("healthy", {"image": True})).available is False


def test_health_never_touches_local_models() -> None:
    model = UnifiedAIModel(
        id="l", slug="l", name="L", provider="Local", category="Audio", endpoint="/x", sources=["local"], available=True
    )
    assert apply_health(model, Health("degraded", {"audio": False})).available is True
