"""Merge upstream facts with the built-in catalog by id: upstream facts win, built-in details fill.

Prices merge figure by figure (see `pricing_merge`), and every model lists its origins: which
source gave which facts, with the upstream address they were fetched from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ai_registry.aggregator.normalize import SERVICE_OF_CATEGORY, Health, UpstreamFacts, derive_model
from ai_registry.aggregator.pricing_merge import merge_pricing, own_sources
from ai_registry.catalog.models import SourceOrigin, UnifiedAIModel
from ai_registry.catalog.slug import unique_slug

# Labels of the sources that are not upstream endpoints.
LOCAL_ORIGIN_LABELS = {"builtin": "Built-in catalog", "local": "Local engine"}

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
    label: str = ""
    base_url: str | None = None  # the upstream API root the facts were fetched from
    path: str | None = None

    def origin(self, fields: Iterable[str]) -> SourceOrigin:
        return SourceOrigin(
            source=self.source, label=self.label or self.source, base_url=self.base_url, path=self.path,
            fields=sorted(set(fields) - {"id", "slug"}),
        )


def _key(model_id: str) -> str:
    return model_id.casefold()


def _with_origin(origins: list[SourceOrigin], origin: SourceOrigin) -> list[SourceOrigin]:
    """`origins` with `origin` added, or merged into the entry of the same source."""
    for i, known in enumerate(origins):
        if known.source == origin.source:
            fields = sorted({*known.fields, *origin.fields})
            return [*origins[:i], origin.model_copy(update={"fields": fields}), *origins[i + 1 :]]
    return [*origins, origin]


def _apply(model: UnifiedAIModel, facts: UpstreamFacts, contribution: SourceFacts) -> UnifiedAIModel:
    source = contribution.source
    stated = facts.stated()
    stated.pop("id", None)
    stated.pop("slug", None)  # URLs of known models never move
    if not contribution.rich:
        stated = {k: v for k, v in stated.items() if k in _LIST_SOURCE_FIELDS}
    if "facts" in stated:
        stated["facts"] = {**model.facts, **stated["facts"]}
    if "category" in stated and stated["category"] is None:
        stated.pop("category")
    if "pricing" in stated and facts.pricing is not None:
        # Figure by figure: the dump above has lost which figures the upstream actually stated.
        current_source = model.sources[0] if model.sources else "builtin"
        merged = merge_pricing(model.pricing, facts.pricing, source=source, current_source=current_source)
        stated["pricing"] = merged.model_dump()
    update = {
        **stated,
        "sources": [*model.sources, source] if source not in model.sources else model.sources,
        "origins": [o.model_dump() for o in _with_origin(model.origins, contribution.origin(stated))],
    }
    return model.model_validate({**model.model_dump(), **update})


def _settled(model: UnifiedAIModel) -> UnifiedAIModel:
    """A built-in or local model with its origins and the sources of its price written down."""
    update: dict = {}
    if not model.origins:
        update["origins"] = [
            SourceOrigin(source=s, label=LOCAL_ORIGIN_LABELS.get(s, s)) for s in model.sources or ["builtin"]
        ]
    if model.pricing is not None and not model.pricing.field_sources:
        update["pricing"] = own_sources(model.pricing, model.sources[0] if model.sources else "builtin")
    return model.model_copy(update=update) if update else model


def merge_catalog(
    builtin: Iterable[UnifiedAIModel],
    contributions: Iterable[SourceFacts],
    *,
    health: Health | None = None,
    health_origin: SourceOrigin | None = None,
) -> list[UnifiedAIModel]:
    """One list, no duplicates: built-in models first in their order, then upstream-only models."""
    merged: dict[str, UnifiedAIModel] = {}
    for model in builtin:
        merged.setdefault(_key(model.id), _settled(model))
    taken = {m.slug for m in merged.values()}
    for contribution in contributions:
        for facts in contribution.facts:
            key = _key(facts.id)
            if key in merged:
                merged[key] = _apply(merged[key], facts, contribution)
                continue
            model = derive_model(facts, default_category=contribution.default_category, source=contribution.source)
            model.origins = [contribution.origin(facts.stated())]
            if facts.pricing is not None:
                model.pricing = own_sources(facts.pricing, contribution.source)
            model.slug = unique_slug(model.slug, taken)
            taken.add(model.slug)
            merged[key] = model
    models = list(merged.values())
    if health is not None:
        models = [apply_health(m, health, health_origin) for m in models]
    return models


def apply_health(model: UnifiedAIModel, health: Health, origin: SourceOrigin | None = None) -> UnifiedAIModel:
    """Mark a model unavailable when the health source says its service is down."""
    service = SERVICE_OF_CATEGORY.get(model.category)
    if service is None or service not in health.services or "local" in model.sources:
        return model
    origins = model.origins if origin is None else _with_origin(model.origins, origin)
    if health.services[service]:
        if model.available is not None:
            return model
        return model.model_copy(update={"available": True, "origins": origins})
    return model.model_copy(
        update={
            "available": False,
            "availability_note": f"The upstream reports its {service} service as down.",
            "origins": origins,
        }
    )


@dataclass
class _Merged:
    base: UnifiedAIModel | None
    chain: tuple[tuple[SourceFacts, UpstreamFacts], ...]
    model: UnifiedAIModel  # before health
    derived_slug: str | None  # an upstream-only model's slug before it was made unique
    health: tuple[Health | None, SourceOrigin | None] = (None, None)
    final: UnifiedAIModel | None = None


def _meta(contribution: SourceFacts) -> tuple:
    c = contribution
    return (c.source, c.default_category, c.rich, c.label, c.base_url, c.path)


def _same_chain(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(
        fa is fb and (ca is cb or _meta(ca) == _meta(cb)) for (ca, fa), (cb, fb) in zip(a, b, strict=True)
    )


class IncrementalMerge:
    """`merge_catalog` that remembers each model's inputs and result: a model whose built-in entry is
    equal and whose upstream facts are the very same objects as last time is not merged again.

    Unchanged sources keep their facts objects (see the refresh worker's diffs), so a refresh where
    a few models changed merges those few. The result equals `merge_catalog` of the same inputs.
    """

    def __init__(self) -> None:
        self._memo: dict[str, _Merged] = {}
        self.merged_last = 0  # how many models the last call merged anew (for tests and benchmarks)

    def merge(
        self,
        builtin: Iterable[UnifiedAIModel],
        contributions: Iterable[SourceFacts],
        *,
        health: Health | None = None,
        health_origin: SourceOrigin | None = None,
    ) -> list[UnifiedAIModel]:
        bases: dict[str, UnifiedAIModel] = {}
        order: list[str] = []
        for model in builtin:
            key = _key(model.id)
            if key not in bases:
                bases[key] = model
                order.append(key)
        chains: dict[str, list[tuple[SourceFacts, UpstreamFacts]]] = {}
        for contribution in contributions:
            for facts in contribution.facts:
                key = _key(facts.id)
                if key not in bases and key not in chains:
                    order.append(key)
                chains.setdefault(key, []).append((contribution, facts))
        taken = {m.slug for m in bases.values()}
        memo: dict[str, _Merged] = {}
        models: list[UnifiedAIModel] = []
        self.merged_last = 0
        for key in order:
            base, chain = bases.get(key), tuple(chains.get(key, ()))
            known = self._memo.get(key)
            same_base = known is not None and (known.base is base or known.base == base)
            if known is not None and same_base and _same_chain(known.chain, chain):
                entry = known
                if entry.derived_slug is not None:
                    slug = unique_slug(entry.derived_slug, taken)
                    if slug != entry.model.slug:
                        entry = _Merged(base, chain, entry.model.model_copy(update={"slug": slug}), entry.derived_slug)
            else:
                entry = self._merge_one(base, chain, taken)
                self.merged_last += 1
            if entry.derived_slug is not None:
                taken.add(entry.model.slug)
            if health is None:
                final = entry.model
            elif entry.final is not None and entry.health[0] is health and entry.health[1] == health_origin:
                final = entry.final
            else:
                final = apply_health(entry.model, health, health_origin)
            entry.health, entry.final = (health, health_origin), final
            memo[key] = entry
            models.append(final)
        self._memo = memo
        return models

    @staticmethod
    def _merge_one(base: UnifiedAIModel | None, chain: tuple, taken: set[str]) -> _Merged:
        derived_slug = None
        if base is not None:
            model = _settled(base)
            rest = chain
        else:
            contribution, facts = chain[0]
            model = derive_model(facts, default_category=contribution.default_category, source=contribution.source)
            model.origins = [contribution.origin(facts.stated())]
            if facts.pricing is not None:
                model.pricing = own_sources(facts.pricing, contribution.source)
            derived_slug = model.slug
            model.slug = unique_slug(model.slug, taken)
            rest = chain[1:]
        for contribution, facts in rest:
            model = _apply(model, facts, contribution)
        return _Merged(base, chain, model, derived_slug)
