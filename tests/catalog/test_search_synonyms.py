"""Search finds models by the words people type: tts, stt, asr, llm, free, local, embeddings...

Run over the catalog a fresh clone shows (the built-in models and the four local ones), through the
same `CatalogIndex` the gallery uses.
"""

from __future__ import annotations

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import Pricing, UnifiedAIModel
from ai_registry.catalog.query import CatalogIndex, facet_counts, matches_search, search_tags
from ai_registry.local.catalog import local_models

LOCAL_IDS = {"smollm2-135m-instruct", "all-minilm-l6-v2", "whisper-tiny.en", "piper-en_US-joe-medium"}


@pytest.fixture(scope="module")
def index() -> CatalogIndex:
    return CatalogIndex([*load_builtin_catalog(), *local_models()])


def found(index: CatalogIndex, q: str) -> set[str]:
    return {m.id for m in index.query(q=q)}


def test_free_and_local_find_all_four_local_models(index: CatalogIndex) -> None:
    assert found(index, "free") == LOCAL_IDS
    assert found(index, "FREE") == LOCAL_IDS
    assert LOCAL_IDS <= found(index, "local")
    assert index.facets(q="free")["All"] == 4


def test_tts_finds_the_piper_voice_and_the_upstream_tts(index: CatalogIndex) -> None:
    assert found(index, "tts") == {"piper-en_US-joe-medium", "tts-1"}
    assert found(index, "free tts") == {"piper-en_US-joe-medium"}


@pytest.mark.parametrize("q", ["stt", "asr", "transcribe", "speech-to-text"])
def test_speech_to_text_synonyms_find_both_whisper_models(index: CatalogIndex, q: str) -> None:
    got = found(index, q)
    assert {"whisper-tiny.en", "whisper-transcription"} <= got
    assert "piper-en_US-joe-medium" not in got and "tts-1" not in got


def test_llm_finds_the_chat_models_only(index: CatalogIndex) -> None:
    got = found(index, "llm")
    assert {"gpt-4", "gpt-3.5-turbo", "claude-3-5-sonnet-20241022", "smollm2-135m-instruct"} <= got
    assert all(m.category == "Coding" for m in index.query(q="llm"))


@pytest.mark.parametrize("q", ["embedding", "embeddings", "Embeddings"])
def test_embedding_and_embeddings_find_the_same_models(index: CatalogIndex, q: str) -> None:
    assert found(index, q) == found(index, "embedding") and len(found(index, q)) == 4


def test_free_is_not_a_tag_of_paid_models() -> None:
    paid = UnifiedAIModel(id="p", slug="p", name="P", provider="X", category="Audio", endpoint="/v1/audio/speech",
                          capabilities=["text-to-speech"], pricing=Pricing(usd=0.015, unit="per 1,000 characters"))
    free = paid.model_copy(update={"pricing": Pricing(basis="free")})
    assert "free" not in search_tags(paid) and "free" in search_tags(free)
    assert matches_search(paid, "tts") and not matches_search(paid, "free")
    assert facet_counts([paid, free], "free tts")["Audio"] == 1
