"""The local engine as its own service: `python -m ai_registry engine --port P` in a subprocess, and a
run of the web app's run service pointed at it through `AI_REGISTRY_ENGINE_URL` gets a real embedding
over the network, with the in-process engine out of reach."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ai_registry.inference import transport
from ai_registry.inference.run import run_model
from ai_registry.inference.transport import LOCAL_BASE_URL, TransportFactory
from ai_registry.local.catalog import local_models
from tests.conftest import clear_process_caches
from tests.support.app_process import ROOT, free_port

SERVICE_KEY = "engine-service-key-for-the-tests-0123"
START_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The engine command on a free loopback port, its data folder migrated (personal keys live there)."""
    data_dir = tmp_path_factory.mktemp("engine-data")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AI_REGISTRY_DATA_DIR": str(data_dir)}
    env["AI_REGISTRY_ENGINE_KEY"] = SERVICE_KEY
    for name in ("DATABASE_URL", "AI_REGISTRY_ENGINE_URL", "AINATIVE_API_BASE", "AINATIVE_API_KEY"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "ai_registry", "migrate"], cwd=data_dir, env=env, check=True, timeout=120)
    port = free_port()
    log_path = data_dir / "engine.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ai_registry", "engine", "--port", str(port)],
            cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for _ in range(START_TIMEOUT_S * 4):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the engine did not start:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(url + "/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
def pointed_at(engine_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """This process's settings point local runs at the engine service, and the in-process engine is gone."""
    monkeypatch.setenv("AI_REGISTRY_ENGINE_URL", engine_url)
    monkeypatch.setenv("AI_REGISTRY_ENGINE_KEY", SERVICE_KEY)
    clear_process_caches()

    def no_in_process_engine():
        raise AssertionError("the run used the in-process engine")

    monkeypatch.setattr(transport, "local_engine_app", no_in_process_engine)
    return engine_url


def minilm():
    return next(m for m in local_models() if m.category == "Embedding")


async def test_a_local_run_gets_a_real_embedding_from_the_engine_service(pointed_at: str) -> None:
    result = await run_model(minilm(), {"input": "a cat sleeps\na kitten naps\nstock prices fell"}, run_id="svc")
    assert result.status == "succeeded", result.error
    vectors = result.data["vectors"]
    assert len(vectors) == 3 and len(vectors[0]) == 384
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vectors)  # MiniLM's normalized output

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])  # a real model, not a stub
    assert f"local engine service at {pointed_at}" in result.request_json


async def test_the_engine_service_refuses_a_web_app_without_its_key(
    pointed_at: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AI_REGISTRY_ENGINE_KEY", "not-the-engine-key-at-all-0000000")
    clear_process_caches()
    result = await run_model(minilm(), {"input": "hello"}, run_id="svc-bad-key")
    assert result.status == "failed" and result.error is not None
    assert result.error.status == 401


async def test_an_engine_service_that_is_down_is_a_clear_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_ENGINE_URL", f"http://127.0.0.1:{free_port()}")
    clear_process_caches()
    result = await run_model(minilm(), {"input": "hello"}, run_id="svc-down")
    assert result.status == "failed" and result.error is not None
    assert "Could not reach http://127.0.0.1:" in result.error.message
    assert "AI_REGISTRY_ENGINE_URL" in result.error.hint


def test_the_embedded_default_stays_in_process(tmp_path: Path) -> None:
    factory = TransportFactory()
    assert factory.local_base_url() == LOCAL_BASE_URL
    assert factory.local_note() == "in-process (local engine)"
