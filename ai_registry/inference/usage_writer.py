"""Usage records written in batches by one background thread, so a busy gateway pays one database
commit per batch instead of one per call, and no request waits for it.

`submit(record, before=...)` queues a record (and work to run first, such as settling a budget);
the thread writes whatever has queued up, up to `BATCH` records in one transaction. `flush()` waits
until everything queued so far is written (tests, shutdown).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord

log = logging.getLogger(__name__)

BATCH = 200
_queue: queue.SimpleQueue[tuple[UsageRecord | None, Callable[[], None] | None, threading.Event | None]] = (
    queue.SimpleQueue()
)
_started = threading.Lock()
_thread: threading.Thread | None = None


def _write(records: list[UsageRecord]) -> None:
    try:
        with session_scope() as session:
            session.add_all(records)
    except Exception:  # a database that cannot be written is logged; the calls themselves went through
        log.exception("could not store %d usage records", len(records))


def _run() -> None:
    while True:
        items = [_queue.get()]
        while len(items) < BATCH:
            try:
                items.append(_queue.get_nowait())
            except queue.Empty:
                break
        for _record, before, _done in items:
            if before is not None:
                try:
                    before()
                except Exception:
                    log.exception("usage writer: a settling step failed")
        records = [record for record, _before, _done in items if record is not None]
        if records:
            _write(records)
        for _record, _before, done in items:
            if done is not None:
                done.set()


def _ensure_thread() -> None:
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="usage-writer", daemon=True)
            _thread.start()


def submit(record: UsageRecord | None, *, before: Callable[[], None] | None = None) -> None:
    """Queue `record` (and `before`, run first in the writer thread); returns at once."""
    _ensure_thread()
    _queue.put((record, before, None))


def flush(timeout_s: float = 10.0) -> bool:
    """Wait until everything queued before this call is written; False if that took over `timeout_s`."""
    _ensure_thread()
    done = threading.Event()
    _queue.put((None, None, done))
    return done.wait(timeout_s)
