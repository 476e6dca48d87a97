"""One upstream fetch per TTL for every web process on a database, not one per process.

In the scaled mode each web worker holds its own aggregator (its catalog in memory). When a
worker's copy is past the TTL it asks the shared row (`store/catalog_lease.py`) first:

- the stored catalog was refreshed within the TTL: the worker reads it (the stored records and
  statuses, `runtime._stored`) unless its copy is that very generation, and fetches nothing;
- otherwise it tries to take the lease (an atomic conditional UPDATE). The one that gets it fetches
  the sources, stores the result and bumps the generation; the others poll the row until the new
  generation lands and read it, or serve what they have when the holder takes too long;
- a holder that dies leaves a lease that expires after `lease_s`: the next process takes it.

The embedded default (one process, no `DATABASE_URL` or Redis) does not use this: it refreshes in
memory as before (`runtime.refresh_catalog`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from ai_registry.aggregator.service import Aggregator, CatalogSnapshot, SourceStatus, StoredSource
from ai_registry.store import catalog_lease
from ai_registry.store.catalog_lease import RefreshState

log = logging.getLogger(__name__)

Load = Callable[[], tuple[list[StoredSource], list[SourceStatus]]]
Store = Callable[..., None]  # store(snapshot, models=bool)


def holder_name() -> str:
    """This process, as the lease row names it: host, process id and a random part."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SharedRefresh:
    """The refresh of one process's `aggregator`, coordinated through the database with the others."""

    aggregator: Aggregator
    load: Load  # the stored records and statuses
    store: Store  # keep a snapshot in the database
    ttl: float = 300.0
    lease_s: float = 60.0
    wait_s: float = 15.0  # how long a process waits for another's refresh before serving what it has
    poll_s: float = 0.2
    holder: str = field(default_factory=holder_name)
    wall: Callable[[], float] = time.time
    generation: int | None = None  # the stored generation this process's catalog is
    _lock: asyncio.Lock | None = None

    async def refresh(self, *, force: bool = False) -> CatalogSnapshot:
        """The catalog, fresh within the TTL (or refreshed after this call when `force`), fetched
        by at most one process of all those sharing the database."""
        aggregator = self.aggregator
        if not force and aggregator.is_fresh():
            return aggregator.snapshot
        asked = self.wall()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not force and aggregator.is_fresh():
                return aggregator.snapshot
            try:
                return await self._coordinated(force=force, asked=asked)
            except SQLAlchemyError as exc:  # no database to share through: this process fetches alone
                log.warning("shared catalog refresh unavailable, refreshing here: %s", exc)
                return await aggregator.refresh(force=force)

    async def _coordinated(self, *, force: bool, asked: float) -> CatalogSnapshot:
        deadline = time.monotonic() + self.wait_s
        while True:
            now = self.wall()
            # A refresh that started after a forced one was asked for is as good as its own.
            usable_after = asked if force else now - self.ttl
            state = await asyncio.to_thread(catalog_lease.read_state)
            if state.refreshed_at is not None and state.refreshed_at >= usable_after:
                return await self._read(state, now)
            taken = await asyncio.to_thread(
                catalog_lease.try_take, holder=self.holder, now=now, lease_s=self.lease_s, older_than=usable_after
            )
            if taken is not None:
                return await self._fetch(taken)
            if time.monotonic() >= deadline:
                log.warning("%s holds the catalog refresh; serving the catalog held here", state.holder)
                return self.aggregator.snapshot
            await asyncio.sleep(self.poll_s)

    async def _read(self, state: RefreshState, now: float) -> CatalogSnapshot:
        """Take the stored catalog of `state`, refreshed elsewhere (or by this process)."""
        age = max(0.0, now - (state.refreshed_at or now))
        if state.generation == self.generation:
            return self.aggregator.mark_fresh(age=age)
        stored, statuses = await asyncio.to_thread(self.load)
        snapshot = await self.aggregator.adopt(stored, statuses, age=age)
        self.generation = state.generation
        return snapshot

    async def _fetch(self, taken: RefreshState) -> CatalogSnapshot:
        """Holding the lease: fetch, store, bump the generation (or give the lease up on failure)."""
        aggregator = self.aggregator
        behind = taken.generation != self.generation
        try:
            if behind and taken.refreshed_at is not None:
                # Start from the newest stored data, so a source failing now keeps the last good
                # records any process fetched, not only the ones this process saw.
                stored, statuses = await asyncio.to_thread(self.load)
                aggregator.take_stored(stored, statuses)
            before = aggregator.snapshot
            snapshot = await aggregator.refresh(force=True)
        except BaseException:
            self._release()
            raise
        try:
            await asyncio.to_thread(self.store, snapshot, models=behind or snapshot.models is not before.models)
            self.generation = await asyncio.to_thread(catalog_lease.finish, holder=self.holder, now=self.wall())
        except Exception as exc:  # the catalog is served all the same; another process stores the next one
            log.warning("could not store the catalog: %s", exc)
            self._release()
        return snapshot

    def _release(self) -> None:
        try:
            catalog_lease.release(holder=self.holder)  # quick, and it must run even when cancelled
        except SQLAlchemyError as exc:
            log.warning("could not release the catalog refresh lease (it expires by itself): %s", exc)
