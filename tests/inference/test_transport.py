"""The transport factory: a test hands in an `httpx.MockTransport` for the local or the remote path,
and the same run code goes through it."""

from __future__ import annotations

import json

import httpx
import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.inference.run import run_model
from ai_registry.inference.transport import LOCAL_BASE_URL, TransportFactory, is_local
from ai_registry.kinds import OutputKind
from ai_registry.local.catalog import local_models


def embedding_answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = [{"index": i, "embedding": [1.0, float(i)]} for i in range(len(texts))]
    return httpx.Response(200, json={"data": data, "model": body["model"]})


async def test_a_mock_transport_serves_the_local_path() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return embedding_answer(request)

    model = next(m for m in local_models() if m.category == "Embedding")
    assert is_local(model)
    factory = TransportFactory(local=httpx.MockTransport(answer))
    result = await run_model(model, {"input": "one\ntwo"}, run_id="local-mock", transports=factory)
    assert result.status == "succeeded", result.error
    assert result.output_kind is OutputKind.EMBEDDINGS and result.data is not None
    assert result.data["vectors"] == [[1.0, 0.0], [1.0, 1.0]]
    assert str(seen[0].url) == f"{LOCAL_BASE_URL}/v1/embeddings"
    assert "authorization" not in seen[0].headers  # the engine in this process needs no key


async def test_a_mock_transport_serves_the_remote_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AINATIVE_API_BASE", "http://upstream.test")
    monkeypatch.setenv("AINATIVE_API_KEY", "sk-upstream")
    from ai_registry.settings import get_settings

    get_settings.cache_clear()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return embedding_answer(request)

    model = {m.slug: m for m in load_builtin_catalog()}["bge-small-en-v1-5"]
    factory = TransportFactory(remote=httpx.MockTransport(answer))
    result = await run_model(model, {"input": "a\nb\nc"}, run_id="remote-mock", transports=factory)
    assert result.status == "succeeded", result.error
    assert result.data is not None and len(result.data["vectors"]) == 3
    assert str(seen[0].url) == "http://upstream.test/v1/embeddings"
    assert seen[0].headers["authorization"] == "Bearer sk-upstream"


async def test_a_failing_transport_is_a_clear_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    model = next(m for m in local_models() if m.category == "Embedding")
    factory = TransportFactory(local=httpx.MockTransport(refuse))
    result = await run_model(model, {"input": "x"}, run_id="refused", transports=factory)
    assert result.status == "failed" and result.error is not None
    assert result.error.kind == "unreachable" and "connection refused" in result.error.message
