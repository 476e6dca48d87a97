"""Following a run by its id from any web worker (the scaled mode, `inference/jobs.py`).

A tab whose state says a run is in flight may have lost the background event that followed it: the
web worker running it died, or the tab was reloaded onto another worker. Its `on_load` then starts
`follow_in_state`, which polls the run's row, shows the text streamed so far and, when the run ends,
its result, exactly as the original event would have. Each follower stamps `_follow_beat` on every
tick; a follower that finds a fresher stamp than its own stays passive until that one goes quiet, so
one follower at a time writes to the page.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC
from typing import Any

from ai_registry.inference import jobs
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope

QUIET_S = 3.0  # a follower silent this long is taken for gone
FOLLOW_POLL_S = 0.3


def stored_run(run_id: str) -> Any:
    """The run's row (blocking)."""
    with session_scope() as session:
        return run_store.get_run(session=session, run_id=run_id)


def run_stopped(run_id: str) -> bool:
    """Whether the stored run is over (finished, or interrupted when its server process stopped)."""
    row = stored_run(run_id)
    return row is not None and row.status != "running"


def needs_follower(state: Any) -> bool:
    """A queued run this tab shows in flight (its follower may have died with its web worker)."""
    return bool(state.running and state.run_id and jobs.queued())


async def follow_in_state(state: Any) -> None:
    """Follow the tab's run until it ends (a background event of the playground state)."""
    async with state:
        run_id = state.run_id
        if not needs_follower(state):
            return
    mine = 0.0  # the stamp this follower wrote last
    cancel_sent = False
    deadline = time.monotonic() + jobs.FOLLOW_LIMIT_S
    while time.monotonic() < deadline:
        row = await asyncio.to_thread(stored_run, run_id)
        async with state:
            if state.run_id != run_id or not state.running:
                return  # the tab moved on, or another follower finished it
            cancel_asked = state.cancel_requested and not cancel_sent
            # Another follower stamped lately: leave the page to it until it goes quiet.
            if state._follow_beat == mine or time.time() - state._follow_beat >= QUIET_S:
                state._follow_beat = mine = time.time()
                if row is None:
                    state.running, state.status, state.error = False, "failed", "This run's record is gone."
                    return
                state.partial = row.output_text or ""
                created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
                state.elapsed = max(0.0, time.time() - created.timestamp())
                if row.status != "running":
                    kind_state = await state._kind_state()
                    kind_state._show_result(jobs.result_from_row(row))
                    state.running = False
                    return
        if cancel_asked:  # Cancel pressed on a followed run: the worker reads it from the row
            await asyncio.to_thread(jobs.request_cancel, run_id)
            cancel_sent = True
        await asyncio.sleep(FOLLOW_POLL_S)
