"""The aggregator: fetch every source at once, keep the last good data, merge, cache with a TTL."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

import httpx

from ai_registry.aggregator.merge import IncrementalMerge, SourceFacts
from ai_registry.aggregator.normalize import Health, Normalized, UpstreamFacts
from ai_registry.aggregator.refresh_worker import ParsedBody, RefreshWorker, keep_unchanged
from ai_registry.aggregator.sources import SOURCES, SourceError, SourceSpec, auth_headers, fetch_body, parse_body
from ai_registry.catalog.models import SourceOrigin, UnifiedAIModel

log = logging.getLogger(__name__)

SourceState = Literal["ok", "stale", "failed", "skipped"]


@dataclass(frozen=True)
class SourceStatus:
    """How one source fared: ok, stale (failing, last good data in use), failed (never worked), skipped."""

    name: str
    label: str
    state: SourceState = "ok"
    error: str | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    model_count: int = 0
    skipped_records: int = 0
    url: str | None = None  # the upstream API root this status is about


@dataclass(frozen=True)
class StoredSource:
    """One source's last good records as the store keeps them, with the API root they came from."""

    name: str
    api_root: str
    facts: Sequence[UpstreamFacts] = ()
    health: Health | None = None  # the health source's answer instead of records


@dataclass(frozen=True)
class CatalogSnapshot:
    """The merged catalog at one moment, with the status of every source."""

    models: tuple[UnifiedAIModel, ...]
    statuses: tuple[SourceStatus, ...]
    refreshed_at: float  # monotonic clock
    version: int = 0
    # The last good records of each source behind `models`, for the store (see `Aggregator.seed`).
    source_records: tuple[StoredSource, ...] = ()

    @property
    def degraded(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.statuses if s.state in ("stale", "failed"))


@dataclass
class _SourceMemory:
    last_good: object | None = None  # Normalized or Health
    status: SourceStatus | None = None
    fetched_from: str | None = None  # the API root `last_good` came from
    body_hash: str | None = None  # the hash of the raw body `last_good` was read from


