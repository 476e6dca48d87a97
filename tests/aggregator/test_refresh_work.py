"""A refresh does only the work its new data needs: unchanged bodies are skipped, merges and the index
are incremental, and the large-body path in a worker process gives the same snapshot as in-process."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from ai_registry.aggregator import service as service_module
from ai_registry.aggregator.merge import IncrementalMerge, SourceFacts, merge_catalog
from ai_registry.aggregator.normalize import Health, normalize_registry_models
from ai_registry.aggregator.refresh_worker import parse_in_worker
from ai_registry.aggregator.service import Aggregator
from ai_registry.aggregator.sources import SOURCES
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import CATEGORIES
from ai_registry.catalog.query import SORT_ORDERS, CatalogIndex
from tests.support.contract_server import ContractServer, Fault
from tests.support.synthetic import synthetic_registry_models

KEY = "refresh-work-key"
REGISTRY = next(s for s in SOURCES if s.name == "registry")


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


class Counting:
    """Wraps a function and counts its calls."""

    def __init__(self, fn) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kw):
        self.calls += 1
        return self.fn(*args, **kw)


def make(srv: ContractServer, client: httpx.AsyncClient, **kw: Any) -> Aggregator:
    options: dict[str, Any] = {
        "builtin": load_builtin_catalog,
        "client": client,
        "api_root": srv.base_url,
        "api_key": lambda: KEY,
        "timeout": 10.0,
        "ttl": 60.0,
        "max_bytes": 50_000_000,
    }
    options.update(kw)
    return Aggregator(**options)


def counting_sources() -> tuple[tuple, dict[str, Counting]]:
    parsers = {spec.name: Counting(spec.parse) for spec in SOURCES}
    return tuple(replace(spec, parse=parsers[spec.name]) for spec in SOURCES), parsers


def mutate(records: list[dict], rng: random.Random, n: int) -> list[dict]:
    """`records` with about `n` changed, removed or added."""
    records = [dict(r) for r in records]
    for _ in range(n):
        what = rng.choice(("change", "remove", "add"))
        if what == "change" and records:
            r = rng.choice(records)
            r["name"] = f"Renamed {rng.randrange(10**6)}"
            r["created"] = 1_600_000_000 + rng.randrange(150_000_000)
        elif what == "remove" and records:
            records.pop(rng.randrange(len(records)))
        else:
            i = rng.randrange(10**6)
            records.insert(rng.randrange(len(records) + 1), {
                "id": f"added-{i}", "name": f"Added {i}", "category": rng.choice(("image", "video", "coding")),
                "description": "new", "created": None if i % 4 == 0 else 1_600_000_000 + i,
            })
    return records


# -- the hash of the raw body ------------------------------------------------------------------------


async def test_an_unchanged_body_costs_no_normalize_and_no_merge(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    srv.registry_models = synthetic_registry_models(50)
    sources, parsers = counting_sources()
    builtin = Counting(load_builtin_catalog)  # called once per merge
    aggregator = make(srv, client, sources=sources, builtin=builtin)
    first = await aggregator.refresh(force=True)
    assert all(p.calls == 1 for p in parsers.values())
    merges = builtin.calls
    assert merges >= 1

    second = await aggregator.refresh(force=True)
    assert all(p.calls == 1 for p in parsers.values()), "an unchanged body was normalized again"
    assert builtin.calls == merges, "an unchanged catalog was merged again"
    assert second.models is first.models and second.version == first.version
    registry = next(s for s in second.statuses if s.name == "registry")
    assert registry.state == "ok" and registry.model_count == 50
    assert registry.last_success > next(s for s in first.statuses if s.name == "registry").last_success

    srv.registry_models = synthetic_registry_models(51)  # a real change is read and merged
    third = await aggregator.refresh(force=True)
    assert parsers["registry"].calls == 2 and parsers["chat"].calls == 1
    assert builtin.calls == merges + 1
    assert len(third.models) == len(first.models) + 1


async def test_a_failure_after_an_unchanged_body_keeps_the_data_stale(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    srv.registry_models = synthetic_registry_models(5)
    sources, parsers = counting_sources()
    aggregator = make(srv, client, sources=sources)
    await aggregator.refresh(force=True)
    srv.set_fault("/public/ai-registry/models", Fault(status=500, times=1))
    failed = await aggregator.refresh(force=True)
    assert next(s for s in failed.statuses if s.name == "registry").state == "stale"
    assert sum(m.id.startswith("synthetic-") for m in failed.models) == 5
    recovered = await aggregator.refresh(force=True)  # the same bytes as the last good answer
    status = next(s for s in recovered.statuses if s.name == "registry")
    assert status.state == "ok" and status.error is None and status.model_count == 5
    assert parsers["registry"].calls == 1


# -- incremental merge and index ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_merge_equals_a_full_merge(seed: int) -> None:
    rng = random.Random(seed)
    records = synthetic_registry_models(300, seed=seed) + [{"id": "gpt-4", "description": "upstream"}]
    merger = IncrementalMerge()
    previous = normalize_registry_models(records).facts
    health = Health("ok", {"image": False})
    for step in range(4):
        records = mutate(records, rng, 20)
        current = normalize_registry_models(records)
        # Unchanged records keep their objects, as the worker's diffs make them.
        before = {f.id: f for f in previous}
        facts = [before[f.id] if before.get(f.id) == f else f for f in current.facts]
        contributions = [SourceFacts("registry", facts, "Coding", rich=True, label="AI registry")]
        got = merger.merge(load_builtin_catalog(), contributions, health=health if step % 2 else None)
        want = merge_catalog(load_builtin_catalog(), contributions, health=health if step % 2 else None)
        assert got == want
        previous = facts
        if step:
            assert merger.merged_last < len(want) / 2


def random_catalog(rng: random.Random, n: int) -> list:
    return merge_catalog(load_builtin_catalog(), [
        SourceFacts("registry", normalize_registry_models(mutate(synthetic_registry_models(n), rng, 30)).facts,
                    "Coding", rich=True)
    ])


def assert_same_answers(got: CatalogIndex, want: CatalogIndex) -> None:
    for q in ("", "swift", "otter 12", "acme", "renamed", "added", "zzz"):
        assert got.facets(q=q) == want.facets(q=q)
        for category in CATEGORIES:
            for sort in SORT_ORDERS:
                assert got.query(category=category, q=q, sort=sort) == want.query(category=category, q=q, sort=sort)


@pytest.mark.parametrize("seed", [4, 5, 6])
@pytest.mark.parametrize("changes", [3, 200])
def test_incremental_index_answers_as_a_full_rebuild(seed: int, changes: int) -> None:
    rng = random.Random(seed)
    models = random_catalog(rng, 400)
    index = CatalogIndex(models)
    for _ in range(3):
        models = list(models)
        for _ in range(changes):
            i = rng.randrange(len(models))
            what = rng.random()
            if what < 0.4:
                models[i] = models[i].model_copy(update={
                    "name": f"Renamed {rng.randrange(1000)}", "created": rng.choice((None, rng.randrange(10**9)))
                })
            elif what < 0.7:
                models.pop(i)
            else:
                models.insert(i, models[rng.randrange(len(models))].model_copy(
                    update={"id": f"added-{rng.randrange(10**6)}", "category": rng.choice(CATEGORIES[1:])}
                ))
        index = index.updated(models)
        assert len(index) == len(models)
        assert_same_answers(index, CatalogIndex(models))


# -- the worker process -------------------------------------------------------------------------------


def test_the_worker_sends_back_only_what_changed() -> None:
    records = synthetic_registry_models(100)
    first_body = httpx.Response(200, json={"models": records}).content
    whole = parse_in_worker(REGISTRY, first_body, "a", None)
    assert whole.whole is not None and len(whole.whole.facts) == 100
    records[10] = {**records[10], "name": "Changed"}
    diff = parse_in_worker(REGISTRY, httpx.Response(200, json={"models": records}).content, "b", "a")
    assert diff.whole is None and list(diff.changed) == [records[10]["id"]]
    full = diff.apply(whole.whole)
    assert full == normalize_registry_models({"models": records})
    assert full.facts[0] is whole.whole.facts[0]  # unchanged records keep their objects
    stale_base = parse_in_worker(REGISTRY, first_body, "c", "not-held")
    assert stale_base.whole is not None


async def test_the_process_path_gives_the_same_snapshot_as_in_process(
    srv: ContractServer, client: httpx.AsyncClient
) -> None:
    rng = random.Random(9)
    records = synthetic_registry_models(400)
    srv.registry_models = records
    in_process = make(srv, client, process_bytes=None)
    worker = make(srv, client, process_bytes=1)  # every body through the worker process
    try:
        for step in range(3):
            a = await in_process.refresh(force=True)
            b = await worker.refresh(force=True)
            assert a.models == b.models
            assert [(s.name, s.state, s.model_count) for s in a.statuses] == [
                (s.name, s.state, s.model_count) for s in b.statuses
            ]
            assert worker.worker is not None
            if step:
                assert worker._merge.merged_last < len(records) / 2  # only the changed models were merged
            records = mutate(records, rng, 10)
            srv.registry_models = records
    finally:
        worker.close()
    assert service_module.RefreshWorker is not None
