"""Blocking look-ups the playground makes on the store: call each through `asyncio.to_thread`."""

from __future__ import annotations

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference.transport import is_local
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.tables import Run
from ai_registry.store.upstream_key import upstream_api_key


def needs_upstream_key(model: UnifiedAIModel) -> bool:
    """Whether running `model` needs the upstream key and none is set (a database read)."""
    return not is_local(model) and not upstream_api_key()


def stored_run(run_id: str) -> Run | None:
    """The stored run with this id, or None."""
    with session_scope() as session:
        return run_store.get_run(session=session, run_id=run_id)


def run_stopped(run_id: str) -> bool:
    """Whether the stored run is over (finished, or interrupted when its server process stopped)."""
    row = stored_run(run_id)
    return row is not None and row.status != "running"
