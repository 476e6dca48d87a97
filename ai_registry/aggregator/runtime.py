"""The process-wide aggregator, wired to the settings, the store and the local engine."""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import lru_cache

import httpx

from ai_registry.aggregator.service import Aggregator, CatalogSnapshot, SourceStatus, StoredSource
from ai_registry.aggregator.stored_sources import facts_by_model, health_from_json, health_json, sources_from_rows
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.query import CatalogIndex
from ai_registry.settings import get_settings
from ai_registry.store.catalog_snapshot import (
    load_source_facts,
    load_source_statuses,
    save_catalog,
    save_source_statuses,
)
from ai_registry.store.db import session_scope
from ai_registry.store.tables import SourceStatusRow
from ai_registry.store.upstream_key import upstream_api_key

log = logging.getLogger(__name__)


def local_catalog() -> list[UnifiedAIModel]:
    """The local engine's models; empty when the engine package is not there."""
    try:
        from ai_registry.local.catalog import local_models
    except ImportError:
        return []
    return local_models()


def _stored() -> tuple[list[StoredSource], list[SourceStatus]]:
    """Each source's stored records and status; the aggregator keeps those of the sources configured now."""
    try:
        with session_scope() as session:
            facts = load_source_facts(session=session)
            rows = load_source_statuses(session=session)
    except Exception as exc:  # a missing or unmigrated database only costs the warm start
        log.warning("stored catalog unavailable: %s", exc)
        return [], []
    statuses = [
        SourceStatus(r.name, r.name, r.state, r.error, r.last_success, r.last_attempt, r.model_count, url=r.url)
        for r in rows
    ]
    answers = [health_from_json(r.name, r.url, r.last_good) for r in rows]
    return [*sources_from_rows(facts), *(a for a in answers if a is not None)], statuses


@lru_cache(maxsize=1)
def get_aggregator() -> Aggregator:
    """Built on first use: seeded from the store, so the last catalog shows before any fetch."""
    settings = get_settings()
    client = httpx.AsyncClient(follow_redirects=True) if settings.api_root else None
    aggregator = Aggregator(
        builtin=load_builtin_catalog,
        client=client,
        api_root=settings.api_root,
        api_key=upstream_api_key,
        local=local_catalog,
        timeout=settings.source_timeout_s,
        ttl=settings.cache_ttl_s,
        max_bytes=settings.max_source_bytes,
    )
    stored, statuses = _stored()
    aggregator.seed(stored, statuses)
    return aggregator


def store_snapshot(snapshot: CatalogSnapshot, *, models: bool = True) -> None:
    """Keep the merged catalog (unless `models` is False: it did not change) and statuses for the next start."""
    with session_scope() as session:
        if models:
            source_facts = facts_by_model(snapshot.source_records, snapshot.models)
            save_catalog(session=session, models=snapshot.models, source_facts=source_facts)
        answers = {r.name: health_json(r.health) for r in snapshot.source_records if r.health is not None}
        save_source_statuses(
            session=session,
            statuses=[
                SourceStatusRow(
                    name=s.name,
                    url=s.url,
                    state=s.state,
                    error=s.error,
                    last_success=s.last_success,
                    last_attempt=s.last_attempt,
                    model_count=s.model_count,
                    last_good=answers.get(s.name),
                )
                for s in snapshot.statuses
            ],
        )


async def refresh_catalog(*, force: bool = False) -> CatalogSnapshot:
    """Refresh (respecting the TTL unless forced) and store the result when it changed.

    Storing thousands of models and indexing them take a while: both run off the event loop, and
    the index of a new catalog is ready before any page asks for it.
    """
    aggregator = get_aggregator()
    before = aggregator.snapshot
    snapshot = await aggregator.refresh(force=force)
    if snapshot is not before:
        try:
            await asyncio.to_thread(store_snapshot, snapshot, models=snapshot.models is not before.models)
        except Exception as exc:
            log.warning("could not store the catalog: %s", exc)
    if snapshot.version != before.version:
        await asyncio.to_thread(catalog_index)
    _cache_thumbnails_later(snapshot)
    return snapshot


_thumbnail_tasks: set[asyncio.Task] = set()


def _cache_thumbnails_later(snapshot: CatalogSnapshot) -> None:
    """Fetch the catalog's new upstream thumbnails in the background (issue 15): never on the request path."""
    from ai_registry.media.thumbnail_cache import cache_thumbnails

    urls = [m.thumbnail_url for m in snapshot.models if m.thumbnail_url]
    if not urls or _thumbnail_tasks:
        return
    task = asyncio.get_running_loop().create_task(cache_thumbnails(urls))
    _thumbnail_tasks.add(task)
    task.add_done_callback(_thumbnail_tasks.discard)


_index_cache: dict[int, CatalogIndex] = {}
_index_lock = threading.Lock()


def catalog_index() -> CatalogIndex:
    """The query index of the current snapshot, built once per snapshot version.

    A new version's index starts from the last one: only models that changed are indexed again.
    """
    snapshot = get_aggregator().snapshot
    index = _index_cache.get(snapshot.version)
    if index is not None:
        return index
    with _index_lock:
        index = _index_cache.get(snapshot.version)
        if index is None:
            last = next(iter(_index_cache.values()), None)
            index = last.updated(snapshot.models) if last is not None else CatalogIndex(snapshot.models)
            _index_cache.clear()
            _index_cache[snapshot.version] = index
    return index


def find_model(slug: str) -> UnifiedAIModel | None:
    """A model of the current catalog by slug."""
    return next((m for m in get_aggregator().snapshot.models if m.slug == slug), None)
