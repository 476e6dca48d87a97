"""The job worker: `python -m ai_registry worker` executes queued runs (see `inference/jobs.py`).

Each job is one run by its id: the worker claims the row, runs the model with the same code as the
embedded mode (`inference.run.run_model`), writes the streamed text into the row as it comes, stops
when the row asks it to, and stores the result. Every `RECOVER_EVERY_S` it looks for jobs whose
worker stopped sending heartbeats (killed, crashed, its host gone): such a run is tried once more
from the start, and a run whose worker died on the retry too is marked failed with the reason.
A SIGTERM or Ctrl-C lets the runs in flight finish (a deploy loses nothing); a second one stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ai_registry.inference.interrupted import this_process
from ai_registry.inference.jobs import QUEUE, TASK, _open_app, ensure_schema, result_from_row
from ai_registry.inference.record import record_finished
from ai_registry.inference.result import RunResult
from ai_registry.settings import get_settings
from ai_registry.store import run_progress
from ai_registry.store.db import session_scope
from ai_registry.store.runs import run_inputs

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # how often a worker says it is alive
STALLED_S = 10.0  # a worker silent this long is taken for dead, and its runs recovered
RECOVER_EVERY_S = 3.0
PROGRESS_S = 0.25  # how often streamed text is written to the run's row
MAX_ATTEMPTS = 2  # a run whose worker died this many times is marked failed
DIED_REASON = "The job worker running this run stopped before it finished (killed, crashed or its host went away)"


def _claim(run_id: str) -> tuple[str, dict[str, Any]] | None:
    with session_scope() as session:
        row = run_progress.claim_run(session=session, run_id=run_id, worker=this_process().text)
        return (row.model_slug, run_inputs(row)) if row is not None else None


def _progress(run_id: str, text: str | None) -> bool:
    with session_scope() as session:
        return run_progress.save_progress(session=session, run_id=run_id, text=text)


def _end(run_id: str, status: str, reason: str) -> bool:
    with session_scope() as session:
        return run_progress.end_run(session=session, run_id=run_id, status=status, reason=reason)


async def execute_run(run_id: str) -> RunResult | None:
    """Execute one queued run by its id and store its result; None when it is not there to run."""
    from ai_registry.aggregator.runtime import find_model
    from ai_registry.inference.run import run_model

    claimed = await asyncio.to_thread(_claim, run_id)
    if claimed is None:
        return None
    slug, values = claimed
    model = await asyncio.to_thread(find_model, slug)
    if model is None:
        await asyncio.to_thread(_end, run_id, "failed", f"The model {slug!r} is not in this worker's catalog.")
        return None
    parts: list[str] = []
    cancel = asyncio.Event()

    async def on_text(delta: str) -> None:
        parts.append(delta)

    async def report() -> None:
        written = None
        while True:
            text = "".join(parts)
            if await asyncio.to_thread(_progress, run_id, text if text != written else None):
                cancel.set()
            written = text
            await asyncio.sleep(PROGRESS_S)

    reporter = asyncio.create_task(report())
    try:
        result = await run_model(model, values, run_id=run_id, on_text=on_text, cancel=cancel)
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
    await asyncio.to_thread(_progress, run_id, result.text or "".join(parts))
    await record_finished(run_id=run_id, result=result)
    return result


async def recover_stalled(app: Any) -> list[str]:
    """Retry or fail the runs of workers that stopped sending heartbeats; the run ids handled."""
    from procrastinate.jobs import Status

    handled = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_S, queue=QUEUE, task_name=TASK):
        run_id = str(job.task_kwargs.get("run_id", ""))
        try:
            if job.attempts + 1 < MAX_ATTEMPTS:
                await app.job_manager.retry_job(job)
                log.warning("run %s: its worker stopped; trying it again", run_id)
            else:
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
                reason = f"{DIED_REASON}, {MAX_ATTEMPTS} times; run it again."
                await asyncio.to_thread(_end, run_id, "failed", reason)
                log.warning("run %s: its worker stopped again; marked failed", run_id)
            handled.append(run_id)
        except Exception:  # another worker recovered it first
            log.info("run %s was recovered elsewhere", run_id, exc_info=True)
    return handled


async def _recover_forever(app: Any) -> None:
    while True:
        try:
            await recover_stalled(app)
        except Exception:  # the database is restarting: try again next round
            log.warning("could not look for stalled runs", exc_info=True)
        await asyncio.sleep(RECOVER_EVERY_S)


async def serve_worker() -> None:
    """Run a job worker until SIGTERM or Ctrl-C."""
    await asyncio.to_thread(ensure_schema)
    app = await _open_app()
    recovery = asyncio.create_task(_recover_forever(app))
    try:
        await app.run_worker_async(
            queues=[QUEUE],
            concurrency=get_settings().worker_concurrency,
            update_heartbeat_interval=HEARTBEAT_S,
            stalled_worker_timeout=STALLED_S,
            delete_jobs="successful",
        )
    finally:
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery
        await app.close_async()


__all__ = ["execute_run", "recover_stalled", "result_from_row", "serve_worker"]
