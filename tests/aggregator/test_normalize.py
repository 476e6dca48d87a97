"""Every upstream shape of CONTRACT.md into facts; bad records are skipped one by one."""

from __future__ import annotations

import pytest

from ai_registry.aggregator.normalize import (
    MAX_README,
    MAX_TEXT,
    Health,
    ShapeError,
    UpstreamFacts,
    derive_model,
    display_name,
    guess_provider,
    normalize_chat_models,
    normalize_embedding_models,
    normalize_registry_models,
    parse_health,
)
from ai_registry.catalog.query import matches_category

CHAT = [
    {"id": "gpt-4", "object": "model", "created": 1687882411, "owned_by": "ainative", "available": True},
    {"id": "gpt-3.5-turbo", "object": "model", "created": 1677610602, "owned_by": "ainative", "available": True},
    {"id": "claude-3-5-sonnet-20241022", "object": "model", "created": 1729641600, "owned_by": "ainative"},
]
EMBEDDINGS = [
    {"id": "BAAI/bge-small-en-v1.5", "dimensions": 384, "description": "Small", "speed": "Fast", "loaded": True},
    {"id": "BAAI/bge-base-en-v1.5", "dimensions": 768, "description": "Base", "speed": "Medium", "loaded": False},
    {"id": "BAAI/bge-large-en-v1.5", "dimensions": 1024, "description": "Large", "speed": "Slow", "loaded": False},
]


def ids(normalized) -> list[str]:
    return [f.id for f in normalized.facts]


# -- GET /models -------------------------------------------------------------------------------------


def test_chat_models_data_shape() -> None:
    out = normalize_chat_models({"object": "list", "data": CHAT})
    assert ids(out) == ["gpt-4", "gpt-3.5-turbo", "claude-3-5-sonnet-20241022"]
    assert out.skipped == []
    first = out.facts[0].stated()
    assert first == {"id": "gpt-4", "created": 1687882411, "available": True, "facts": {"Owned by": "ainative"}}
    # `owned_by` names the host, not the maker: it is a fact, not the provider.
    assert "provider" not in first
    assert "available" not in out.facts[2].stated()


def test_chat_models_older_models_shape_and_bare_list() -> None:
    assert ids(normalize_chat_models({"models": CHAT})) == ids(normalize_chat_models({"data": CHAT}))
    assert ids(normalize_chat_models(CHAT)) == ids(normalize_chat_models({"data": CHAT}))
    # Some deployments list bare ids.
    assert ids(normalize_chat_models({"data": ["gpt-4", "o1-mini"]})) == ["gpt-4", "o1-mini"]


@pytest.mark.parametrize(
    "payload",
    [None, "text", 42, {"data": "gpt-4"}, {"data": {"id": "gpt-4"}}, {"object": "list"}, {"models": None}],
)
def test_chat_models_wrong_shape_raises(payload) -> None:
    with pytest.raises(ShapeError):
        normalize_chat_models(payload)


def test_chat_models_bad_records_are_skipped_one_by_one() -> None:
    payload = {
        "data": [
            {"id": "good-1", "created": 1700000000},
            {"id": 5},
            {"no_id": True},
            None,
            ["nested"],
            {"id": "   "},
            {"id": "x" * 301},
            {"id": "good-2", "created": "not a date", "available": "yes"},
        ]
    }
    out = normalize_chat_models(payload)
    assert ids(out) == ["good-1", "good-2"]
    assert len(out.skipped) == 6
    assert out.skipped[0].startswith("5: id")
    # Unreadable optional fields are dropped, not trusted.
    assert out.facts[1].created is None
    assert out.facts[1].available is None


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1687882411, 1687882411),
        (1687882411.9, 1687882411),
        ("2024-10-22T00:00:00Z", 1729555200),
        ("2024-10-22T00:00:00+00:00", 1729555200),
        ("yesterday", None),
        (True, None),
        (-5, None),
        (10**13, None),  # milliseconds or garbage: not a plausible Unix time in seconds
        ([], None),
    ],
)
def test_chat_models_created(created, expected) -> None:
    out = normalize_chat_models({"data": [{"id": "m", "created": created}]})
    assert out.facts[0].created == expected


def test_ids_are_trimmed() -> None:
    assert ids(normalize_chat_models({"data": [{"id": "  gpt-4 "}]})) == ["gpt-4"]


# -- GET /public/embeddings/models -------------------------------------------------------------------


def test_embedding_models() -> None:
    out = normalize_embedding_models(EMBEDDINGS)
    assert ids(out) == [m["id"] for m in EMBEDDINGS]
    small = out.facts[0].stated()
    assert small["description"] == "Small"
    assert small["speed"] == "Fast"
    assert small["facts"] == {"Dimensions": "384", "Loaded": "yes"}
    # `loaded` is warmth, not availability.
    assert "available" not in small
    assert out.facts[1].facts["Loaded"].startswith("no")


