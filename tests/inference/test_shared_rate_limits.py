"""Rate limits shared across processes: two processes make N attempts each at the same moment and
exactly the limit gets through, counted in the database (SQLite and PostgreSQL) or in Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ai_registry.catalog.models import RateLimit
from ai_registry.inference import rate_limit
from ai_registry.settings import get_settings
from tests.kinds.factories import model

ROOT = Path(__file__).resolve().parents[2]
LIMIT, ATTEMPTS, PROCESSES = 3, 6, 2


def race(model_id: str, env: dict[str, str]) -> list[dict]:
    """PROCESSES subprocesses, each making ATTEMPTS concurrent attempts, all starting at one moment."""
    start_at = time.time() + 4.0  # room for both interpreters to import the app
    command = [sys.executable, "-m", "tests.support.rate_attempts", model_id, str(LIMIT), str(ATTEMPTS), str(start_at)]
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def assert_exactly_the_limit(results: list[dict]) -> None:
    assert sum(result["allowed"] for result in results) == LIMIT, results
    waits = [wait for result in results for wait in result["waits"]]
    assert len(waits) == PROCESSES * ATTEMPTS - LIMIT
    assert all(0 < wait <= 60 for wait in waits), waits  # "try again in ..." within the minute


def test_two_processes_share_the_limit_in_the_database(migrated_db: Path, database: str) -> None:
    results = race(f"shared-db-{database}", {"AI_REGISTRY_RATE_LIMITS": "database"})
    assert_exactly_the_limit(results)


def test_two_processes_share_the_limit_in_redis(redis_server) -> None:
    results = race(f"shared-redis-{time.time_ns()}", {"AI_REGISTRY_REDIS_URL": redis_server.url})
    assert_exactly_the_limit(results)


async def test_the_database_window_slides(migrated_db: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_RATE_LIMITS", "database")
    get_settings.cache_clear()
    now = [1000.0]
    monkeypatch.setattr(rate_limit.time, "time", lambda: now[0])
    limited = model("slides", "Image", "/v1/multimodal/image", [], rate_limit=RateLimit(requests=2, per_seconds=60))
    assert await rate_limit.acquire(limited) is None
    now[0] += 19
    assert await rate_limit.acquire(limited) is None
    assert await rate_limit.acquire(limited) == pytest.approx(41)
    now[0] += 41
    assert await rate_limit.acquire(limited) is None  # the first send left the window
    assert await rate_limit.acquire(limited) == pytest.approx(19)


async def test_redis_window_slides(redis_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_server.url)
    get_settings.cache_clear()
    now = [time.time()]
    monkeypatch.setattr(rate_limit.time, "time", lambda: now[0])
    limited = model(f"slides-{time.time_ns()}", "Image", "/v1/multimodal/image", [], rate_limit=RateLimit(requests=2))
    assert await rate_limit.acquire(limited) is None
    now[0] += 19
    assert await rate_limit.acquire(limited) is None
    assert await rate_limit.acquire(limited) == pytest.approx(41)
    now[0] += 41
    assert await rate_limit.acquire(limited) is None


def test_the_store_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().rate_limit_store == "process"  # the embedded default: unchanged
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/registry")
    get_settings.cache_clear()
    assert get_settings().rate_limit_store == "database"
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    assert get_settings().rate_limit_store == "redis"
    monkeypatch.setenv("AI_REGISTRY_RATE_LIMITS", "process")
    get_settings.cache_clear()
    assert get_settings().rate_limit_store == "process"
