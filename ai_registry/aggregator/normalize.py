"""Turn each upstream shape of CONTRACT.md into partial model facts, then into `UnifiedAIModel`s.

A normalizer returns the facts the upstream actually stated (a dict per record, checked by
`UpstreamFacts`), so the merge can let them win over the built-in catalog field by field. A record
that does not validate is reported and skipped; it never drops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ai_registry.catalog.models import (
    MODEL_CATEGORIES,
    ModelParameter,
    Pricing,
    RateLimit,
    UnifiedAIModel,
)
from ai_registry.catalog.slug import model_slug, slugify

MAX_TEXT = 5_000
MAX_README = 100_000


class ShapeError(ValueError):
    """The payload as a whole is not one of the shapes this source can answer."""


class UpstreamFacts(BaseModel):
    """What one upstream record says about a model; every field optional but the id."""

    model_config = ConfigDict(extra="ignore")

    id: str
    slug: str | None = None
    name: str | None = None
    provider: str | None = None
    category: str | None = None
    capabilities: list[str] | None = None
    thumbnail_url: str | None = None
    description: str | None = None
    pricing: Pricing | None = None
    endpoint: str | None = None
    method: str | None = None
    parameters: list[ModelParameter] | None = None
    is_default: bool | None = None
    is_premium: bool | None = None
    speed: str | None = None
    quality: str | None = None
    readme: str | None = None
    created: int | None = None
    rate_limit: RateLimit | None = None
    available: bool | None = None
    facts: dict[str, str] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 300:
            raise ValueError("model id must be 1-300 characters")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        # An upstream slug becomes a URL path: only the slug alphabet, never `../` or spaces.
        return (slugify(value) or None) if isinstance(value, str) else value

    @field_validator("name", "description", "provider", "speed", "quality")
    @classmethod
    def _bounded(cls, value: str | None) -> str | None:
        return value[:MAX_TEXT] if isinstance(value, str) else value

    @field_validator("readme")
    @classmethod
    def _readme(cls, value: str | None) -> str | None:
        return value[:MAX_README] if isinstance(value, str) else value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value is None:
            return None
        lookup = {c.casefold(): c for c in MODEL_CATEGORIES}
        lookup.update({"chat": "Coding", "text": "Coding", "llm": "Coding", "embeddings": "Embedding"})
        return lookup.get(value.strip().casefold())

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        return value.upper() if isinstance(value, str) and value.upper() in {"GET", "POST"} else None

    @field_validator("thumbnail_url")
    @classmethod
    def _thumbnail(cls, value: str | None) -> str | None:
        # Only web addresses: a javascript: or data: URL from an upstream is never rendered.
        if isinstance(value, str) and value.startswith(("https://", "http://", "/")):
            return value
        return None

    def stated(self) -> dict[str, Any]:
        """The facts the upstream gave, without the empty ones."""
        return {k: v for k, v in self.model_dump(exclude_none=True).items() if v not in ("", [], {})}


@dataclass
class Normalized:
    """The result of normalizing one payload: facts per model and the records that were skipped."""

    facts: list[UpstreamFacts] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, record: Any, build) -> None:
        try:
            self.facts.append(build(record))
        except (ValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
            ident = record.get("id") if isinstance(record, dict) else None
            self.skipped.append(f"{ident or repr(record)[:60]}: {_short_error(exc)}")


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        return f"{loc}: {first.get('msg')}" if loc else str(first.get("msg"))
    return str(exc)[:200]


def _records(payload: Any, *keys: str) -> list[Any]:
    """The list of records in a payload: a bare list, or the list under one of `keys`."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in keys:
            value = payload.get(key)
            if isinstance(value, list):
                return value
    raise ShapeError(f"expected a list or an object with {' or '.join(repr(k) for k in keys)} holding a list")


def _timestamp(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value) if 0 < value < 10**11 else None
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


_PROVIDER_PREFIXES = {
    "gpt": "OpenAI",
    "o1": "OpenAI",
    "o3": "OpenAI",
    "whisper": "OpenAI",
    "tts": "OpenAI",
    "claude": "Anthropic",
    "gemini": "Google",
    "llama": "Meta",
    "mistral": "Mistral",
    "qwen": "Qwen",
    "baai": "BAAI",
}


def guess_provider(model_id: str, owned_by: str | None = None) -> str:
    """The provider of an unknown model, from its id; the owner field names the host, not the maker."""
    head = model_id.casefold().replace("/", "-").split("-", 1)[0]
    for prefix, provider in _PROVIDER_PREFIXES.items():
        if head.startswith(prefix):
            return provider
    if "/" in model_id:
        return model_id.split("/", 1)[0]
    return (owned_by or "Unknown").strip() or "Unknown"


def display_name(model_id: str) -> str:
    """`gpt-4o-mini` -> `GPT 4o Mini`: readable, without pretending to know the marketing name."""
    base = model_id.rsplit("/", 1)[-1]
    words = base.replace("_", "-").split("-")
    return " ".join(w.upper() if w.casefold() in {"gpt", "tts", "bge", "en"} else w[:1].upper() + w[1:] for w in words)


