"""Issue 17's two sequences against the loopback upstream, through the real store and settings:

1. the upstream is configured, then removed (or moved): its records leave the catalog at the next
   start, while an upstream that is only down keeps its last good data, marked stale;
2. an upstream price without a table is merged over the built-in duration table: the table stays,
   the estimate prices 8 s from it, and the page says which figure a run uses.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ai_registry.aggregator import runtime
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost, price_label, pricing_note
from ai_registry.catalog.provenance import origin_rows
from ai_registry.store.migrate import upgrade
from tests.conftest import clear_process_caches
from tests.support.contract_server import ContractServer

KEY = "sources-test-key"
WAN_TABLE = "Cost: 5s $0.30, 8s $0.48, 10s $0.60, 15s $0.70"
UPSTREAM_WAN = {
    "id": "wan22-i2v",
    "name": "Wan 2.2 (upstream)",
    "provider": "Alibaba",
    "category": "video",
    "capabilities": ["image-to-video"],
    "description": "The upstream's own words about Wan.",
    "endpoint": "/v1/wan-2-2-i2v-720/run",
    "pricing": {"credits": 400, "usd": 0.2, "unit": "per 5s video"},
}
UPSTREAM_ONLY = {
    "id": "veo-3", "name": "Veo 3", "provider": "Google", "category": "video",
    "description": "Only the upstream knows it.", "endpoint": "/v1/multimodal/video/t2v",
}
BUILTIN_WAN = next(m for m in load_builtin_catalog() if m.id == "wan22-i2v")


@pytest.fixture
def upstream() -> Iterator[ContractServer]:
    with ContractServer(api_key=KEY, prefix="/v1") as server:
        server.registry_models = [UPSTREAM_WAN, UPSTREAM_ONLY]
        yield server


def start(monkeypatch: pytest.MonkeyPatch, base: str | None) -> None:
    """A new process, as far as the catalog is concerned: settings, store and aggregator built anew."""
    if base is None:
        monkeypatch.delenv("AINATIVE_API_BASE", raising=False)
    else:
        monkeypatch.setenv("AINATIVE_API_BASE", base)
    monkeypatch.setenv("AINATIVE_API_KEY", KEY)
    clear_process_caches()


async def stop() -> None:
    client = runtime.get_aggregator().client
    if client is not None:
        await client.aclose()


def wan(models) -> UnifiedAIModel:
    return next(m for m in models if m.id == "wan22-i2v")


async def first_run(monkeypatch: pytest.MonkeyPatch, upstream: ContractServer) -> None:
    start(monkeypatch, upstream.url)
    upgrade("head")
    synced = await runtime.refresh_catalog(force=True)
    assert "veo-3" in {m.id for m in synced.models}
    assert wan(synced.models).description == UPSTREAM_WAN["description"]
    await stop()


@pytest.mark.parametrize("second_base", [None, "http://127.0.0.1:9"], ids=["removed", "moved"])
async def test_a_source_no_longer_configured_stops_feeding_the_catalog(
    migrated_db, monkeypatch: pytest.MonkeyPatch, upstream: ContractServer, second_base: str | None
) -> None:
    await first_run(monkeypatch, upstream)

    start(monkeypatch, second_base)
    for snapshot in (runtime.get_aggregator().snapshot, await runtime.refresh_catalog(force=True)):
        models = {m.id: m for m in snapshot.models}
        assert "veo-3" not in models
        restarted_wan = models["wan22-i2v"]
        assert restarted_wan.description == BUILTIN_WAN.description
        assert restarted_wan.name == BUILTIN_WAN.name
        assert restarted_wan.sources == ["builtin"]
        assert price_label(restarted_wan.pricing) == WAN_TABLE
        assert estimate_cost(restarted_wan, {"duration": 8}).label == "$0.48"
        assert origin_rows(restarted_wan) == [["Built-in catalog", "", "all facts"]]
        # No banner for a source that does not exist any more; a moved one is new, so not stale.
        assert all(s.url == runtime.get_aggregator().api_root for s in snapshot.statuses)
        assert not [s for s in snapshot.degraded if s.last_success is not None]
    await stop()

    # And the stored catalog no longer holds the removed source's records either.
    start(monkeypatch, upstream.url)
    upstream.stop()  # configured again but down: nothing of it is left to serve
    assert "veo-3" not in {m.id for m in runtime.get_aggregator().snapshot.models}
    await stop()


async def test_a_configured_source_that_is_down_keeps_its_last_good_data_marked_stale(
    migrated_db, monkeypatch: pytest.MonkeyPatch, upstream: ContractServer
) -> None:
    await first_run(monkeypatch, upstream)
    base = upstream.url
    upstream.stop()

    start(monkeypatch, base)
    served = runtime.get_aggregator().snapshot
    assert "veo-3" in {m.id for m in served.models}
    snapshot = await runtime.refresh_catalog(force=True)
    models = {m.id: m for m in snapshot.models}
    assert "veo-3" in models
    assert models["wan22-i2v"].description == UPSTREAM_WAN["description"]
    registry = next(s for s in snapshot.statuses if s.name == "registry")
    assert registry.state == "stale" and "connection refused" in registry.error
    assert registry in snapshot.degraded  # the banner, as before
    await stop()


async def test_an_upstream_price_without_a_table_keeps_the_builtin_table(
    migrated_db, monkeypatch: pytest.MonkeyPatch, upstream: ContractServer
) -> None:
    start(monkeypatch, upstream.url)
    snapshot = await runtime.refresh_catalog(force=True)
    merged = wan(snapshot.models)

    # The upstream's figures win where they say the same thing ...
    assert (merged.pricing.credits, merged.pricing.usd, merged.pricing.unit) == (400, 0.2, "per 5s video")
    assert {merged.pricing.field_sources[f] for f in ("credits", "usd", "unit")} == {"registry"}
    # ... and the duration table, which the upstream lacks, stays.
    assert merged.pricing.field_sources["tiers"] == "builtin"
    assert price_label(merged.pricing) == WAN_TABLE
    for duration, label in ((5, "$0.30"), (8, "$0.48"), (10, "$0.60"), (15, "$0.70")):
        assert estimate_cost(merged, {"duration": duration}).label == label
    assert estimate_cost(merged, {"duration": 7}).usd is None

    # They disagree on a 5 s video: the model's data and its page say which one a run uses.
    assert merged.pricing.estimate_from == "table"
    note = pricing_note(merged)
    assert "400 credits (~$0.20) per 5s video (AI registry)" in note
    assert "$0.30 in the table (Built-in catalog)" in note
    assert note.endswith("Estimates use the duration table.")

    # Where each fact came from, with the upstream's address.
    rows = origin_rows(merged)
    assert rows[0] == ["Built-in catalog", "", "everything else"]
    assert rows[1][0] == "Upstream: AI registry"
    assert rows[1][1] == f"{upstream.base_url}/public/ai-registry/models"
    assert "description" in rows[1][2] and "price" in rows[1][2]
    await stop()

    # The same holds after a restart against the same upstream, read back from the store.
    start(monkeypatch, upstream.url)
    restarted = wan(runtime.get_aggregator().snapshot.models)
    assert restarted.pricing == merged.pricing
    assert restarted.origins == merged.origins
    await stop()
