"""Category match, text search, sort, facet counts and URL parsing, with and without the index."""

from __future__ import annotations

from typing import Any

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import CATEGORIES, UnifiedAIModel
from ai_registry.catalog.query import (
    MAX_QUERY_LENGTH,
    CatalogIndex,
    facet_counts,
    matches_category,
    matches_search,
    model_categories,
    parse_category,
    parse_query,
    parse_sort,
    search_text,
    sort_models,
)


def make(model_id: str, category: str = "Coding", **kw: Any) -> UnifiedAIModel:
    fields: dict[str, Any] = {
        "slug": model_id.lower(),
        "name": model_id,
        "provider": "Acme",
        "endpoint": "/v1/x",
    }
    fields.update(kw)
    return UnifiedAIModel(id=model_id, category=category, **fields)


@pytest.fixture
def models() -> list[UnifiedAIModel]:
    return [
        make("Alpha", "Image", capabilities=["image-generation"], created=300, description="Paints pictures"),
        make("beta", "Video", capabilities=["image-to-video", "video-generation"], created=100),
        make("Gamma", "Coding", capabilities=["text-generation", "code"], created=200, provider="OpenAI"),
        make("delta", "Audio", capabilities=["transcription"], created=None, description="Speech to text"),
        make("Epsilon", "Embedding", capabilities=["embedding"], created=200),
        # A multimodal chat model that can also make images: in Coding and Image.
        make("Zeta", "Coding", capabilities=["chat", "TEXT-TO-IMAGE"], created=None),
    ]


def ids(models: list[UnifiedAIModel]) -> list[str]:
    return [m.id for m in models]


# -- category ----------------------------------------------------------------------------------------


def test_model_categories_by_category_and_capabilities(models: list[UnifiedAIModel]) -> None:
    by_id = {m.id: m for m in models}
    assert model_categories(by_id["Alpha"]) == {"Image"}
    assert model_categories(by_id["Zeta"]) == {"Coding", "Image"}  # capabilities match case-insensitively
    assert model_categories(by_id["delta"]) == {"Audio"}


def test_matches_category(models: list[UnifiedAIModel]) -> None:
    zeta = models[-1]
    assert matches_category(zeta, "All")
    assert matches_category(zeta, "Coding")
    assert matches_category(zeta, "Image")
    assert not matches_category(zeta, "Video")
    assert not matches_category(zeta, "image")  # callers pass parsed categories


def test_category_by_capability_alone() -> None:
    # Filed under Coding but able to transcribe: the Audio tab shows it.
    model = make("hybrid", "Coding", capabilities=["speech-to-text"])
    assert matches_category(model, "Audio")
    assert not matches_category(model, "Embedding")


def test_builtin_categories_count() -> None:
    counts = facet_counts(load_builtin_catalog())
    assert counts["All"] == 15
    assert counts["Video"] == 5
    assert counts["Embedding"] == 3
    assert counts["Image"] >= 1 and counts["Audio"] >= 3 and counts["Coding"] >= 3


# -- search ------------------------------------------------------------------------------------------


def test_search_text_covers_name_id_provider_description_capabilities() -> None:
    model = make("org/Model-X", name="Shiny Name", provider="ProvCo", description="Does THINGS", capabilities=["cap-z"])
    text = search_text(model)
    for word in ("org/model-x", "shiny name", "provco", "does things", "cap-z"):
        assert word in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", True),
        ("   ", True),
        ("paints", True),
        ("PAINTS pictures", True),  # every word, any case
        ("pictures paints", True),  # any order
        ("paints video", False),  # every word must occur
        ("acme", True),  # provider
        ("image-generation", True),  # capability
        ("alp", True),  # substring
        ("nothing-like-this", False),
    ],
)
def test_matches_search(models: list[UnifiedAIModel], query: str, expected: bool) -> None:
    assert matches_search(models[0], query) is expected


def test_search_is_bounded() -> None:
    model = make("m", description="x" * 10)
    # A huge query is cut to MAX_QUERY_LENGTH characters, so it cannot make search slow.
    assert matches_search(model, "x" * (MAX_QUERY_LENGTH + 10_000)) is False
    assert matches_search(model, "m " + "x" * 5)


