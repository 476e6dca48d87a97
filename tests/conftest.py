"""Every test gets its own data folder and fresh process-wide caches, so none touches `data/`.

The end-to-end tests start the app in a subprocess with their own environment; this only affects
the test process itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import postgres_server, redis_server  # noqa: F401  (session fixtures)

# Settings a developer's shell may carry that would point a test at a real upstream or database.
_UPSTREAM_VARIABLES = (
    "AINATIVE_API_BASE", "AINATIVE_API_KEY", "AINATIVE_API_PREFIX", "DATABASE_URL",
    "REFLEX_REDIS_URL", "AI_REGISTRY_REDIS_URL", "AI_REGISTRY_RATE_LIMITS",
)  # fmt: skip


def clear_process_caches() -> None:
    """Forget the settings, engines and aggregator built from an earlier environment."""
    from ai_registry.aggregator import curation, runtime
    from ai_registry.settings import get_settings
    from ai_registry.store.db import _engine_for

    get_settings.cache_clear()
    _engine_for.cache_clear()
    runtime.get_aggregator.cache_clear()
    runtime._index_cache.clear()
    curation.reset()


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`AI_REGISTRY_DATA_DIR` points at a per-test folder; caches are cleared before and after."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("AI_REGISTRY_DATA_DIR", str(data_dir))
    for name in _UPSTREAM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    clear_process_caches()
    yield data_dir
    clear_process_caches()


# Tests under these folders that use a database run on SQLite and on a real PostgreSQL.
_BOTH_DATABASES = (
    "tests/store/", "tests/identity/", "tests/inference/test_interrupted_runs.py",
    "tests/inference/test_shared_rate_limits.py", "tests/aggregator/test_shared_refresh.py",
    "tests/gateway/test_budgets_api.py",
)  # fmt: skip
_ROOT = Path(__file__).resolve().parent.parent


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`database` is `sqlite` and `postgresql` for the store and identity tests (unless marked
    `sqlite_only`: they read the SQLite file itself); other tests use SQLite alone."""
    if "database" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("sqlite_only"):
        return
    where = metafunc.definition.path.resolve().relative_to(_ROOT).as_posix()
    if where.startswith(_BOTH_DATABASES):
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`sqlite` (the data folder's file, the default) or `postgresql`: a fresh, empty database on the
    session's PostgreSQL server, given to the app through `DATABASE_URL` and dropped afterwards."""
    backend = getattr(request, "param", "sqlite")
    if backend != "postgresql":
        yield backend
        return
    server = request.getfixturevalue("postgres_server")
    # A test that wants a migrated database gets a copy of one migrated once per session (quick).
    name = server.migrated_database() if "migrated_db" in request.fixturenames else server.create_database()
    monkeypatch.setenv("DATABASE_URL", server.url(name))
    clear_process_caches()
    yield backend
    from ai_registry.store.db import get_engine

    get_engine().dispose()
    server.drop_database(name)


@pytest.fixture
def database_url(database: str) -> str:
    """The URL the app uses for this test's database."""
    from ai_registry.settings import get_settings

    return get_settings().sqlalchemy_url


@pytest.fixture
def migrated_db(database: str, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-test database at the latest migration; run from the data folder so no `.env` leaks in."""
    from ai_registry.store.migrate import upgrade

    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(isolated_data_dir)
    upgrade()
    return isolated_data_dir


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """End-to-end tests run last: Playwright's sync API keeps an event loop running in this thread
    until the session ends, and async tests after it could not start their own. Among them, the ones
    that start apps of their own (`own_app`) go first, before the shared app builds the frontend for
    its port, so two apps never build into the same `.web` at once."""

    def order(item: pytest.Item) -> tuple[bool, bool]:
        return item.get_closest_marker("e2e") is not None, item.get_closest_marker("own_app") is None

    items.sort(key=order)
