"""Registry cards of the local models: static facts from `cards.json`, live ones from the engine.

Live facts are the model's availability (package and file present, loaded or not), its file size,
the limits the settings impose, and a thumbnail when one has been generated.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ai_registry.catalog.models import ModelParameter, Pricing, UnifiedAIModel
from ai_registry.local.chat import CHAT_MODEL_ID
from ai_registry.local.config import LocalEngineSettings
from ai_registry.local.embeddings import EMBEDDING_MODEL_ID
from ai_registry.local.engine import LocalEngine, get_engine
from ai_registry.local.model_files import ModelFilesMissing, size_of
from ai_registry.local.runtime import ModelRunner
from ai_registry.local.speech import SPEECH_MODEL_ID
from ai_registry.local.transcription import TRANSCRIPTION_MODEL_ID
from ai_registry.settings import PROJECT_ROOT

PROVIDER = "Local"
SOURCE = "local"
PRICE_UNIT = "Free (runs on this server)"
CARDS_FILE = Path(__file__).resolve().parent / "cards.json"
READMES_DIR = Path(__file__).resolve().parent / "readmes"
# Reflex serves the project's assets/ folder at the site root.
THUMBNAILS_DIR = PROJECT_ROOT / "assets" / "thumbnails"
THUMBNAILS_URL = "/thumbnails"


@lru_cache(maxsize=1)
def _cards() -> dict[str, dict[str, Any]]:
    raw = json.loads(CARDS_FILE.read_text(encoding="utf-8"))
    return {record["id"]: record for record in raw["models"]}


def release_time(model_id: str) -> int | None:
    """A local model's release date (Unix seconds), or None when unknown."""
    return _cards()[model_id].get("created")


@lru_cache(maxsize=16)
def read_local_readme(slug: str) -> str | None:
    """The markdown readme of a local model, or None."""
    path = READMES_DIR / f"{slug}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def thumbnail_path(slug: str, directory: Path = THUMBNAILS_DIR) -> Path:
    """Where a local model's generated thumbnail lives."""
    return directory / f"{slug}.png"


def _file_size_fact(runner: ModelRunner) -> str | None:
    try:
        size = size_of(runner.weights())
    except (ModelFilesMissing, OSError):
        return None
    return f"{size / 1_000_000:.1f} MB"


def _limit_parameters(model_id: str, parameters: list[ModelParameter], settings: LocalEngineSettings) -> None:
    """Make the schema's limits match what the API enforces under the current settings."""
    by_name = {p.name: p for p in parameters}
    if model_id == CHAT_MODEL_ID:
        by_name["max_tokens"].max = settings.chat_max_tokens
        by_name["max_tokens"].default = min(by_name["max_tokens"].default, settings.chat_max_tokens)
    elif model_id == EMBEDDING_MODEL_ID:
        by_name["input"].max = settings.embedding_max_inputs
        by_name["input"].max_length = settings.embedding_max_chars
    elif model_id == TRANSCRIPTION_MODEL_ID:
        by_name["file"].max_bytes = settings.max_upload_bytes
    elif model_id == SPEECH_MODEL_ID:
        by_name["input"].max_length = settings.speech_max_chars


def model_card(runner: ModelRunner, settings: LocalEngineSettings) -> UnifiedAIModel:
    """The registry card of one local model."""
    record = dict(_cards()[runner.model_id])
    request_body = record.pop("example_request_body", None)
    response_body = record.pop("example_response_body", None)
    status = runner.status()
    facts = dict(record.pop("facts", {}))
    size = _file_size_fact(runner)
    if size:
        facts["File size"] = size
    if runner.model_id == CHAT_MODEL_ID:
        facts["Context length"] = (
            f"{facts.get('Context length', '8,192 tokens (model)')}; "
            f"{settings.chat_context_tokens:,} served here"
        )
    parameters = [ModelParameter.model_validate(p) for p in record.pop("parameters", [])]
    _limit_parameters(runner.model_id, parameters, settings)
    thumbnail = thumbnail_path(runner.slug)
    return UnifiedAIModel(
        **record,
        slug=runner.slug,
        provider=PROVIDER,
        parameters=parameters,
        facts=facts,
        pricing=Pricing(basis="free", usd=None, credits=None, unit=PRICE_UNIT),
        thumbnail_url=f"{THUMBNAILS_URL}/{thumbnail.name}" if thumbnail.is_file() else None,
        example_request=_as_text(request_body),
        example_response=_as_text(response_body),
        readme=read_local_readme(runner.slug),
        available=status.available,
        availability_note=status.note,
        sources=[SOURCE],
        upstream_model=runner.model_id,
    )


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


def local_models(engine: LocalEngine | None = None) -> list[UnifiedAIModel]:
    """One card per local model (chat, embeddings, speech-to-text, text-to-speech), never loading one."""
    engine = engine or get_engine()
    return [model_card(runner, engine.settings) for runner in engine.runners]
