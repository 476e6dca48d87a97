"""The process-wide aggregator, wired to the settings, the store and the local engine."""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import lru_cache

import httpx

from ai_registry.aggregator.curation import current_overlay
from ai_registry.aggregator.service import Aggregator, CatalogSnapshot, SourceStatus, StoredSource
from ai_registry.aggregator.shared_refresh import SharedRefresh
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


_shared: SharedRefresh | None = None


def shared_refresh() -> SharedRefresh | None:
    """The coordination of this process's refresh with the others on the database, in the scaled
    mode (`Settings.shared_catalog`); None in the embedded default."""
    global _shared
    settings = get_settings()
    if not settings.shared_catalog:
        return None
    aggregator = get_aggregator()
    if _shared is None or _shared.aggregator is not aggregator:
        _shared = SharedRefresh(
            aggregator, load=_stored, store=store_snapshot, ttl=settings.cache_ttl_s,
            lease_s=settings.catalog_lease_s, wait_s=min(settings.catalog_lease_s, 3 * settings.source_timeout_s + 5),
        )
    return _shared


async def refresh_catalog(*, force: bool = False) -> CatalogSnapshot:
    """Refresh (respecting the TTL unless forced) and store the result when it changed.

    In the scaled mode one process of all those on the database fetches per TTL and the others
    read what it stored (`shared_refresh.py`). Storing thousands of models and indexing them take
    a while: both run off the event loop, and the index of a new catalog is ready before any page
    asks for it.
    """
    aggregator = get_aggregator()
    before = aggregator.snapshot
    shared = shared_refresh()
    if shared is not None:
        snapshot = await shared.refresh(force=force)
        if snapshot.version != before.version:
            await asyncio.to_thread(catalog_index)
        return snapshot
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


_index_cache: dict[tuple[int, int], CatalogIndex] = {}
_index_lock = threading.Lock()


def catalog_index() -> CatalogIndex:
    """The query index of the current snapshot with the admins' curation applied (`index.models` is
    the curated catalog), built once per snapshot version and curation revision.

    A new version's index starts from the last one: only models that changed are indexed again.
    """
    snapshot = get_aggregator().snapshot
    revision, overlay = current_overlay()
    key = (snapshot.version, revision)
    index = _index_cache.get(key)
    if index is not None:
        return index
    with _index_lock:
        index = _index_cache.get(key)
        if index is None:
            models = tuple(overlay.apply(snapshot.models))  # after the merge: a refresh never undoes it
            last = next(iter(_index_cache.values()), None)
            index = last.updated(models) if last is not None else CatalogIndex(models)
            _index_cache.clear()
            _index_cache[key] = index
    return index


def catalog_version() -> int:
    """One number for "the catalog a page shows": it changes with the snapshot and with the curation."""
    return get_aggregator().snapshot.version * 1_000_000 + current_overlay()[0] % 1_000_000


def find_model(slug: str) -> UnifiedAIModel | None:
    """A model of the current (curated) catalog by slug, hidden ones included: callers that serve
    people other than admins check `model.hidden`."""
    return next((m for m in catalog_index().models if m.slug == slug), None)
