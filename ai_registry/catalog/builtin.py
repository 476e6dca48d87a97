"""The built-in catalog: every model of the spec, kept as data files beside this module."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ai_registry.catalog.list_prices import with_list_price
from ai_registry.catalog.models import UnifiedAIModel

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOG_FILE = DATA_DIR / "catalog.json"
READMES_DIR = DATA_DIR / "readmes"


def read_readme(slug: str) -> str | None:
    """The markdown readme of a built-in model, or None when it has none."""
    path = READMES_DIR / f"{slug}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@lru_cache(maxsize=1)
def _load() -> tuple[UnifiedAIModel, ...]:
    raw = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    models = []
    for record in raw["models"]:
        model = UnifiedAIModel.model_validate(record)
        if model.readme is None:
            model.readme = read_readme(model.slug)
        model.sources = model.sources or ["builtin"]
        models.append(with_list_price(model))
    return tuple(models)


def load_builtin_catalog() -> list[UnifiedAIModel]:
    """Fresh copies of the built-in models (callers may change them freely)."""
    return [m.model_copy(deep=True) for m in _load()]