def normalize_chat_models(payload: Any) -> Normalized:
    """`GET /v1/models`: `{"data": [...]}`, or `{"models": [...]}` as older clients read it."""
    out = Normalized()

    def build(record: Any) -> UpstreamFacts:
        if isinstance(record, str):
            record = {"id": record}
        if not isinstance(record, dict):
            raise TypeError("record is not an object")
        return UpstreamFacts(
            id=record["id"],
            created=_timestamp(record.get("created")),
            available=record.get("available") if isinstance(record.get("available"), bool) else None,
            provider=None,
            facts={"Owned by": str(record["owned_by"])[:100]} if record.get("owned_by") else None,
        )

    for record in _records(payload, "data", "models"):
        out.add(record, build)
    return out


def normalize_embedding_models(payload: Any) -> Normalized:
    """`GET /v1/public/embeddings/models`: a list of `{id, dimensions, description, speed, loaded}`."""
    out = Normalized()

    def build(record: Any) -> UpstreamFacts:
        if not isinstance(record, dict):
            raise TypeError("record is not an object")
        facts = {}
        dims = record.get("dimensions")
        if dims is not None:
            if isinstance(dims, bool) or not isinstance(dims, int) or dims <= 0:
                raise ValueError("dimensions must be a positive integer")
            facts["Dimensions"] = str(dims)
        # `loaded` says whether the model is warm in memory, not whether it can be called.
        if isinstance(record.get("loaded"), bool):
            facts["Loaded"] = "yes" if record["loaded"] else "no (first call loads it)"
        return UpstreamFacts(
            id=record["id"],
            description=record.get("description"),
            speed=record.get("speed"),
            facts=facts or None,
        )

    for record in _records(payload, "models", "data"):
        out.add(record, build)
    return out


def normalize_registry_models(payload: Any) -> Normalized:
    """`GET /v1/public/ai-registry/models`: `{"models": [...], "total": n}`, the richest source."""
    out = Normalized()

    def build(record: Any) -> UpstreamFacts:
        if not isinstance(record, dict):
            raise TypeError("record is not an object")
        data = dict(record)
        data["created"] = _timestamp(data.get("created") or data.get("created_at") or data.get("release_date"))
        prompts = data.get("examplePrompts") or data.get("example_prompts")
        if isinstance(prompts, list) and prompts:
            facts = dict(data.get("facts") or {})
            facts["Example prompt"] = str(prompts[0])[:500]
            data["facts"] = facts
        return UpstreamFacts.model_validate(data)

    for record in _records(payload, "models", "data"):
        out.add(record, build)
    return out


@dataclass(frozen=True)
class Health:
    """`GET /v1/multimodal/health`: which services are up."""

    status: str
    services: dict[str, bool]


SERVICE_OF_CATEGORY = {"Image": "image", "Video": "video", "Audio": "audio"}


def parse_health(payload: Any) -> Health:
    if not isinstance(payload, dict) or not isinstance(payload.get("status"), str):
        raise ShapeError("expected an object with a 'status' string")
    services = {}
    raw = payload.get("services") or {}
    if not isinstance(raw, dict):
        raise ShapeError("'services' must be an object")
    for name, info in raw.items():
        if isinstance(info, dict) and isinstance(info.get("available"), bool):
            services[str(name)] = info["available"]
    return Health(status=payload["status"], services=services)


_CATEGORY_DEFAULTS: dict[str, tuple[str, list[str], str]] = {
    # category: (endpoint, capabilities, description)
    "Coding": ("/v1/chat/completions", ["text-generation"], "A chat completion model served by the upstream API."),
    "Embedding": ("/v1/embeddings", ["embedding"], "A text embedding model served by the upstream API."),
    "Image": ("/v1/multimodal/image", ["image-generation"], "An image generation model."),
    "Video": ("/v1/multimodal/video/t2v", ["video-generation"], "A video generation model."),
    "Audio": ("/v1/audio/speech", ["audio"], "An audio model."),
}


def derive_model(facts: UpstreamFacts, *, default_category: str, source: str) -> UnifiedAIModel:
    """A complete model for an id the built-in catalog does not know, with sensible derived fields."""
    category = facts.category or default_category
    endpoint, caps, description = _CATEGORY_DEFAULTS[category]
    params: list[ModelParameter] = []
    if category == "Coding" and not facts.parameters:
        params = [
            ModelParameter(name="messages", type="array", required=True, description="Conversation history"),
            ModelParameter(
                name="temperature", type="number", default=1, min=0, max=2, step=0.1,
                description="Sampling temperature",
            ),
            ModelParameter(
                name="max_tokens", type="integer", default=1024, min=1, max=8192,
                description="Most tokens to generate",
            ),
            ModelParameter(name="stream", type="boolean", default=True, advanced=True, description="Stream tokens"),
        ]
    elif category == "Embedding" and not facts.parameters:
        params = [
            ModelParameter(name="input", type="array", required=True, description="One text or several"),
            ModelParameter(name="normalize", type="boolean", default=True, description="L2-normalize vectors"),
        ]
    stated = facts.stated()
    stated.pop("category", None)
    base: dict[str, Any] = {
        "id": facts.id,
        "slug": model_slug(facts.id),
        "name": display_name(facts.id),
        "provider": guess_provider(facts.id, (facts.facts or {}).get("Owned by")),
        "category": category,
        "capabilities": caps,
        "description": description,
        "endpoint": endpoint,
        "method": "POST",
        "parameters": params,
        "upstream_model": facts.id,
    }
    base.update(stated)
    base["sources"] = [source]
    return UnifiedAIModel.model_validate(base)
