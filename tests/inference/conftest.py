"""Fixtures for the inference tests: the loopback upstream of CONTRACT.md, configured per test.

The root conftest already gives every test its own `AI_REGISTRY_DATA_DIR` and fresh caches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference import rate_limit
from ai_registry.media.storage import upload_dir
from ai_registry.settings import get_settings
from tests.support.contract_server import ContractServer
from tests.support.media import png_bytes, wav_bytes

API_KEY = "test-key"


@pytest.fixture(scope="session")
def contract_server() -> Iterator[ContractServer]:
    """One loopback upstream for the whole session; each test resets it."""
    with ContractServer(api_key=API_KEY, prefix="/v1") as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    rate_limit.LIMITER.reset()
    yield
    rate_limit.LIMITER.reset()


@pytest.fixture
def upstream(contract_server: ContractServer, monkeypatch: pytest.MonkeyPatch) -> ContractServer:
    """The loopback upstream as the configured API (`AINATIVE_API_BASE`, `AINATIVE_API_KEY`)."""
    contract_server.reset()
    contract_server.stream_delay = 0.01
    monkeypatch.setenv("AINATIVE_API_BASE", contract_server.url)
    monkeypatch.setenv("AINATIVE_API_KEY", API_KEY)
    get_settings.cache_clear()
    return contract_server


@pytest.fixture(scope="session")
def catalog() -> dict[str, UnifiedAIModel]:
    """The built-in models by slug."""
    return {m.slug: m for m in load_builtin_catalog()}


def upload(name: str, data: bytes, content_type: str) -> dict[str, object]:
    """An upload reference as the playground makes it: the file saved under the data folder."""
    path: Path = upload_dir() / name
    path.write_bytes(data)
    return {"filename": name, "content_type": content_type, "path": str(path), "size": len(data)}


@pytest.fixture
def png_upload() -> dict[str, object]:
    return upload("cat.png", png_bytes(64, 48), "image/png")


@pytest.fixture
def wav_upload() -> dict[str, object]:
    return upload("speech.wav", wav_bytes(1.0), "audio/wav")
