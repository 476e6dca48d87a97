"""One fetch per upstream endpoint, with respx standing in for the network: every failure kind."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from ai_registry.aggregator.normalize import Health, Normalized
from ai_registry.aggregator.sources import SOURCES, SourceError, auth_headers, fetch_json, fetch_source

ROOT = "https://upstream.test/v1"
SPECS = {spec.name: spec for spec in SOURCES}
CHAT = {"object": "list", "data": [{"id": "gpt-4", "created": 1687882411, "owned_by": "ainative"}]}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def router() -> respx.MockRouter:
    with respx.mock(base_url=ROOT, assert_all_called=False) as mock:
        yield mock


async def fetch(client: httpx.AsyncClient, name: str = "chat", **kw):
    options = {"api_root": ROOT, "api_key": "secret", "timeout": 1.0, "max_bytes": 10_000}
    options.update(kw)
    return await fetch_source(client, SPECS[name], **options)


def test_the_four_sources() -> None:
    assert [(s.name, s.path) for s in SOURCES] == [
        ("chat", "/models"),
        ("embeddings", "/public/embeddings/models"),
        ("registry", "/public/ai-registry/models"),
        ("health", "/multimodal/health"),
    ]
    # Only the embeddings list needs a key (CONTRACT.md).
    assert [s.name for s in SOURCES if s.needs_key] == ["embeddings"]


def test_auth_headers() -> None:
    assert auth_headers("k") == {"Authorization": "Bearer k"}
    assert auth_headers(None) == {}
    assert auth_headers("") == {}


async def test_chat_source_ok_with_bearer_key(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    route = router.get("/models").respond(json=CHAT)
    result = await fetch(client)
    assert isinstance(result, Normalized)
    assert [f.id for f in result.facts] == ["gpt-4"]
    assert route.calls.last.request.headers["authorization"] == "Bearer secret"
    assert str(route.calls.last.request.url) == f"{ROOT}/models"


async def test_no_key_sends_no_authorization(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    route = router.get("/models").respond(json=CHAT)
    await fetch(client, api_key=None)
    assert "authorization" not in route.calls.last.request.headers


async def test_every_source_parses(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(json={"models": CHAT["data"]})
    router.get("/public/embeddings/models").respond(json=[{"id": "BAAI/bge-small-en-v1.5", "dimensions": 384}])
    router.get("/public/ai-registry/models").respond(json={"models": [{"id": "flux", "category": "image"}], "total": 1})
    router.get("/multimodal/health").respond(json={"status": "healthy", "services": {"video": {"available": False}}})
    chat, embeddings, registry, health = await asyncio.gather(
        fetch(client, "chat"), fetch(client, "embeddings"), fetch(client, "registry"), fetch(client, "health")
    )
    assert [f.id for f in chat.facts] == ["gpt-4"]
    assert embeddings.facts[0].facts["Dimensions"] == "384"
    assert registry.facts[0].category == "Image"
    assert health == Health("healthy", {"video": False})


async def test_api_prefix_is_part_of_the_root(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get("https://upstream.test/api/v1/models").respond(json=CHAT)
        result = await fetch(client, api_root="https://upstream.test/api/v1")
    assert result.facts[0].id == "gpt-4"


async def test_one_bad_record_is_skipped_not_fatal(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(json={"data": [{"id": 1}, {"id": "ok"}, "also-ok", None]})
    result = await fetch(client)
    assert [f.id for f in result.facts] == ["ok", "also-ok"]
    assert len(result.skipped) == 2


async def test_an_empty_list_is_fine(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(json={"object": "list", "data": []})
    assert (await fetch(client)).facts == []


# -- failures: each one is a SourceError with words a person can act on -------------------------------


async def expect_error(client: httpx.AsyncClient, name: str = "chat", **kw) -> str:
    with pytest.raises(SourceError) as info:
        await fetch(client, name, **kw)
    return str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, {"detail": "Not authenticated"}, ["HTTP 401", "check the API key", "Not authenticated"]),
        (403, {"detail": "Forbidden"}, ["HTTP 403", "forbidden"]),
        (404, {"detail": "Not Found"}, ["HTTP 404", "not found"]),
        (402, {"message": "Insufficient credits"}, ["HTTP 402", "Insufficient credits"]),
        (429, {"error": {"message": "Slow down", "type": "rate_limit_error"}}, ["HTTP 429", "Slow down"]),
        (422, {"detail": [{"loc": ["query"], "msg": "field required", "type": "missing"}]}, ["field required"]),
        (500, {"detail": "Internal Server Error"}, ["HTTP 500", "upstream error"]),
        (503, None, ["HTTP 503"]),
    ],
)
async def test_http_errors(
    client: httpx.AsyncClient, router: respx.MockRouter, status: int, body: dict | None, words: list[str]
) -> None:
    if body is None:
        router.get("/models").respond(status, text="<html>busy</html>")
    else:
        router.get("/models").respond(status, json=body)
    message = await expect_error(client)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b'{"data": [', b"\xc3\x28", b'{"a": "\xc3\x28"}', b"<html></html>"]
)
async def test_malformed_json(client: httpx.AsyncClient, router: respx.MockRouter, body: bytes) -> None:
    router.get("/models").respond(200, content=body)
    assert (await expect_error(client)).startswith("malformed JSON")


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("chat", {"data": "gpt-4"}),
        ("chat", 42),
        ("embeddings", {"embeddings": []}),
        ("registry", {"models": {"id": "x"}}),
        ("health", ["healthy"]),
        ("health", {"status": "ok", "services": "all"}),
    ],
)
async def test_wrong_shapes(client: httpx.AsyncClient, router: respx.MockRouter, name: str, payload) -> None:
    router.route(method="GET").respond(json=payload)
    assert (await expect_error(client, name)).startswith("unexpected shape")


async def test_every_record_wrong_is_an_error(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(json={"data": [{"id": 1}, {"id": 2}, None]})
    message = await expect_error(client)
    assert "no valid records" in message and "3 skipped" in message


async def test_oversized_body_with_length(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(200, content=json.dumps({"data": [], "pad": "x" * 20_000}).encode())
    assert "too large" in await expect_error(client, max_bytes=10_000)


async def test_oversized_body_streamed_without_length(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"data": [], "pad": "'
        for _ in range(1000):  # 64 MB if nobody stopped reading
            sent.append(1)
            yield b"x" * 65536

    router.get("/models").mock(return_value=httpx.Response(200, content=endless()))
    assert "too large" in await expect_error(client, max_bytes=100_000)
    assert len(sent) < 10  # reading stopped at the limit


async def test_timeout_bounds_the_whole_exchange(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    async def slow(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=CHAT)

    router.get("/models").mock(side_effect=slow)
    started = time.monotonic()
    message = await expect_error(client, timeout=0.2)
    assert message == "timed out after 0.2 s"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("exception", "words"),
    [
        (httpx.ConnectError("refused"), "connection refused"),
        (httpx.ConnectTimeout("slow"), "timed out"),
        (httpx.ReadTimeout("slow"), "timed out"),
        (httpx.RemoteProtocolError("Server disconnected"), "closed before a full response"),
        (httpx.ReadError("reset"), "ReadError"),
    ],
)
async def test_transport_errors(
    client: httpx.AsyncClient, router: respx.MockRouter, exception: Exception, words: str
) -> None:
    router.get("/models").mock(side_effect=exception)
    assert words in await expect_error(client)


async def test_fetch_json_returns_plain_data(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/anything").respond(json={"a": [1, 2]})
    assert await fetch_json(client, f"{ROOT}/anything", timeout=1, max_bytes=1000) == {"a": [1, 2]}


async def test_error_text_never_holds_the_key(client: httpx.AsyncClient, router: respx.MockRouter) -> None:
    router.get("/models").respond(401, json={"detail": "Invalid API key"})
    assert "secret" not in await expect_error(client)