@dataclass
class Aggregator:
    """Aggregates the built-in catalog, the local engine and the upstream's list endpoints.

    `client` is injected (tests swap its transport); `api_root` None means no upstream is set.
    """

    builtin: Callable[[], list[UnifiedAIModel]]
    client: httpx.AsyncClient | None = None
    api_root: str | None = None
    api_key: Callable[[], str | None] = lambda: None
    local: Callable[[], list[UnifiedAIModel]] | None = None
    timeout: float = 5.0
    ttl: float = 300.0
    max_bytes: int = 5_000_000
    sources: Sequence[SourceSpec] = SOURCES
    clock: Callable[[], float] = time.monotonic
    # A body at least this large is decoded and normalized in the refresh worker process (None: never).
    process_bytes: int | None = 1_000_000
    # A body at least this large (and smaller than `process_bytes`) is read in a thread.
    thread_bytes: int = 256 * 1024
    worker: RefreshWorker | None = None
    _merge: IncrementalMerge = field(default_factory=IncrementalMerge)
    _memory: dict[str, _SourceMemory] = field(default_factory=dict)
    _snapshot: CatalogSnapshot | None = None
    _lock: asyncio.Lock | None = None
    _version: int = 0
    _local_seen: list[UnifiedAIModel] | None = None
    _taken: bool = False  # `take_stored` changed a source's data since the last build

    def seed(self, stored: Sequence[StoredSource], statuses: Sequence[SourceStatus] = ()) -> None:
        """Start from what the store kept, so a restart with every upstream down serves it at once.

        Only the records of a source configured now, at the same API root, count as its last good
        data: a source that was removed, or whose address changed, feeds nothing (issue 17).
        Statuses count only for that same address.
        """
        configured = {spec.name for spec in self.sources} if self.api_root else set()
        by_name = {s.name: s for s in statuses if s.url is not None and s.url == self.api_root}
        for record in stored:
            if record.name not in configured or record.api_root != self.api_root:
                continue
            memory = self._memory.setdefault(record.name, _SourceMemory())
            if memory.last_good is None and (record.facts or record.health is not None):
                memory.last_good = record.health if record.health is not None else Normalized(facts=list(record.facts))
                memory.fetched_from = record.api_root
        for name in configured & by_name.keys():
            memory = self._memory.setdefault(name, _SourceMemory())
            if memory.status is None:
                memory.status = by_name[name]
        self._snapshot = self._build(stale_ok=True)

    def stored_sources(self) -> list[StoredSource]:
        """The last good data of every source that feeds the catalog now, for the store."""
        if self.api_root is None:
            return []
        stored = []
        for spec in self.sources:
            memory = self._memory.get(spec.name)
            if memory is None or not memory.fetched_from:
                continue
            if isinstance(memory.last_good, Normalized):
                stored.append(StoredSource(spec.name, memory.fetched_from, memory.last_good.facts))
            elif isinstance(memory.last_good, Health):
                stored.append(StoredSource(spec.name, memory.fetched_from, health=memory.last_good))
        return stored

    @property
    def snapshot(self) -> CatalogSnapshot:
        """The current catalog; built from what is known without any I/O when nothing was fetched yet."""
        if self._snapshot is None:
            self._snapshot = self._build(stale_ok=True)
        return self._snapshot

    def is_fresh(self) -> bool:
        snap = self._snapshot
        fetched = snap is not None and snap.refreshed_at > 0
        return fetched and (self.clock() - snap.refreshed_at) < self.ttl

    async def refresh(self, *, force: bool = False) -> CatalogSnapshot:
        """Fetch every source concurrently unless the cache is fresh; never raises for a bad source."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        if not force and self.is_fresh():
            return self.snapshot
        async with self._lock:
            if not force and self.is_fresh():
                return self.snapshot
            previous = self.snapshot
            changed = previous.refreshed_at == 0 or self._taken  # the first fetch always builds anew
            self._taken = False
            if self.api_root and self.client is not None:
                key = self.api_key()
                specs = list(self.sources)
                results = await asyncio.gather(
                    *(self._fetch(spec, key) for spec in specs), return_exceptions=True
                )
                now = datetime.now(UTC)
                for spec, result in zip(specs, results, strict=True):
                    changed = self._record(spec, result, now) or changed
            # Merging thousands of models takes a while: off the event loop, so pages stay responsive.
            self._snapshot = await asyncio.to_thread(
                self._build, stale_ok=False, previous=None if changed else previous
            )
            return self._snapshot

    def take_stored(self, stored: Sequence[StoredSource], statuses: Sequence[SourceStatus] = ()) -> bool:
        """Take another process's refresh (its stored records and statuses) as this one's last good
        data; True when some source's data differs from what this process held. Unlike `seed`, the
        stored data replaces what is held: it is newer. A source the store has nothing for keeps its own."""
        configured = {spec.name: spec for spec in self.sources} if self.api_root else {}
        by_name = {s.name: s for s in statuses if s.url is not None and s.url == self.api_root}
        changed = False
        for record in stored:
            if record.name not in configured or record.api_root != self.api_root:
                continue
            memory = self._memory.setdefault(record.name, _SourceMemory())
            old = memory.last_good
            if record.health is not None:
                same, new = old == record.health, record.health
            else:
                same = isinstance(old, Normalized) and list(old.facts) == list(record.facts)
                new = keep_unchanged(old, Normalized(facts=list(record.facts)))
            if not same or memory.fetched_from != self.api_root:
                memory.last_good, memory.body_hash, memory.fetched_from = new, None, self.api_root
                changed = True
        for name, status in by_name.items():
            if name in configured:  # the store keeps no label: the spec has it
                memory = self._memory.setdefault(name, _SourceMemory())
                memory.status = replace(status, label=configured[name].label)
        self._taken = self._taken or changed
        return changed

    async def adopt(
        self, stored: Sequence[StoredSource], statuses: Sequence[SourceStatus] = (), *, age: float = 0.0
    ) -> CatalogSnapshot:
        """The catalog another process refreshed `age` seconds ago, as this process's own: fresh for
        what is left of the TTL, without fetching anything."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            previous = self.snapshot
            changed = self.take_stored(stored, statuses) or previous.refreshed_at == 0 or self._taken
            self._taken = False
            built = await asyncio.to_thread(self._build, stale_ok=False, previous=None if changed else previous)
            self._snapshot = replace(built, refreshed_at=self.clock() - max(0.0, age))
            return self._snapshot

    def mark_fresh(self, *, age: float = 0.0) -> CatalogSnapshot:
        """The current catalog, fresh as of `age` seconds ago (the stored copy is this process's own)."""
        self._snapshot = replace(self.snapshot, refreshed_at=self.clock() - max(0.0, age))
        return self._snapshot

    async def _fetch(self, spec: SourceSpec, key: str | None) -> object:
        if spec.needs_key and not key:
            return _Skip("needs an upstream API key (AINATIVE_API_KEY or developer settings)")
        body = await fetch_body(
            self.client, self.api_root + spec.path, timeout=self.timeout, max_bytes=self.max_bytes,
            headers=auth_headers(key),
        )
        # The same bytes as the last good answer: nothing to decode, normalize, merge or index.
        digest = hashlib.sha256(body).hexdigest()
        memory = self._memory.get(spec.name)
        if memory is not None and memory.last_good is not None and memory.body_hash == digest:
            return _Unchanged(digest)
        previous = memory.last_good if memory is not None else None
        large = self.process_bytes is not None and len(body) >= self.process_bytes
        if large and isinstance(previous, Normalized | None):
            if self.worker is None:
                self.worker = RefreshWorker()
            base = memory.body_hash if memory is not None and previous is not None else None
            parsed: ParsedBody = await self.worker.parse(spec, body, digest, base)
            result = parsed.apply(previous)
            return _Parsed(result, digest, same=result is previous)
        if len(body) >= self.thread_bytes:  # `_read` compares records: off the event loop too
            return await asyncio.to_thread(_read, spec, body, digest, previous)
        return _read(spec, body, digest, previous)

    def close(self) -> None:
        """Stop the refresh worker process, if one was started."""
        if self.worker is not None:
            self.worker.shutdown()

    def _record(self, spec: SourceSpec, result: object, now: datetime) -> bool:
        """Keep one source's answer; True when its data differs from the last good data."""
        memory = self._memory.setdefault(spec.name, _SourceMemory())
        previous = memory.status or SourceStatus(spec.name, spec.label)
        if isinstance(result, _Unchanged):
            memory.status = replace(
                previous, state="ok", error=None, last_success=now, last_attempt=now, url=self.api_root
            )
            moved = memory.fetched_from != self.api_root
            memory.fetched_from = self.api_root
            return moved
        if isinstance(result, _Skip):
            memory.status = replace(previous, state="skipped", error=result.reason, last_attempt=now, url=self.api_root)
            return False
        if isinstance(result, BaseException):
            if not isinstance(result, SourceError):
                # A bug in a normalizer must not take the page down; it is reported like any failure.
                log.exception("source %s crashed", spec.name, exc_info=result)
            error = str(result) or type(result).__name__
            state: SourceState = "stale" if memory.last_good is not None else "failed"
            memory.status = replace(previous, state=state, error=error, last_attempt=now, url=self.api_root)
            log.warning("source %s %s: %s", spec.name, state, error)
            return False
        parsed, result = result, result.value
        changed = not parsed.same or memory.fetched_from != self.api_root
        memory.last_good = result
        memory.body_hash = parsed.digest
        memory.fetched_from = self.api_root
        count = len(result.facts) if isinstance(result, Normalized) else len(getattr(result, "services", {}))
        skipped = len(result.skipped) if isinstance(result, Normalized) else 0
        memory.status = SourceStatus(
            spec.name, spec.label, "ok", None, now, now, model_count=count, skipped_records=skipped, url=self.api_root
        )
        return changed

    def _build(self, *, stale_ok: bool, previous: CatalogSnapshot | None = None) -> CatalogSnapshot:
        """The snapshot of what is known. With `previous` (no source's data changed since it), its
        models and version are kept when the local engine's models and every source's state are
        the same too: a refresh that brought nothing new costs no merge, no new query index and no
        re-rendered page.
        """
        contributions: list[SourceFacts] = []
        health: Health | None = None
        health_origin: SourceOrigin | None = None
        statuses: list[SourceStatus] = []
        local_models: list[UnifiedAIModel] = []
        if self.local is not None:
            try:
                local_models = self.local()
            except Exception as exc:  # an optional engine must never break the catalog
                log.exception("local engine catalog failed")
                statuses.append(SourceStatus("local", "Local engine", "failed", str(exc)[:200]))
        for spec in self.sources:
            if self.api_root is None:
                break  # no upstream configured: none of its sources feeds the catalog
            memory = self._memory.get(spec.name)
            if memory and memory.status:
                statuses.append(memory.status)
            else:
                statuses.append(
                    SourceStatus(spec.name, spec.label, "stale" if stale_ok else "failed", url=self.api_root)
                )
            good = memory.last_good if memory else None
            fetched_from = memory.fetched_from if memory else None
            if isinstance(good, Health):
                health = good
                health_origin = SourceOrigin(
                    source=spec.name, label=spec.label, base_url=fetched_from, path=spec.path, fields=["available"]
                )
            elif isinstance(good, Normalized):
                contributions.append(
                    SourceFacts(
                        spec.name,
                        good.facts,
                        spec.default_category,
                        spec.rich,
                        label=spec.label,
                        base_url=fetched_from,
                        path=spec.path,
                    )
                )
        refreshed = 0.0 if stale_ok else self.clock()
        records = tuple(self.stored_sources())
        if previous is not None and local_models == self._local_seen:
            if _states(statuses) == _states(previous.statuses):
                return CatalogSnapshot(previous.models, tuple(statuses), refreshed, previous.version, records)
            self._version += 1
            return CatalogSnapshot(previous.models, tuple(statuses), refreshed, self._version, records)
        models = self._merge.merge(
            [*self.builtin(), *local_models], contributions, health=health, health_origin=health_origin
        )
        self._local_seen = local_models
        self._version += 1
        return CatalogSnapshot(tuple(models), tuple(statuses), refreshed, self._version, records)


def _states(statuses: Sequence[SourceStatus]) -> list[tuple[str, str, str | None]]:
    """What the page shows of the sources: which are degraded, and why."""
    return [(s.name, s.state, s.error) for s in statuses]


@dataclass(frozen=True)
class _Skip:
    reason: str


@dataclass(frozen=True)
class _Unchanged:
    """A source answered with the same bytes as its last good answer."""

    digest: str


@dataclass(frozen=True)
class _Parsed:
    """A source's new answer, read; `same` says whether it equals the last good data."""

    value: object
    digest: str
    same: bool


def _read(spec: SourceSpec, body: bytes, digest: str, previous: object) -> _Parsed:
    """Decode and normalize a body here, and say whether it brought anything new."""
    result = keep_unchanged(previous, parse_body(spec, body))
    return _Parsed(result, digest, same=result is previous or result == previous)
