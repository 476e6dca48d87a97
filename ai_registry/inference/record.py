"""Runs as rows: created when a run starts, finished with its result. A database that cannot be
written is logged and never fails the run."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from ai_registry.inference.interrupted import this_process
from ai_registry.inference.result import RunResult
from ai_registry.store.db import session_scope
from ai_registry.store.runs import create_run, finish_run

log = logging.getLogger(__name__)


def inputs_for_log(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form values as they can be loaded back into the form (JSON-safe)."""
    return json.loads(json.dumps(dict(values), default=str))


_THIS_PROCESS = object()


async def record_started(
    *,
    run_id: str,
    model_slug: str,
    values: Mapping[str, Any],
    owner_id: int | None = None,
    worker: str | None | object = _THIS_PROCESS,
) -> None:
    """Store the run as running, with its inputs, who started it and the process executing it (this
    one by default; None for a queued job no worker has taken yet)."""
    inputs = inputs_for_log(values)
    worker = this_process().text if worker is _THIS_PROCESS else worker

    def create() -> None:
        with session_scope() as session:
            create_run(
                session=session, run_id=run_id, model_slug=model_slug, inputs=inputs, owner_id=owner_id, worker=worker
            )

    try:
        await asyncio.to_thread(create)
    except Exception:
        log.exception("could not store run %s", run_id)


async def record_finished(*, run_id: str, result: RunResult) -> None:
    """Store the run's result."""

    def save() -> None:
        with session_scope() as session:
            finish_run(session=session, run_id=run_id, result=result)

    try:
        await asyncio.to_thread(save)
    except Exception:
        log.exception("could not store the result of run %s", run_id)
