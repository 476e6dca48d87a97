"""The curation overlay as this process knows it: read from the database, shared by every process.

Each process keeps the overlay it last read and the revision it had. It asks the database for the
revision at most every `CHECK_S` seconds (one primary-key read) and reloads the entries only when
the revision moved; a change saved by this process is seen at once (`forget`). Applying the overlay
copies only the models it touches, so the query index re-indexes only those (see
`CatalogIndex.updated`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from ai_registry.catalog.curation import CurationOverlay
from ai_registry.settings import get_settings
from ai_registry.store.curation import curation_revision, load_curation
from ai_registry.store.db import session_scope

log = logging.getLogger(__name__)

CHECK_S = 0.5


@dataclass
class _Known:
    revision: int = -1
    overlay: CurationOverlay = field(default_factory=CurationOverlay)
    checked_at: float = float("-inf")


_known: dict[str, _Known] = {}  # by database URL, so a process (or a test) that switches databases starts over
_lock = threading.Lock()


def forget() -> None:
    """Check the database on the next read (after this process saved a change)."""
    with _lock:
        for known in _known.values():
            known.checked_at = float("-inf")


def reset() -> None:
    """Forget everything (tests switch databases)."""
    with _lock:
        _known.clear()


def current_overlay() -> tuple[int, CurationOverlay]:
    """The overlay's revision and entries; revision 0 and no entries while the database has none."""
    url = get_settings().sqlalchemy_url
    with _lock:
        known = _known.setdefault(url, _Known())
        now = time.monotonic()
        if now - known.checked_at < CHECK_S:
            return known.revision, known.overlay
        try:
            with session_scope() as session:
                revision = curation_revision(session=session)
                entries = load_curation(session=session) if revision != known.revision else None
        except Exception as exc:  # no database yet, or not migrated: the catalog as merged
            log.debug("curation unavailable: %s", exc)
            known.checked_at = now
            return max(known.revision, 0), known.overlay
        if entries is not None:
            known.overlay = known.overlay.with_entries(entries)
            known.revision = revision
        known.checked_at = now
        return known.revision, known.overlay
