"""The unified model shape every source is normalized into (the spec's `UnifiedAIModel`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal["Image", "Video", "Audio", "Coding", "Embedding"]
CATEGORIES: tuple[str, ...] = ("All", "Image", "Video", "Audio", "Coding", "Embedding")
MODEL_CATEGORIES: tuple[str, ...] = CATEGORIES[1:]

# What a category filter matches beyond the model's own category: the spec says
# "category filters must work correctly based on capabilities".
CATEGORY_CAPABILITIES: dict[str, frozenset[str]] = {
    "Image": frozenset({"image-generation", "text-to-image", "image-editing"}),
    "Video": frozenset({"video-generation", "image-to-video", "text-to-video"}),
    "Audio": frozenset(
        {"audio", "audio-generation", "transcription", "translation", "speech-to-text", "text-to-speech"}
    ),
    "Coding": frozenset({"code", "text-generation", "chat"}),
    "Embedding": frozenset({"embedding", "semantic-search"}),
}

ParameterType = Literal["string", "integer", "number", "boolean", "array", "file"]
PricingBasis = Literal["flat", "per_minute_audio", "per_1k_chars", "per_1k_tokens", "per_1m_tokens", "free"]
# Which figure a run's estimate uses when a price has both: the table row for the chosen value, or
# the single price per unit. See `catalog.pricing.estimate_source`.
EstimateSource = Literal["table", "unit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ModelParameter(_Model):
    """One input of a model, as its playground form and its code snippets use it."""

    name: str
    type: ParameterType = "string"
    required: bool = False
    default: Any = None
    description: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    options: list[Any] | None = None
    max_length: int | None = None
    # Playground hints: less common fields go under "Additional settings".
    advanced: bool = False
    label: str | None = None
    # For "file" parameters: accepted MIME types and the size limit in bytes.
    accept: list[str] | None = None
    max_bytes: int | None = None
    example: Any = None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class PriceTier(_Model):
    """One row of a price table keyed by a parameter value, e.g. a 5 s video for $0.30."""

    value: float
    usd: float
    credits: float | None = None


class Pricing(_Model):
    """What a call costs. `usd is None` means unknown, never free."""

    credits: float | None = None
    usd: float | None = None
    unit: str | None = None
    basis: PricingBasis = "flat"
    # A duration (or other parameter) table: the price follows that parameter's value.
    tier_parameter: str | None = None
    tier_unit: str = "s"
    tiers: list[PriceTier] = Field(default_factory=list)
    # Where both a table row and the unit price cover a run and disagree, which one the estimate
    # uses; None means the default of `catalog.pricing.estimate_source` (the table).
    estimate_from: EstimateSource | None = None
    # Which source gave each figure ("credits", "usd", "unit", "basis", "tiers"): a source name of
    # `UnifiedAIModel.origins`. Filled by the merge; empty for a price nobody merged.
    field_sources: dict[str, str] = Field(default_factory=dict)
    # Token prices as providers publish them: USD per 1M input (prompt) and output (completion)
    # tokens. Set for chat and embedding models (`basis` "per_1m_tokens"); `usd` stays None then.
    input_usd: float | None = None
    output_usd: float | None = None
    # When each source's figures were last synced or published (ISO date), by source name.
    synced: dict[str, str] = Field(default_factory=dict)


class SourceOrigin(_Model):
    """One place a model's facts come from: the built-in catalog, an upstream endpoint, the local engine."""

    source: str  # builtin | local | chat | embeddings | registry | health
    label: str
    base_url: str | None = None  # the upstream API root the facts were fetched from
    path: str | None = None  # the list endpoint under `base_url`
    fields: list[str] = Field(default_factory=list)  # the facts it supplied; empty: everything not listed elsewhere

    @property
    def url(self) -> str | None:
        return (self.base_url or "") + (self.path or "") if self.base_url else None


class RateLimit(_Model):
    """Requests allowed per user and endpoint in a window."""

    requests: int
    per_seconds: int = 60


class UnifiedAIModel(_Model):
    """A model any source knows, in the one shape the registry shows."""

    id: str
    slug: str
    name: str
    provider: str
    category: Category
    capabilities: list[str] = Field(default_factory=list)
    thumbnail_url: str | None = None
    thumbnail_alt: str | None = None
    description: str = ""
    pricing: Pricing | None = None
    endpoint: str
    method: Literal["GET", "POST"] = "POST"
    parameters: list[ModelParameter] = Field(default_factory=list)
    is_default: bool = False
    is_premium: bool = False
    speed: str | None = None
    quality: str | None = None
    example_request: str | None = None
    example_response: str | None = None
    readme: str | None = None
    # Beyond the spec's interface: sorting, limits, availability and provenance.
    created: int | None = None  # release date, Unix seconds
    rate_limit: RateLimit | None = None
    available: bool | None = None
    availability_note: str | None = None
    sources: list[str] = Field(default_factory=list)
    origins: list[SourceOrigin] = Field(default_factory=list)  # `sources` with their addresses and facts
    facts: dict[str, str] = Field(default_factory=dict)
    upstream_model: str | None = None  # the `model` value the endpoint expects, when it takes one
    expected_seconds: float | None = None  # typical generation time, for progress bars
    # Set by the admins' curation overlay (catalog/curation.py), never by a source.
    hidden: bool = False  # left out of the gallery, search and the API for everyone but admins
    featured: bool = False  # first in the gallery's default sort
    tags: list[str] = Field(default_factory=list)  # words a search finds the model by
    aliases: list[str] = Field(default_factory=list)  # other names a search finds the model by

    def parameter(self, name: str) -> ModelParameter | None:
        return next((p for p in self.parameters if p.name == name), None)
