"""One loopback server for the whole local-engine suite; each model loads once per session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from openai import OpenAI

from ai_registry.local.api import build_local_router
from ai_registry.local.auth import get_key_verifier
from ai_registry.local.engine import LocalEngine, get_engine

TEST_KEY = "sk-local-test-0123456789"
REVOKED_KEY = "sk-local-revoked-0123456789"
CHECKED_KEYS: list[str] = []


def verify_test_key(raw_key: str) -> bool:
    """Stands in for `ai_registry.store.api_keys.verify_api_key`: one valid key, one revoked."""
    CHECKED_KEYS.append(raw_key)
    return raw_key == TEST_KEY


def build_test_app(engine: LocalEngine | None = None) -> FastAPI:
    """A FastAPI app with the local router and the test key check."""
    app = FastAPI()
    app.include_router(build_local_router(engine))
    app.dependency_overrides[get_key_verifier] = lambda: verify_test_key
    return app


class LoopbackServer:
    """uvicorn on 127.0.0.1 (a free port) in a daemon thread, with a bounded start-up wait."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="local-engine-test-server", daemon=True)
        self.url = ""

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 20 s")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def engine() -> LocalEngine:
    """The process-wide engine: its models load on first use and stay loaded for the session."""
    return get_engine()


@pytest.fixture(scope="session")
def server_url(engine: LocalEngine) -> Iterator[str]:
    """Base URL of the local API served on the loopback interface."""
    with LoopbackServer(build_test_app(engine)) as server:
        yield server.url


@pytest.fixture(scope="session")
def client(server_url: str) -> Iterator[OpenAI]:
    """The official OpenAI client, pointed at the local engine with a valid key."""
    with OpenAI(base_url=f"{server_url}/v1", api_key=TEST_KEY, max_retries=0, timeout=120) as openai_client:
        yield openai_client


@pytest.fixture(scope="session")
def http(server_url: str) -> Iterator[httpx.Client]:
    """A raw HTTP client for requests the OpenAI SDK would refuse to build."""
    with httpx.Client(base_url=server_url, timeout=120) as raw:
        yield raw


@pytest.fixture(scope="session")
def auth() -> dict[str, str]:
    """Headers carrying the valid key."""
    return {"Authorization": f"Bearer {TEST_KEY}"}
