"""The catalog refresh shared across processes: one upstream fetch per source per TTL for every web
process on a database (SQLite and PostgreSQL), the others read what it stored; a lease holder that
dies blocks nobody for longer than its lease."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from ai_registry.aggregator import runtime
from ai_registry.aggregator.service import Aggregator
from ai_registry.aggregator.shared_refresh import SharedRefresh
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.store import catalog_lease
from tests.support.contract_server import ContractServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "shared-refresh-key"
TTL = 60.0
SOURCE_PATHS = {
    "chat": "/models",
    "embeddings": "/public/embeddings/models",
    "registry": "/public/ai-registry/models",
    "health": "/multimodal/health",
}
FLUX = {
    "id": "flux-1-schnell", "name": "FLUX.1 schnell", "provider": "Black Forest Labs", "category": "image",
    "capabilities": ["text-to-image"], "endpoint": "/v1/multimodal/image",
}  # fmt: skip
WAN = {**FLUX, "id": "wan-2-2-fast", "name": "Wan 2.2 fast", "category": "video", "capabilities": ["text-to-video"]}


class Clock:
    """One clock the test moves by hand, read as wall time by the lease and as monotonic time by the
    aggregators (only differences of it matter to them)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server() -> Iterator[ContractServer]:
    with ContractServer(api_key=KEY, prefix="/v1") as srv:
        yield srv


@pytest.fixture
def srv(server: ContractServer) -> Iterator[ContractServer]:
    server.reset()
    server.registry_models = [FLUX]
    yield server
    server.reset()


@pytest.fixture
async def clients() -> AsyncIterator[list[httpx.AsyncClient]]:
    """One HTTP client per simulated process."""
    async with httpx.AsyncClient() as a, httpx.AsyncClient() as b, httpx.AsyncClient() as c:
        yield [a, b, c]


def fetches(srv: ContractServer) -> dict[str, int]:
    return {name: len(srv.requests_to(path)) for name, path in SOURCE_PATHS.items()}


def once_each(times: int) -> dict[str, int]:
    return dict.fromkeys(SOURCE_PATHS, times)


def process(srv: ContractServer, client: httpx.AsyncClient, clock: Clock, **options: float) -> SharedRefresh:
    """One web process's catalog: its own aggregator (its own memory), sharing only the database."""
    aggregator = Aggregator(
        builtin=load_builtin_catalog, client=client, api_root=srv.base_url, api_key=lambda: KEY,
        timeout=2.0, ttl=TTL, clock=clock,
    )  # fmt: skip
    aggregator.seed(*runtime._stored())
    return SharedRefresh(
        aggregator, load=runtime._stored, store=runtime.store_snapshot, ttl=TTL, wall=clock, poll_s=0.05,
        **options,
    )  # fmt: skip


def ids(shared: SharedRefresh) -> set[str]:
    return {m.id for m in shared.aggregator.snapshot.models}


async def test_processes_fetch_once_per_ttl_and_read_the_rest(
    migrated_db: Path, database: str, srv: ContractServer, clients: list[httpx.AsyncClient]
) -> None:
    clock = Clock()
    a, b, c = (process(srv, client, clock) for client in clients)

    first = await a.refresh()
    assert fetches(srv) == once_each(1)
    assert "flux-1-schnell" in {m.id for m in first.models}
    assert all(s.state == "ok" for s in first.statuses), first.statuses
    # The other processes read what the first one stored: the same catalog, no request upstream.
    for other in (b, c):
        snapshot = await other.refresh()
        assert {m.id for m in snapshot.models} == {m.id for m in first.models}
        assert [(s.name, s.label, s.state) for s in snapshot.statuses] == [
            (s.name, s.label, s.state) for s in first.statuses
        ]
        assert other.aggregator.is_fresh()
    assert fetches(srv) == once_each(1)

    # Within the TTL nobody asks anybody.
    clock.now += TTL / 2
    for shared in (a, b, c):
        await shared.refresh()
    assert fetches(srv) == once_each(1)

    # Past the TTL the upstream changed: whichever process asks first fetches it, once; the rest read it.
    srv.registry_models = [FLUX, WAN]
    clock.now += TTL
    await b.refresh()
    assert fetches(srv) == once_each(2)
    for shared in (a, c):
        await shared.refresh()
        assert "wan-2-2-fast" in ids(shared)
    assert fetches(srv) == once_each(2)

    # All three at the same moment, the upstream slow: still one fetch per source.
    srv.set_latency(0.3)
    clock.now += TTL + 1
    await asyncio.gather(a.refresh(), b.refresh(), c.refresh())
    assert fetches(srv) == once_each(3)
    assert ids(a) == ids(b) == ids(c)
    assert len({shared.generation for shared in (a, b, c)}) == 1

    # A forced refresh (the developer's "Refresh now") fetches at once, whatever the TTL says.
    srv.set_latency(0)
    clock.now += 1
    await c.refresh(force=True)
    assert fetches(srv) == once_each(4)
    state = catalog_lease.read_state()
    assert state.holder is None and state.lease_until is None and state.generation == 4