def test_embedding_models_object_shapes() -> None:
    assert ids(normalize_embedding_models({"models": EMBEDDINGS})) == ids(normalize_embedding_models(EMBEDDINGS))
    assert ids(normalize_embedding_models({"data": EMBEDDINGS})) == ids(normalize_embedding_models(EMBEDDINGS))
    with pytest.raises(ShapeError):
        normalize_embedding_models({"embeddings": EMBEDDINGS})


@pytest.mark.parametrize("dimensions", ["384", -1, 0, True, 3.5])
def test_embedding_models_wrong_dimensions_skip_only_that_record(dimensions) -> None:
    out = normalize_embedding_models([{"id": "bad", "dimensions": dimensions}, EMBEDDINGS[0]])
    assert ids(out) == ["BAAI/bge-small-en-v1.5"]
    assert out.skipped and out.skipped[0].startswith("bad:")


def test_embedding_models_wrong_field_types_skip() -> None:
    out = normalize_embedding_models([{"id": "x", "description": ["not", "text"]}, "bge", EMBEDDINGS[2]])
    assert ids(out) == ["BAAI/bge-large-en-v1.5"]
    assert len(out.skipped) == 2


# -- GET /public/ai-registry/models ------------------------------------------------------------------


def registry_record(**kw) -> dict:
    record = {
        "id": "flux-schnell",
        "name": "FLUX.1 schnell",
        "provider": "Black Forest Labs",
        "category": "image",
        "capabilities": ["text-to-image"],
        "description": "Fast text-to-image",
        "thumbnail_url": "https://cdn.example/flux.png",
        "endpoint": "/v1/multimodal/image",
        "method": "post",
        "pricing": {"credits": 20, "usd": 0.01, "unit": "per image"},
        "is_default": False,
        "is_premium": True,
        "speed": "Fast",
        "quality": "High",
        "parameters": [{"name": "prompt", "type": "string", "required": True}],
        "examplePrompts": ["a red fox in snow", "a lighthouse"],
    }
    record.update(kw)
    return record


def test_registry_models_rich_record() -> None:
    out = normalize_registry_models({"models": [registry_record()], "total": 1})
    assert out.skipped == []
    facts = out.facts[0]
    assert facts.category == "Image"  # lower case upstream, ours capitalised
    assert facts.method == "POST"
    assert facts.pricing.usd == pytest.approx(0.01)
    assert facts.parameters[0].name == "prompt" and facts.parameters[0].required
    assert facts.facts == {"Example prompt": "a red fox in snow"}
    assert facts.is_premium is True


@pytest.mark.parametrize(
    ("upstream", "ours"),
    [("image", "Image"), ("VIDEO", "Video"), ("audio", "Audio"), ("embeddings", "Embedding"),
     ("chat", "Coding"), ("llm", "Coding"), ("coding", "Coding"), ("robotics", None)],
)
def test_registry_category_names(upstream: str, ours: str | None) -> None:
    facts = normalize_registry_models({"models": [registry_record(category=upstream)]}).facts[0]
    assert facts.category == ours


def test_registry_created_from_any_date_field() -> None:
    for key in ("created", "created_at", "release_date"):
        facts = normalize_registry_models({"models": [registry_record(**{key: "2024-05-01T00:00:00Z"})]}).facts[0]
        assert facts.created == 1714521600


def test_registry_unsafe_thumbnail_and_method_are_dropped() -> None:
    out = normalize_registry_models(
        {"models": [registry_record(thumbnail_url="javascript:alert(1)", method="DELETE")]}
    )
    assert out.facts[0].thumbnail_url is None
    assert out.facts[0].method is None
    data_url = normalize_registry_models({"models": [registry_record(thumbnail_url="data:image/png;base64,AAAA")]})
    assert data_url.facts[0].thumbnail_url is None


def test_registry_slug_is_made_url_safe() -> None:
    out = normalize_registry_models({"models": [registry_record(slug="../../Admin Panel")]})
    assert out.facts[0].slug == "admin-panel"
    assert normalize_registry_models({"models": [registry_record(slug="!!!")]}).facts[0].slug is None


def test_registry_long_text_is_bounded() -> None:
    out = normalize_registry_models(
        {"models": [registry_record(description="d" * (MAX_TEXT * 3), readme="r" * (MAX_README + 50))]}
    )
    assert len(out.facts[0].description) == MAX_TEXT
    assert len(out.facts[0].readme) == MAX_README


