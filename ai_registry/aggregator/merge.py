"""Merge upstream facts with the built-in catalog by id: upstream facts win, built-in details fill."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ai_registry.aggregator.normalize import SERVICE_OF_CATEGORY, Health, UpstreamFacts, derive_model
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.slug import unique_slug

# Facts an upstream may override on a known model. Identity (id, slug) and the hand-written
# parameter schema, endpoint and readme stay the catalog's unless the rich registry source sends them.
_LIST_SOURCE_FIELDS = {"created", "available", "pricing", "description", "speed", "thumbnail_url", "facts"}


@dataclass(frozen=True)
class SourceFacts:
    """The facts one source contributed, and the category its unknown models default to."""

    source: str
    facts: Sequence[UpstreamFacts]
    default_category: str
    rich: bool = False  # the ai-registry source: may also set names, parameters, endpoints, readmes


def _key(model_id: str) -> str:
    return model_id.casefold()


def _apply(model: UnifiedAIModel, facts: UpstreamFacts, *, rich: bool, source: str) -> UnifiedAIModel:
    stated = facts.stated()
    stated.pop("id", None)
    stated.pop("slug", None)  # URLs of known models never move
    if not rich:
        stated = {k: v for k, v in stated.items() if k in _LIST_SOURCE_FIELDS}
    if "facts" in stated:
        stated["facts"] = {**model.facts, **stated["facts"]}
    if "category" in stated and stated["category"] is None:
        stated.pop("category")
    update = {**stated, "sources": [*model.sources, source] if source not in model.sources else model.sources}
    return model.model_validate({**model.model_dump(), **update})


def merge_catalog(
    builtin: Iterable[UnifiedAIModel],
    contributions: Iterable[SourceFacts],
    *,
    health: Health | None = None,
) -> list[UnifiedAIModel]:
    """One list, no duplicates: built-in models first in their order, then upstream-only models."""
    merged: dict[str, UnifiedAIModel] = {}
    for model in builtin:
        merged.setdefault(_key(model.id), model)
    taken = {m.slug for m in merged.values()}
    for contribution in contributions:
        for facts in contribution.facts:
            key = _key(facts.id)
            if key in merged:
                merged[key] = _apply(merged[key], facts, rich=contribution.rich, source=contribution.source)
                continue
            model = derive_model(facts, default_category=contribution.default_category, source=contribution.source)
            model.slug = unique_slug(model.slug, taken)
            taken.add(model.slug)
            merged[key] = model
    models = list(merged.values())
    if health is not None:
        models = [apply_health(m, health) for m in models]
    return models


def apply_health(model: UnifiedAIModel, health: Health) -> UnifiedAIModel:
    """Mark a model unavailable when the health source says its service is down."""
    service = SERVICE_OF_CATEGORY.get(model.category)
    if service is None or service not in health.services or "local" in model.sources:
        return model
    if health.services[service]:
        return model.model_copy(update={"available": model.available if model.available is not None else True})
    return model.model_copy(
        update={"available": False, "availability_note": f"The upstream reports its {service} service as down."}
    )