async def test_a_dead_lease_holder_blocks_refreshes_only_until_its_lease_expires(
    migrated_db: Path, database: str, srv: ContractServer, clients: list[httpx.AsyncClient]
) -> None:
    clock = Clock()
    # A process took the lease and died before storing anything.
    assert catalog_lease.try_take(holder="dead:1:x", now=clock.now, lease_s=30, older_than=clock.now) is not None
    # Someone else holds the lease, so this process waits (bounded), then serves what it holds.
    shared = process(srv, clients[0], clock, wait_s=0.3)
    started = time.monotonic()
    snapshot = await shared.refresh()
    assert time.monotonic() - started < 5
    assert fetches(srv) == once_each(0)
    assert "flux-1-schnell" not in {m.id for m in snapshot.models}
    assert not shared.aggregator.is_fresh()  # so the next request asks again

    clock.now += 31  # the lease ran out
    snapshot = await shared.refresh()
    assert fetches(srv) == once_each(1)
    assert "flux-1-schnell" in {m.id for m in snapshot.models}
    state = catalog_lease.read_state()
    assert state.holder is None and state.generation == 1 and state.refreshed_at == clock.now


def test_the_lease_is_taken_by_one_of_many_at_once(migrated_db: Path, database: str) -> None:
    now = time.time()

    async def race() -> list[catalog_lease.RefreshState | None]:
        takes = [
            asyncio.to_thread(catalog_lease.try_take, holder=f"h{i}", now=now, lease_s=30, older_than=now)
            for i in range(6)
        ]
        return await asyncio.gather(*takes)

    first = asyncio.run(race())  # the first refresh of the database: the INSERT race
    assert sum(taken is not None for taken in first) == 1
    winner = next(taken for taken in first if taken is not None).holder
    assert catalog_lease.finish(holder=winner, now=now) == 1
    later = asyncio.run(race())  # refreshed at `now`: nobody may take it for an older copy
    assert later == [None] * 6
    catalog_lease.release(holder="nobody")
    assert catalog_lease.read_state().holder is None


# -- real processes ---------------------------------------------------------------------------------

REFRESH = """
import asyncio, json, sys, time
from ai_registry.aggregator import runtime
start_at = float(sys.argv[1])
runtime.get_aggregator()  # seeded from the store, like a web worker at start
time.sleep(max(0.0, start_at - time.time()))
snapshot = asyncio.run(runtime.refresh_catalog())
print(json.dumps({"ids": sorted(m.id for m in snapshot.models), "states": [s.state for s in snapshot.statuses]}))
"""


def environment(srv: ContractServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ, "PYTHONPATH": str(ROOT), "AINATIVE_API_BASE": srv.url, "AINATIVE_API_PREFIX": "/v1",
        "AINATIVE_API_KEY": KEY, "AI_REGISTRY_CATALOG_REFRESH": "shared", **extra,
    }  # fmt: skip


def start(env: dict[str, str], start_at: float) -> subprocess.Popen:
    command = [sys.executable, "-c", REFRESH, str(start_at)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_three_processes_fetch_each_source_once(migrated_db: Path, database: str, srv: ContractServer) -> None:
    srv.set_latency(0.2)
    env = environment(srv)
    start_at = time.time() + 5.0  # room for three interpreters to import the app
    outcomes = [result(p) for p in [start(env, start_at) for _ in range(3)]]
    assert fetches(srv) == once_each(1)
    assert all("flux-1-schnell" in o["ids"] for o in outcomes)
    assert outcomes[0]["ids"] == outcomes[1]["ids"] == outcomes[2]["ids"]
    assert all(o["states"] == ["ok"] * 4 for o in outcomes), outcomes


def test_a_killed_holder_does_not_stop_the_next_process(migrated_db: Path, database: str, srv: ContractServer) -> None:
    srv.set_latency(4.0)  # the first process hangs in its fetch, holding the lease
    doomed = start(environment(srv, AI_REGISTRY_CATALOG_LEASE_S="3"), 0)
    deadline = time.monotonic() + 60
    while catalog_lease.read_state().holder is None:
        assert time.monotonic() < deadline and doomed.poll() is None, "the first process never took the lease"
        time.sleep(0.1)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=30)
    taken_by = catalog_lease.read_state()
    assert taken_by.holder is not None and taken_by.generation == 0
    srv.set_latency(0)

    outcome = result(start(environment(srv, AI_REGISTRY_CATALOG_LEASE_S="3"), 0))
    assert "flux-1-schnell" in outcome["ids"] and outcome["states"] == ["ok"] * 4
    state = catalog_lease.read_state()
    assert state.generation == 1 and state.holder is None
