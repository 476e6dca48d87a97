"""The heavy part of a large refresh in a separate process: decode and normalize a source's body.

One worker process (spawn context), created on first use and shut down at exit. It keeps each
source's last parsed body and sends back only the records that changed since the body the caller
already holds (`base`): pickling 10,000 models back costs about as much as normalizing them, and
the GIL the unpickling holds is what a refresh must not take from the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from ai_registry.aggregator.normalize import Normalized, UpstreamFacts
from ai_registry.aggregator.sources import SourceSpec, parse_body

log = logging.getLogger(__name__)

# In the worker process only: each source's last parsed body, by the hash of its bytes.
_held: dict[str, tuple[str, Normalized]] = {}


@dataclass(frozen=True)
class ParsedBody:
    """One body read in the worker: the whole result, or the changes against the body `base`."""

    digest: str
    whole: Any = None  # the full `Normalized` or `Health` when there is no usable base
    base: str | None = None
    order: list[str] = field(default_factory=list)  # every record's id, in the body's order
    changed: dict[str, UpstreamFacts] = field(default_factory=dict)  # records new or different since `base`
    skipped: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """Nothing differs from `base` (only meaningful for a diff)."""
        return self.whole is None and not self.changed

    def apply(self, previous: Any) -> Any:
        """The full result, from `previous` (the result of the body `base`) and the changes."""
        if self.whole is not None:
            return self.whole
        if self.same and previous.skipped == self.skipped and [f.id for f in previous.facts] == self.order:
            return previous
        known = {f.id: f for f in previous.facts}
        return Normalized(facts=[self.changed.get(i) or known[i] for i in self.order], skipped=list(self.skipped))


def _unique_ids(parsed: Normalized) -> bool:
    return len({f.id for f in parsed.facts}) == len(parsed.facts)


def keep_unchanged(previous: Any, parsed: Any) -> Any:
    """`parsed`, with the very objects of `previous` for the records that did not change (so the
    merge and the index can tell them apart by identity); `previous` itself when nothing changed."""
    if not isinstance(parsed, Normalized) or not isinstance(previous, Normalized) or not _unique_ids(previous):
        return parsed
    before = {f.id: f for f in previous.facts}
    facts = [f if (old := before.get(f.id)) is None or old != f else old for f in parsed.facts]
    if len(facts) == len(previous.facts) and all(a is b for a, b in zip(facts, previous.facts, strict=True)):
        if parsed.skipped == previous.skipped:
            return previous
    return Normalized(facts=facts, skipped=parsed.skipped)


def parse_in_worker(spec: SourceSpec, body: bytes, digest: str, base: str | None) -> ParsedBody:
    """Decode and normalize `body`; answer with the changes since `base` when this process holds it."""
    parsed = parse_body(spec, body)
    held = _held.get(spec.name)
    if not isinstance(parsed, Normalized):
        _held.pop(spec.name, None)
        return ParsedBody(digest, whole=parsed)
    _held[spec.name] = (digest, parsed)
    if held is None or base is None or held[0] != base:
        return ParsedBody(digest, whole=parsed)
    previous = held[1]
    if not _unique_ids(parsed) or not _unique_ids(previous):
        return ParsedBody(digest, whole=parsed)
    before = {f.id: f for f in previous.facts}
    changed = {f.id: f for f in parsed.facts if before.get(f.id) != f}
    return ParsedBody(digest, base=base, order=[f.id for f in parsed.facts], changed=changed, skipped=parsed.skipped)


def _ignore_interrupts() -> None:
    """In the worker: Ctrl-C of the app's process group is the parent's to handle (it shuts us down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class RefreshWorker:
    """A one-process pool, created lazily; a crashed worker is replaced on the next call."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._registered = False

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts
            )
            if not self._registered:
                atexit.register(self.shutdown)
                self._registered = True
        return self._pool

    async def parse(self, spec: SourceSpec, body: bytes, digest: str, base: str | None) -> ParsedBody:
        """`parse_in_worker` in the worker process (a fresh one if the last one died)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), parse_in_worker, spec, body, digest, base)
        except BrokenProcessPool:
            log.warning("the refresh worker died; starting a new one")
            self.shutdown()
            return await loop.run_in_executor(self._executor(), parse_in_worker, spec, body, digest, base)

    def shutdown(self) -> None:
        """Stop the worker process (it holds nothing that needs saving)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
