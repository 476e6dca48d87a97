"""The stored catalog and source statuses: round trip, replacement, order, bad rows, time zones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from ai_registry.aggregator.runtime import store_snapshot
from ai_registry.aggregator.service import CatalogSnapshot, SourceStatus
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.store.catalog_snapshot import (
    load_catalog,
    load_source_facts,
    load_source_statuses,
    save_catalog,
    save_source_statuses,
)
from ai_registry.store.db import session_scope
from ai_registry.store.tables import CatalogModelRow, SourceStatusRow


@pytest.fixture
def db(migrated_db: Path) -> None:
    """The real migrations, on SQLite and on PostgreSQL."""


@pytest.fixture
def session(db: None) -> Iterator[Session]:
    with session_scope() as s:
        yield s


def upstream_model(model_id: str, slug: str) -> UnifiedAIModel:
    return UnifiedAIModel(
        id=model_id, slug=slug, name=model_id, provider="Up", category="Image", endpoint="/v1/multimodal/image",
        sources=["registry"], created=1700000000, facts={"Example prompt": "a fox"},
    )


def test_roundtrip_keeps_every_field_and_the_order(db: None) -> None:
    models = [*load_builtin_catalog(), upstream_model("flux", "flux"), upstream_model("flux.1", "flux-2")]
    with session_scope() as s:
        save_catalog(session=s, models=models)
    with session_scope() as s:
        loaded = load_catalog(session=s)
    assert loaded == models
    assert loaded[4].pricing.tiers  # the Wan duration table survives
    assert loaded[0].readme


def test_save_replaces_the_previous_catalog(db: None) -> None:
    with session_scope() as s:
        save_catalog(session=s, models=load_builtin_catalog())
    with session_scope() as s:
        save_catalog(session=s, models=[upstream_model("b", "b"), upstream_model("a", "a")])
    with session_scope() as s:
        assert [m.id for m in load_catalog(session=s)] == ["b", "a"]
        assert len(s.exec(select(CatalogModelRow)).all()) == 2


def test_save_can_reuse_ids_and_slugs_in_one_transaction(session: Session) -> None:
    save_catalog(session=session, models=[upstream_model("x", "x")])
    session.flush()
    save_catalog(session=session, models=[upstream_model("x", "x")])
    session.flush()
    assert [m.id for m in load_catalog(session=session)] == ["x"]


def test_empty_store(session: Session) -> None:
    assert load_catalog(session=session) == []
    assert load_source_statuses(session=session) == []


def test_rows_that_no_longer_validate_are_skipped(session: Session) -> None:
    save_catalog(session=session, models=[upstream_model("good", "good")])
    session.add(CatalogModelRow(id="broken-json", slug="broken-json", position=1, data="{not json"))
    session.add(CatalogModelRow(id="old-shape", slug="old-shape", position=2, data='{"id": "old-shape"}'))
    robot = upstream_model("z", "z").model_dump(mode="json") | {"category": "Robots"}
    session.add(CatalogModelRow(id="bad-category", slug="bad-category", position=3, data=json.dumps(robot)))
    session.flush()
    assert [m.id for m in load_catalog(session=session)] == ["good"]


def test_source_statuses_upsert_and_keep_time_zones(db: None) -> None:
    success = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with session_scope() as s:
        save_source_statuses(
            session=s,
            statuses=[
                SourceStatusRow(name="chat", state="ok", last_success=success, last_attempt=success, model_count=3),
                SourceStatusRow(name="registry", state="failed", error="HTTP 500 (upstream error)"),
            ],
        )
    later = success + timedelta(minutes=5)
    with session_scope() as s:
        save_source_statuses(
            session=s,
            statuses=[SourceStatusRow(name="chat", state="stale", error="timed out after 5 s",
                                      last_success=success, last_attempt=later, model_count=3)],
        )
    with session_scope() as s:
        rows = {r.name: r for r in load_source_statuses(session=s)}
    assert list(rows) == ["chat", "registry"]
    chat = rows["chat"]
    assert (chat.state, chat.error, chat.model_count) == ("stale", "timed out after 5 s", 3)
    assert chat.last_success == success and chat.last_success.tzinfo is not None
    assert chat.last_attempt == later
    assert rows["registry"].state == "failed" and rows["registry"].last_success is None


def test_store_snapshot_writes_models_and_statuses(db: None) -> None:
    now = datetime.now(UTC)
    snapshot = CatalogSnapshot(
        models=(*load_builtin_catalog(), upstream_model("flux", "flux")),
        statuses=(
            SourceStatus("chat", "Chat models", "ok", None, now, now, model_count=3),
            SourceStatus("registry", "AI registry", "stale", "HTTP 503 (upstream error)", now, now, 1),
        ),
        refreshed_at=1.0,
        version=3,
    )
    store_snapshot(snapshot)
    with session_scope() as s:
        assert [m.id for m in load_catalog(session=s)] == [m.id for m in snapshot.models]
        rows = {r.name: r for r in load_source_statuses(session=s)}
    assert rows["registry"].state == "stale"
    assert rows["registry"].error == "HTTP 503 (upstream error)"
    assert rows["chat"].last_success == now


FLUX_FACTS = json.dumps(
    {"registry": {"api_root": "http://127.0.0.1:9/v1", "facts": [{"id": "flux", "name": "flux", "category": "image"}]}}
)


def store_flux_from(api_root: str) -> None:
    facts = FLUX_FACTS.replace("http://127.0.0.1:9/v1", api_root)
    with session_scope() as s:
        save_catalog(
            session=s, models=[*load_builtin_catalog(), upstream_model("flux", "flux")], source_facts={"flux": facts}
        )
        save_source_statuses(session=s, statuses=[SourceStatusRow(name="registry", url=api_root, state="ok")])


def test_source_facts_round_trip_in_catalog_order_and_skip_rows_without(session: Session) -> None:
    models = [upstream_model("b", "b"), upstream_model("a", "a"), upstream_model("c", "c")]
    save_catalog(session=session, models=models, source_facts={"a": '{"chat": 1}', "b": '{"chat": 2}'})
    session.flush()
    assert load_source_facts(session=session) == ['{"chat": 2}', '{"chat": 1}']
    assert [m.id for m in load_catalog(session=session)] == ["b", "a", "c"]


def test_restart_with_a_stored_catalog_serves_it_before_any_fetch(db: None, monkeypatch) -> None:
    from ai_registry.aggregator.runtime import get_aggregator
    from tests.conftest import clear_process_caches

    store_flux_from("http://127.0.0.1:9/v1")
    monkeypatch.setenv("AINATIVE_API_BASE", "http://127.0.0.1:9")
    clear_process_caches()
    aggregator = get_aggregator()
    assert aggregator.api_root == "http://127.0.0.1:9/v1"
    assert "flux" in {m.id for m in aggregator.snapshot.models}
    assert len({m.slug for m in aggregator.snapshot.models}) == len(aggregator.snapshot.models)
    registry = next(s for s in aggregator.snapshot.statuses if s.name == "registry")
    assert registry.state == "ok" and registry.url == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("base", [None, "http://127.0.0.1:10"], ids=["upstream removed", "upstream moved"])
def test_restart_forgets_the_records_of_a_source_no_longer_configured(
    db: None, monkeypatch, base: str | None
) -> None:
    """Issue 17: the stored records of a removed (or moved) upstream leave the catalog at the next start."""
    from ai_registry.aggregator.runtime import get_aggregator
    from tests.conftest import clear_process_caches

    store_flux_from("http://127.0.0.1:9/v1")
    if base is not None:
        monkeypatch.setenv("AINATIVE_API_BASE", base)
    clear_process_caches()
    snapshot = get_aggregator().snapshot
    assert "flux" not in {m.id for m in snapshot.models}
    assert all(m.sources in (["builtin"], ["local"]) for m in snapshot.models)
    assert {m.id for m in load_builtin_catalog()} <= {m.id for m in snapshot.models}
    # The old address's status is not shown for the new one either.
    assert all(s.url == get_aggregator().api_root for s in snapshot.statuses)


def test_rows_stored_before_source_facts_feed_nothing(db: None, monkeypatch) -> None:
    """A catalog stored before the source facts column cannot say where its models came from."""
    from ai_registry.aggregator.runtime import get_aggregator
    from tests.conftest import clear_process_caches

    with session_scope() as s:
        save_catalog(session=s, models=[*load_builtin_catalog(), upstream_model("flux", "flux")])
    monkeypatch.setenv("AINATIVE_API_BASE", "http://127.0.0.1:9")
    clear_process_caches()
    assert "flux" not in {m.id for m in get_aggregator().snapshot.models}


def test_an_unmigrated_database_costs_only_the_warm_start(isolated_data_dir: Path) -> None:
    from ai_registry.aggregator.runtime import get_aggregator

    snapshot = get_aggregator().snapshot  # no tables at all
    assert {m.id for m in load_builtin_catalog()} <= {m.id for m in snapshot.models}