@pytest.mark.parametrize(
    "bad",
    [
        {"capabilities": "text-to-image"},
        {"pricing": "cheap"},
        {"pricing": {"usd": "a lot"}},
        {"parameters": {"prompt": "string"}},
        {"parameters": [{"type": "string"}]},
        {"is_default": {"yes": 1}},
        {"id": None},
    ],
)
def test_registry_one_bad_record_never_drops_others(bad: dict) -> None:
    good = registry_record(id="good")
    out = normalize_registry_models({"models": [registry_record(**{"id": "bad", **bad}), good]})
    assert ids(out) == ["good"]
    assert len(out.skipped) == 1


def test_registry_shapes() -> None:
    assert ids(normalize_registry_models([registry_record()])) == ["flux-schnell"]
    assert ids(normalize_registry_models({"data": [registry_record()]})) == ["flux-schnell"]
    assert ids(normalize_registry_models({"models": []})) == []
    with pytest.raises(ShapeError):
        normalize_registry_models({"models": "none", "total": 0})


# -- GET /multimodal/health --------------------------------------------------------------------------


def test_parse_health() -> None:
    health = parse_health(
        {
            "status": "degraded",
            "services": {
                "image": {"available": True, "models": ["qwen-image-edit"]},
                "video": {"available": False},
                "audio": {"available": "maybe"},  # not a boolean: unknown, left out
                "other": "up",
            },
        }
    )
    assert health == Health(status="degraded", services={"image": True, "video": False})


def test_parse_health_without_services() -> None:
    assert parse_health({"status": "healthy"}) == Health("healthy", {})


@pytest.mark.parametrize(
    "payload", [None, [], {"services": {}}, {"status": 1}, {"status": "ok", "services": ["image"]}]
)
def test_parse_health_wrong_shape(payload) -> None:
    with pytest.raises(ShapeError):
        parse_health(payload)


# -- derived fields for unknown models ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "owned_by", "provider"),
    [
        ("gpt-4o-mini", "ainative", "OpenAI"),
        ("o1-preview", None, "OpenAI"),
        ("claude-3-opus", "ainative", "Anthropic"),
        ("llama-3.1-8b", "ainative", "Meta"),
        ("gemini-pro", None, "Google"),
        ("BAAI/bge-m3", None, "BAAI"),
        ("acme/rocket-1", None, "acme"),
        ("rocket-1", "ainative", "ainative"),
        ("rocket-1", None, "Unknown"),
        ("rocket-1", "  ", "Unknown"),
    ],
)
def test_guess_provider(model_id: str, owned_by: str | None, provider: str) -> None:
    assert guess_provider(model_id, owned_by) == provider


def test_display_name() -> None:
    assert display_name("gpt-4o-mini") == "GPT 4o Mini"
    assert display_name("BAAI/bge-m3") == "BGE M3"
    assert display_name("tts_hd") == "TTS Hd"


def test_derive_chat_model() -> None:
    facts = normalize_chat_models({"data": [{"id": "gpt-4o-mini", "created": 1721000000, "owned_by": "ainative"}]})
    model = derive_model(facts.facts[0], default_category="Coding", source="chat")
    assert model.slug == "gpt-4o-mini"
    assert model.name == "GPT 4o Mini"
    assert model.provider == "OpenAI"
    assert model.category == "Coding"
    assert model.endpoint == "/v1/chat/completions"
    assert model.created == 1721000000
    assert model.upstream_model == "gpt-4o-mini"
    assert model.sources == ["chat"]
    assert {p.name for p in model.parameters} >= {"messages", "temperature", "max_tokens"}
    assert model.pricing is None  # unknown, never $0
    assert matches_category(model, "Coding")


def test_derive_embedding_model() -> None:
    facts = normalize_embedding_models([{"id": "BAAI/bge-m3", "dimensions": 1024, "description": "Multilingual"}])
    model = derive_model(facts.facts[0], default_category="Embedding", source="embeddings")
    assert model.slug == "bge-m3"
    assert model.category == "Embedding"
    assert model.description == "Multilingual"
    assert model.facts["Dimensions"] == "1024"
    assert model.parameter("input") is not None


def test_derive_registry_model_keeps_what_it_stated() -> None:
    facts = normalize_registry_models({"models": [registry_record(slug="Flux Fast")]}).facts[0]
    model = derive_model(facts, default_category="Coding", source="registry")
    assert model.category == "Image"
    assert model.slug == "flux-fast"
    assert model.name == "FLUX.1 schnell"
    assert model.provider == "Black Forest Labs"
    assert model.capabilities == ["text-to-image"]
    assert [p.name for p in model.parameters] == ["prompt"]
    assert model.pricing.usd == pytest.approx(0.01)
    assert model.thumbnail_url == "https://cdn.example/flux.png"


def test_derive_unknown_category_uses_the_source_default() -> None:
    facts = UpstreamFacts(id="mystery", category="robotics")
    assert derive_model(facts, default_category="Embedding", source="x").category == "Embedding"