# -- sort --------------------------------------------------------------------------------------------


def test_sort_newest_oldest_name(models: list[UnifiedAIModel]) -> None:
    # Equal dates (Gamma, Epsilon at 200) stay alphabetical; undated models go last, by name.
    assert ids(sort_models(models, "newest")) == ["Alpha", "Epsilon", "Gamma", "beta", "delta", "Zeta"]
    assert ids(sort_models(models, "oldest")) == ["beta", "Epsilon", "Gamma", "Alpha", "delta", "Zeta"]
    assert ids(sort_models(models, "name")) == ["Alpha", "beta", "delta", "Epsilon", "Gamma", "Zeta"]


def test_sort_does_not_change_its_input(models: list[UnifiedAIModel]) -> None:
    before = ids(models)
    sort_models(models, "name")
    assert ids(models) == before


def test_sort_ties_on_name_fall_back_to_id() -> None:
    a, b = make("b-id", name="Same"), make("a-id", name="same")
    assert ids(sort_models([a, b], "name")) == ["a-id", "b-id"]


def test_sort_builtin_newest_puts_sora_first() -> None:
    newest = sort_models(load_builtin_catalog(), "newest")
    assert newest[0].slug == "sora-2-i2v"
    dated = [m.created for m in newest if m.created is not None]
    assert dated == sorted(dated, reverse=True)


# -- facets ------------------------------------------------------------------------------------------


def test_facet_counts(models: list[UnifiedAIModel]) -> None:
    counts = facet_counts(models)
    assert list(counts) == list(CATEGORIES)
    assert counts == {"All": 6, "Image": 2, "Video": 1, "Audio": 1, "Coding": 2, "Embedding": 1}
    assert facet_counts(models, "speech") == {"All": 1, "Image": 0, "Video": 0, "Audio": 1, "Coding": 0, "Embedding": 0}
    assert facet_counts([], "x")["All"] == 0


# -- the index agrees with the plain functions -------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("sort", ["newest", "oldest", "name"])
@pytest.mark.parametrize("q", ["", "a", "ACME", "speech text", "zzz"])
def test_index_query_matches_plain_functions(models: list[UnifiedAIModel], category: str, sort: str, q: str) -> None:
    index = CatalogIndex(models)
    expected = [m for m in sort_models(models, sort) if matches_category(m, category) and matches_search(m, q)]
    assert ids(index.query(category=category, q=q, sort=sort)) == ids(expected)


def test_index_facets_match_facet_counts(models: list[UnifiedAIModel]) -> None:
    index = CatalogIndex(models)
    assert len(index) == 6
    for q in ("", "acme", "speech", "nothing"):
        assert index.facets(q=q) == facet_counts(models, q)


def test_index_unknown_sort_falls_back_to_newest(models: list[UnifiedAIModel]) -> None:
    index = CatalogIndex(models)
    assert ids(index.query(sort="sideways")) == ids(sort_models(models, "newest"))


def test_index_on_builtin_catalog() -> None:
    index = CatalogIndex(load_builtin_catalog())
    video = index.query(category="Video", sort="name")
    assert len(video) == 5
    assert [m.name for m in video] == sorted((m.name for m in video), key=str.casefold)
    assert [m.slug for m in index.query(q="bge small")] == ["bge-small-en-v1-5"]


# -- URL values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "category"),
    [(None, "All"), ("", "All"), ("video", "Video"), (" EMBEDDING ", "Embedding"), ("all", "All"), ("robots", "All")],
)
def test_parse_category(value: str | None, category: str) -> None:
    assert parse_category(value) == category


@pytest.mark.parametrize(
    ("value", "sort"),
    [(None, "newest"), ("", "newest"), ("Name", "name"), (" oldest ", "oldest"), ("random", "newest")],
)
def test_parse_sort(value: str | None, sort: str) -> None:
    assert parse_sort(value) == sort


def test_parse_query() -> None:
    assert parse_query(None) == ""
    assert parse_query("  two   words \n") == "two words"
    assert len(parse_query("y" * 1000)) == MAX_QUERY_LENGTH
