"""The aggregator against the loopback upstream of CONTRACT.md: failures, staleness, cache, concurrency."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ai_registry.aggregator.service import Aggregator, CatalogSnapshot, SourceStatus, StoredSource
from ai_registry.aggregator.stored_sources import facts_by_model, sources_from_rows
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from tests.support.contract_server import ContractServer, Fault

KEY = "service-test-key"
BUILTIN_IDS = [m.id for m in load_builtin_catalog()]
SOURCE_PATHS = {
    "chat": "/models",
    "embeddings": "/public/embeddings/models",
    "registry": "/public/ai-registry/models",
    "health": "/multimodal/health",
}
MAX_BYTES = 50_000
TIMEOUT = 0.5

FLUX = {
    "id": "flux-1-schnell",
    "name": "FLUX.1 schnell",
    "provider": "Black Forest Labs",
    "category": "image",
    "capabilities": ["text-to-image"],
    "description": "Fast text-to-image",
    "endpoint": "/v1/multimodal/image",
    "pricing": {"credits": 20, "usd": 0.01, "unit": "per image"},
}
MINI = {"id": "gpt-4o-mini", "object": "model", "created": 1721000000, "owned_by": "ainative", "available": True}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def server() -> Iterator[ContractServer]:
    with ContractServer(api_key=KEY, prefix="/v1") as srv:
        yield srv


@pytest.fixture
def srv(server: ContractServer) -> Iterator[ContractServer]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make(srv: ContractServer, client: httpx.AsyncClient, clock: FakeClock | None = None, **kw: Any) -> Aggregator:
    options: dict[str, Any] = {
        "builtin": load_builtin_catalog,
        "client": client,
        "api_root": srv.base_url,
        "api_key": lambda: KEY,
        "timeout": TIMEOUT,
        "ttl": 60.0,
        "max_bytes": MAX_BYTES,
    }
    if clock is not None:
        options["clock"] = clock
    options.update(kw)
    return Aggregator(**options)


def status(snapshot: CatalogSnapshot, name: str) -> SourceStatus:
    return next(s for s in snapshot.statuses if s.name == name)


def by_id(snapshot: CatalogSnapshot) -> dict[str, UnifiedAIModel]:
    return {m.id: m for m in snapshot.models}


def assert_no_duplicates(snapshot: CatalogSnapshot) -> None:
    ids = [m.id.casefold() for m in snapshot.models]
    slugs = [m.slug for m in snapshot.models]
    assert len(ids) == len(set(ids))
    assert len(slugs) == len(set(slugs))


def stored(snapshot: CatalogSnapshot) -> list[StoredSource]:
    """The source records as a restart reads them back: through the JSON the store keeps per model."""
    by_model = facts_by_model(snapshot.source_records, snapshot.models)
    return sources_from_rows(by_model[m.id] for m in snapshot.models if m.id in by_model)


def request_count(srv: ContractServer) -> dict[str, int]:
    return {name: len(srv.requests_to(path)) for name, path in SOURCE_PATHS.items()}


# -- a healthy upstream ------------------------------------------------------------------------------


async def test_healthy_upstream(srv: ContractServer, client: httpx.AsyncClient) -> None:
    snapshot = await make(srv, client).refresh()
    assert [s.name for s in snapshot.statuses] == ["chat", "embeddings", "registry", "health"]
    for s in snapshot.statuses:
        assert s.state == "ok", s
        assert s.error is None
        assert s.last_success is not None and s.last_success == s.last_attempt
    assert status(snapshot, "chat").model_count == 3
    assert status(snapshot, "embeddings").model_count == 3
    assert status(snapshot, "health").model_count == 3
    assert [m.id for m in snapshot.models] == BUILTIN_IDS  # the upstream lists nothing new
    assert snapshot.degraded == ()
    assert_no_duplicates(snapshot)
    # The key went out as a bearer token on the route that needs it.
    assert srv.requests_to("/public/embeddings/models")[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_upstream_facts_win_over_builtin(srv: ContractServer, client: httpx.AsyncClient) -> None:
    srv.chat_models[0]["created"] = 1700000000  # gpt-4
    srv.chat_models[1]["available"] = False  # gpt-3.5-turbo
    srv.health["services"]["video"]["available"] = False
    srv.registry_models = [{"id": "qwen-image-edit", "pricing": {"credits": 60, "usd": 0.03, "unit": "per image"}}]
    models = by_id(await make(srv, client).refresh())
    assert models["gpt-4"].created == 1700000000
    assert models["gpt-3.5-turbo"].available is False
    assert models["claude-3-5-sonnet-20241022"].available is True
    assert models["qwen-image-edit"].pricing.usd == pytest.approx(0.03)
    assert models["qwen-image-edit"].pricing.credits == 60
    assert models["qwen-image-edit"].available is True  # image service up
    for model_id in ("wan22-i2v", "seedance-i2v", "sora2-i2v", "t2v-premium", "cogvideox-2b"):
        assert models[model_id].available is False
        assert models[model_id].availability_note
    # Built-in details fill what the upstream lacks.
    assert models["gpt-4"].name == "GPT-4"
    assert models["qwen-image-edit"].readme
    assert models["wan22-i2v"].slug == "alibaba-wan-22-i2v-720p"


async def test_upstream_only_models_with_derived_fields_and_unique_slugs(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    srv.chat_models += [MINI, {"id": "gpt-4o.mini", "object": "model"}, {"id": "GPT-4", "object": "model"}]
    srv.embedding_models.append({"id": "BAAI/bge-m3", "dimensions": 1024, "description": "Multilingual"})
    srv.registry_models = [FLUX, {"id": "gpt-4o-mini", "name": "GPT-4o mini"}]
    snapshot = await make(srv, client).refresh()
    models = by_id(snapshot)
    assert_no_duplicates(snapshot)
    assert len(snapshot.models) == len(BUILTIN_IDS) + 4  # "GPT-4" is gpt-4; gpt-4o-mini is listed twice
    mini = models["gpt-4o-mini"]
    assert (mini.slug, mini.name, mini.provider, mini.category) == ("gpt-4o-mini", "GPT-4o mini", "OpenAI", "Coding")
    assert mini.created == 1721000000
    assert mini.endpoint == "/v1/chat/completions"
    assert mini.sources == ["chat", "registry"]
    assert models["gpt-4o.mini"].slug == "gpt-4o-mini-2"
    bge = models["BAAI/bge-m3"]
    assert (bge.slug, bge.category, bge.provider) == ("bge-m3", "Embedding", "BAAI")
    assert bge.facts["Dimensions"] == "1024"
    flux = models["flux-1-schnell"]
    assert (flux.category, flux.provider, flux.available) == ("Image", "Black Forest Labs", True)
    assert flux.pricing.usd == pytest.approx(0.01)
    assert status(snapshot, "registry").model_count == 2


async def test_older_models_shape(srv: ContractServer, client: httpx.AsyncClient) -> None:
    srv.models_shape = "models"
    srv.chat_models.append(MINI)
    snapshot = await make(srv, client).refresh()
    assert status(snapshot, "chat").state == "ok"
    assert "gpt-4o-mini" in by_id(snapshot)


async def test_api_v1_prefix(client: httpx.AsyncClient) -> None:
    with ContractServer(api_key=KEY, prefix="/api/v1") as other:
        other.registry_models = [FLUX]
        snapshot = await make(other, client, api_root=other.url + "/api/v1").refresh()
        assert other.requests_to("/models")[0].path == "/api/v1/models"
    assert all(s.state == "ok" for s in snapshot.statuses)
    assert "flux-1-schnell" in by_id(snapshot)


async def test_embeddings_without_a_key_are_skipped(srv: ContractServer, client: httpx.AsyncClient) -> None:
    snapshot = await make(srv, client, api_key=lambda: None).refresh()
    embeddings = status(snapshot, "embeddings")
    assert embeddings.state == "skipped"
    assert "API key" in embeddings.error
    assert srv.requests_to("/public/embeddings/models") == []
    assert status(snapshot, "chat").state == "ok"
    assert snapshot.degraded == ()


async def test_wrong_key_fails_only_that_source(srv: ContractServer, client: httpx.AsyncClient) -> None:
    snapshot = await make(srv, client, api_key=lambda: "wrong-key").refresh()
    embeddings = status(snapshot, "embeddings")
    assert embeddings.state == "failed"
    assert "401" in embeddings.error and "API key" in embeddings.error
    assert "wrong-key" not in embeddings.error
    assert status(snapshot, "chat").state == "ok"


async def test_no_upstream_serves_builtin_and_local(client: httpx.AsyncClient) -> None:
    local = UnifiedAIModel(
        id="tiny-local", slug="local-tiny", name="Tiny", provider="Local", category="Coding", endpoint="/local/v1/chat",
        sources=["local"],
    )
    aggregator = Aggregator(builtin=load_builtin_catalog, client=None, api_root=None, local=lambda: [local])
    snapshot = await aggregator.refresh()
    assert [m.id for m in snapshot.models] == [*BUILTIN_IDS, "tiny-local"]
    assert snapshot.statuses == ()


async def test_a_broken_local_engine_never_breaks_the_catalog(srv: ContractServer, client: httpx.AsyncClient) -> None:
    def broken() -> list[UnifiedAIModel]:
        raise RuntimeError("engine exploded")

    snapshot = await make(srv, client, local=broken).refresh()
    assert status(snapshot, "local").state == "failed"
    assert "engine exploded" in status(snapshot, "local").error
    assert [m.id for m in snapshot.models] == BUILTIN_IDS


# -- failures: the last good data stays, marked stale; never good means failed -------------------------

FAULTS: dict[str, tuple[Fault, str]] = {
    "timeout": (Fault(delay=3.0), "timed out after 0.5 s"),
    "dropped connection": (Fault(drop_connection=True), "connection closed before a full response"),
    "404": (Fault(status=404), "HTTP 404"),
    "401": (Fault(status=401), "HTTP 401"),
    "429": (Fault(status=429), "HTTP 429"),
    "500": (Fault(status=500), "HTTP 500"),
    "503": (Fault(status=503), "HTTP 503"),
    "malformed JSON": (Fault(body=b'{"object": "list", "data": [{"id": '), "malformed JSON"),
    "not JSON at all": (Fault(body=b"<html>maintenance</html>", content_type="text/html"), "malformed JSON"),
    "wrong types": (Fault(body=b'{"object": "list", "data": "gpt-4"}'), "unexpected shape"),
    "every record wrong": (Fault(body=b'{"data": [{"id": 1}, {"id": null}], "models": [7]}'), "no valid records"),
    "oversized body": (Fault(oversize_bytes=MAX_BYTES * 4), "too large"),
}


@pytest.mark.parametrize("kind", list(FAULTS))
async def test_failure_keeps_last_good_data_as_stale(
    srv: ContractServer, client: httpx.AsyncClient, kind: str
) -> None:
    fault, words = FAULTS[kind]
    srv.chat_models.append(MINI)
    srv.registry_models = [FLUX]
    aggregator = make(srv, client)
    good = await aggregator.refresh()
    assert {"gpt-4o-mini", "flux-1-schnell"} <= set(by_id(good))

    srv.set_fault("/models", fault)
    srv.set_fault("/public/ai-registry/models", fault)
    started = time.monotonic()
    snapshot = await aggregator.refresh(force=True)
    assert time.monotonic() - started < TIMEOUT + 1.5

    for name in ("chat", "registry"):
        s = status(snapshot, name)
        assert s.state == "stale", s
        assert words in s.error
        assert KEY not in s.error
        assert s.last_success == status(good, name).last_success
        assert s.last_attempt > s.last_success
    assert status(snapshot, "embeddings").state == "ok"
    assert status(snapshot, "health").state == "ok"
    assert {s.name for s in snapshot.degraded} == {"chat", "registry"}
    # The last good data is still served: upstream-only models and the facts that came with them.
    models = by_id(snapshot)
    assert models["gpt-4o-mini"] == by_id(good)["gpt-4o-mini"]
    assert models["flux-1-schnell"] == by_id(good)["flux-1-schnell"]
    assert models["gpt-4"].sources == ["builtin", "chat"]
    assert_no_duplicates(snapshot)

    # And it recovers the moment the upstream answers again.
    srv.set_fault("/models", None)
    srv.set_fault("/public/ai-registry/models", None)
    recovered = await aggregator.refresh(force=True)
    assert status(recovered, "chat").state == "ok" and status(recovered, "chat").error is None
    assert status(recovered, "chat").last_success > status(good, "chat").last_success


@pytest.mark.parametrize("kind", ["timeout", "dropped connection", "500", "malformed JSON", "oversized body"])
async def test_failure_without_good_data_is_failed(srv: ContractServer, client: httpx.AsyncClient, kind: str) -> None:
    fault, words = FAULTS[kind]
    srv.registry_models = [FLUX]
    srv.set_fault("/public/ai-registry/models", fault)
    snapshot = await make(srv, client).refresh()
    registry = status(snapshot, "registry")
    assert registry.state == "failed"
    assert words in registry.error
    assert registry.last_success is None
    assert registry.last_attempt is not None
    assert "flux-1-schnell" not in by_id(snapshot)
    assert [m.id for m in snapshot.models] == BUILTIN_IDS
    assert status(snapshot, "chat").state == "ok"


async def test_connection_refused(srv: ContractServer, client: httpx.AsyncClient, closed_port: int) -> None:
    srv.chat_models.append(MINI)
    aggregator = make(srv, client)
    good = await aggregator.refresh()
    # The upstream goes away: its port now refuses connections.
    aggregator.api_root = f"http://127.0.0.1:{closed_port}/v1"
    snapshot = await aggregator.refresh(force=True)
    for s in snapshot.statuses:
        assert s.state == "stale", s
        assert "connection refused" in s.error
        assert s.last_success == status(good, s.name).last_success
    assert by_id(snapshot)["gpt-4o-mini"] == by_id(good)["gpt-4o-mini"]

    never = await make(srv, client, api_root=f"http://127.0.0.1:{closed_port}/v1").refresh()
    assert {s.state for s in never.statuses} == {"failed"}
    assert all(s.last_success is None for s in never.statuses)
    assert [m.id for m in never.models] == BUILTIN_IDS


async def test_health_down_keeps_its_last_answer(srv: ContractServer, client: httpx.AsyncClient) -> None:
    srv.health["services"]["video"]["available"] = False
    aggregator = make(srv, client)
    await aggregator.refresh()
    srv.set_fault("/multimodal/health", Fault(status=502))
    snapshot = await aggregator.refresh(force=True)
    assert status(snapshot, "health").state == "stale"
    assert by_id(snapshot)["wan22-i2v"].available is False


async def test_one_bad_record_never_drops_the_others(srv: ContractServer, client: httpx.AsyncClient) -> None:
    srv.chat_models += [{"id": 12345}, {"object": "model"}, MINI]
    srv.embedding_models.insert(0, {"id": "BAAI/bge-m3", "dimensions": "1024"})
    srv.registry_models = [{"id": "broken", "capabilities": "text-to-image"}, FLUX, {"id": "also", "pricing": "free"}]
    snapshot = await make(srv, client).refresh()
    for name, skipped in (("chat", 2), ("embeddings", 1), ("registry", 2)):
        assert status(snapshot, name).state == "ok"
        assert status(snapshot, name).skipped_records == skipped
    models = by_id(snapshot)
    assert {"gpt-4", "gpt-3.5-turbo", "claude-3-5-sonnet-20241022", "gpt-4o-mini", "flux-1-schnell"} <= set(models)
    assert not {"broken", "also", "BAAI/bge-m3"} & set(models)
    assert models["BAAI/bge-small-en-v1.5"].facts["Dimensions"] == "384"


# -- the cache -------------------------------------------------------------------------------------


async def test_ttl_cache(srv: ContractServer, client: httpx.AsyncClient, clock: FakeClock) -> None:
    aggregator = make(srv, client, clock, ttl=60.0)
    assert not aggregator.is_fresh()
    first = await aggregator.refresh()
    assert request_count(srv) == dict.fromkeys(SOURCE_PATHS, 1)
    assert aggregator.is_fresh()

    clock.advance(59)
    assert await aggregator.refresh() is first
    assert request_count(srv) == dict.fromkeys(SOURCE_PATHS, 1)

    clock.advance(2)
    assert not aggregator.is_fresh()
    second = await aggregator.refresh()
    assert second is not first and second.refreshed_at > first.refreshed_at
    assert request_count(srv) == dict.fromkeys(SOURCE_PATHS, 2)

    await aggregator.refresh(force=True)
    assert request_count(srv) == dict.fromkeys(SOURCE_PATHS, 3)


async def test_a_refresh_that_brings_nothing_new_keeps_the_catalog(
    srv: ContractServer, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # The same models and version: no merge, no new query index, no page re-rendered for nothing.
    aggregator = make(srv, client, clock, ttl=60.0)
    first = await aggregator.refresh()
    same = await aggregator.refresh(force=True)
    assert same.models is first.models and same.version == first.version
    assert same.refreshed_at >= first.refreshed_at

    srv.registry_models = [FLUX]
    grown = await aggregator.refresh(force=True)
    assert grown.version > same.version and "flux-1-schnell" in by_id(grown)

    # A failing source keeps its last good data, but the page must learn that it is stale.
    srv.set_fault("/models", Fault(status=503))
    failing = await aggregator.refresh(force=True)
    assert failing.models is grown.models and failing.version > grown.version
    assert status(failing, "chat").state == "stale"
    srv.set_fault("/models", None)
    recovered = await aggregator.refresh(force=True)
    assert recovered.version > failing.version and status(recovered, "chat").state == "ok"


async def test_cache_holds_failures_too(srv: ContractServer, client: httpx.AsyncClient, clock: FakeClock) -> None:
    # A failing upstream is not hammered: it is asked again when the TTL runs out.
    srv.set_fault("/models", Fault(status=500))
    aggregator = make(srv, client, clock, ttl=30.0)
    await aggregator.refresh()
    await aggregator.refresh()
    assert len(srv.requests_to("/models")) == 1
    srv.set_fault("/models", None)
    clock.advance(31)
    snapshot = await aggregator.refresh()
    assert status(snapshot, "chat").state == "ok"


async def test_snapshot_before_any_fetch_needs_no_io(srv: ContractServer, client: httpx.AsyncClient) -> None:
    aggregator = make(srv, client)
    snapshot = aggregator.snapshot
    assert [m.id for m in snapshot.models] == BUILTIN_IDS
    assert srv.requests == []
    assert not aggregator.is_fresh()


# -- concurrency -----------------------------------------------------------------------------------


async def test_sources_are_fetched_concurrently(srv: ContractServer, client: httpx.AsyncClient) -> None:
    latency = 0.4
    srv.set_latency(latency)
    aggregator = make(srv, client, timeout=5.0)
    started = time.perf_counter()
    snapshot = await aggregator.refresh()
    elapsed = time.perf_counter() - started
    assert all(s.state == "ok" for s in snapshot.statuses)
    assert elapsed < 1.5 * latency, f"cold refresh took {elapsed:.2f} s for 4 sources of {latency} s each"


async def test_concurrent_refreshes_share_one_fetch(srv: ContractServer, client: httpx.AsyncClient) -> None:
    srv.set_latency(0.2)
    aggregator = make(srv, client, timeout=5.0)
    snapshots = await asyncio.gather(*(aggregator.refresh() for _ in range(5)))
    assert len({id(s) for s in snapshots}) == 1
    assert request_count(srv) == dict.fromkeys(SOURCE_PATHS, 1)


# -- restart: the stored catalog is served at once, even with every source down ------------------------


async def test_seed_serves_the_stored_catalog_when_every_source_is_down(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    with ContractServer(api_key=KEY, prefix="/v1") as gone:
        gone.chat_models.append(MINI)
        gone.chat_models.append({"id": "gpt-4o.mini", "object": "model"})
        gone.embedding_models.append({"id": "BAAI/bge-m3", "dimensions": 1024})
        gone.registry_models = [FLUX]
        before = await make(gone, client).refresh()
        root = gone.base_url

    # "Restart": a new aggregator at the same address, where every source now refuses connections.
    restarted = make(srv, client, api_root=root)
    restarted.seed(stored(before), before.statuses)
    served = restarted.snapshot
    assert [(m.id, m.slug) for m in served.models] == [(m.id, m.slug) for m in before.models]
    assert by_id(served)["flux-1-schnell"].pricing.usd == pytest.approx(0.01)

    after = await restarted.refresh(force=True)
    assert [(m.id, m.slug) for m in after.models] == [(m.id, m.slug) for m in before.models]
    assert by_id(after)["gpt-4o-mini"].created == 1721000000
    assert by_id(after)["BAAI/bge-m3"].facts["Dimensions"] == "1024"
    for name in ("chat", "embeddings", "registry"):
        s = status(after, name)
        assert s.state == "stale" and "connection refused" in s.error
        assert s.last_success == status(before, name).last_success
    assert status(after, "health").state == "failed"  # nothing of it was stored
    assert_no_duplicates(after)


async def test_seed_without_statuses_marks_sources_stale_until_fetched(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    srv.registry_models = [FLUX]
    before = await make(srv, client).refresh()
    restarted = make(srv, client)
    restarted.seed(stored(before))
    assert status(restarted.snapshot, "registry").state == "stale"
    assert "flux-1-schnell" in by_id(restarted.snapshot)
    fresh = await restarted.refresh()
    assert status(fresh, "registry").state == "ok"


async def test_seed_drops_a_model_the_upstream_no_longer_lists(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    srv.registry_models = [FLUX]
    before = await make(srv, client).refresh()
    srv.registry_models = []
    restarted = make(srv, client)
    restarted.seed(stored(before), before.statuses)
    assert "flux-1-schnell" in by_id(restarted.snapshot)
    assert "flux-1-schnell" not in by_id(await restarted.refresh())


async def test_runtime_restart_serves_the_store(monkeypatch) -> None:
    """The real wiring: settings from the environment, the SQLite store, a new process-wide aggregator.
    The upstream is configured at the same address after the restart, but it is down."""
    from ai_registry.aggregator import runtime
    from ai_registry.settings import get_settings
    from ai_registry.store.migrate import upgrade
    from tests.conftest import clear_process_caches

    with ContractServer(api_key=KEY, prefix="/v1") as gone:
        gone.registry_models = [FLUX]
        monkeypatch.setenv("AINATIVE_API_BASE", gone.url)
        monkeypatch.setenv("AINATIVE_API_KEY", KEY)
        clear_process_caches()
        upgrade("head")
        synced = await runtime.refresh_catalog(force=True)
        assert "flux-1-schnell" in by_id(synced)
        await runtime.get_aggregator().client.aclose()
        root = gone.base_url

    clear_process_caches()
    assert get_settings().api_root == root
    served = runtime.get_aggregator().snapshot
    assert "flux-1-schnell" in by_id(served)
    assert runtime.find_model("flux-1-schnell") is not None
    assert [m.id for m in runtime.catalog_index().query(category="Image", q="flux")] == ["flux-1-schnell"]
    after = await runtime.refresh_catalog(force=True)
    assert status(after, "registry").state == "stale"
    assert "connection refused" in status(after, "registry").error
    assert "flux-1-schnell" in by_id(after)
    await runtime.get_aggregator().client.aclose()
