"""Each test gets its own data folder and migrated database, and no upstream from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_registry.aggregator import runtime
from ai_registry.settings import get_settings
from ai_registry.store import db
from ai_registry.store.migrate import upgrade


def _clear_caches() -> None:
    get_settings.cache_clear()
    db._engine_for.cache_clear()
    runtime.get_aggregator.cache_clear()
    runtime._index_cache.clear()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AI_REGISTRY_DATA_DIR", str(tmp_path))
    for name in ("AINATIVE_API_BASE", "AINATIVE_API_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no `.env` of the checkout leaks in
    _clear_caches()
    upgrade()
    yield tmp_path
    _clear_caches()
