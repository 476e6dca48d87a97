"""Where a model's facts come from, in words for its page (issue 17)."""

from __future__ import annotations

from ai_registry.catalog.models import SourceOrigin, UnifiedAIModel

# How the page names a fact a source supplied.
FACT_NAMES = {
    "available": "availability",
    "capabilities": "capabilities",
    "category": "category",
    "created": "release date",
    "description": "description",
    "endpoint": "endpoint",
    "facts": "details",
    "is_default": "default flag",
    "is_premium": "premium flag",
    "method": "method",
    "name": "name",
    "parameters": "parameters",
    "pricing": "price",
    "provider": "provider",
    "quality": "quality",
    "rate_limit": "rate limit",
    "readme": "readme",
    "speed": "speed",
    "thumbnail_url": "thumbnail",
}
_NOT_UPSTREAM = {"builtin", "local", "models-dev"}  # models-dev: provider list prices (issue 15)


def origin_title(origin: SourceOrigin) -> str:
    """"Built-in catalog", "Local engine", or "Upstream: AI registry"."""
    return origin.label if origin.source in _NOT_UPSTREAM else f"Upstream: {origin.label}"


def origin_facts(origin: SourceOrigin, *, alone: bool) -> str:
    """The facts one source supplied; the built-in catalog and the local engine supply the rest."""
    if not origin.fields:
        return "all facts" if alone else "everything else"
    return ", ".join(FACT_NAMES.get(f, f.replace("_", " ")) for f in origin.fields if f not in ("id", "slug"))


def origin_rows(model: UnifiedAIModel) -> list[list[str]]:
    """One row per source: [who, address ("" when it has none), which facts]."""
    origins = model.origins or [SourceOrigin(source=s, label=s) for s in model.sources]
    alone = len(origins) == 1
    return [[origin_title(o), o.url or "", origin_facts(o, alone=alone)] for o in origins]
