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
import time
from typing import Any

from ai_registry.inference.interrupted import this_process
from ai_registry.inference.jobs import QUEUE, TASK, _open_app, ensure_schema, result_from_row
from ai_registry.inference.result import RunResult
from ai_registry.settings import get_settings
from ai_registry.store import run_progress
from ai_registry.store.db import session_scope
from ai_registry.store.runs import finish_run, run_inputs

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # how often a worker says it is alive
STALLED_S = 10.0  # a worker silent this long is taken for dead, and its runs recovered
RECOVER_EVERY_S = 3.0
WATCH_S = 2.0  # how often the worker checks that its database answers
FETCH_POLL_S = 0.5  # how often an idle worker looks for a job
PROGRESS_S = 0.25  # how often streamed text is written to the run's row
MAX_ATTEMPTS = 2  # a run whose worker died this many times is marked failed
FINISH_TRIES, FINISH_WAIT_S = 120, 1.0  # how long a finished run's result waits for its database
DIED_REASON = "The job worker running this run stopped before it finished (killed, crashed or its host went away)"


def _claim(run_id: str) -> tuple[str, dict[str, Any], int | None] | None:
    with session_scope() as session:
        row = run_progress.claim_run(session=session, run_id=run_id, worker=this_process().text)
        return (row.model_slug, run_inputs(row), row.owner_id) if row is not None else None


def _progress(run_id: str, text: str | None) -> bool:
    """Store the streamed text; True when Stop was asked. A database that is away (restarting) only
    delays the text: the run goes on, and the next round writes it."""
    try:
        with session_scope() as session:
            return run_progress.save_progress(session=session, run_id=run_id, text=text)
    except Exception:
        log.warning("run %s: could not store its progress (database away?)", run_id)
        return False


def _finish(run_id: str, result: RunResult) -> None:
    """Store the result, waiting out a database restart (`FINISH_TRIES` x `FINISH_WAIT_S`): a finished
    run must not stay `running` because its database was away at the moment it ended."""
    for attempt in range(FINISH_TRIES):
        try:
            with session_scope() as session:
                if result.text:
                    run_progress.save_progress(session=session, run_id=run_id, text=result.text)
                finish_run(session=session, run_id=run_id, result=result)
            return
        except Exception:
            log.warning("run %s: could not store its result (try %d)", run_id, attempt + 1, exc_info=attempt == 0)
            time.sleep(FINISH_WAIT_S)
    raise RuntimeError(f"run {run_id}: the database did not take its result")


def _end(run_id: str, status: str, reason: str) -> bool:
    with session_scope() as session:
        return run_progress.end_run(session=session, run_id=run_id, status=status, reason=reason)


async def execute_run(run_id: str) -> RunResult | None:
    """Execute one queued run by its id and store its result; None when it is not there to run."""
    from ai_registry.aggregator.runtime import find_model
    from ai_registry.inference.metering import meter_run
    from ai_registry.inference.run import run_model

    claimed = await asyncio.to_thread(_claim, run_id)
    if claimed is None:
        return None
    slug, values, owner_id = claimed
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
    await asyncio.to_thread(_finish, run_id, result)
    await meter_run(model, values, result, owner_id=owner_id, source="playground")
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


class DatabaseLost(RuntimeError):
    """The queue's database stopped answering: this worker exits, and its supervisor starts a fresh one."""


async def _watch_database(app: Any, worker: asyncio.Task) -> None:
    # In the fault test a worker stopped taking jobs after a PostgreSQL restart; a worker that sees
    # its database go away therefore exits, and the supervisor's fresh one (fresh connections)
    # recovers what this one had in flight.
    while True:
        await asyncio.sleep(WATCH_S)
        try:
            answered = await asyncio.wait_for(app.job_manager.check_connection_async(), WATCH_S)
        except Exception:
            answered = False
        if not answered:
            log.error("the queue's database stopped answering; this worker exits to be started afresh")
            worker.cancel()
            raise DatabaseLost("the queue's database stopped answering")


async def serve_worker() -> None:
    """Run a job worker until SIGTERM or Ctrl-C (or until its database goes away: then it raises
    `DatabaseLost`, to be started again)."""
    await asyncio.to_thread(ensure_schema)
    app = await _open_app()
    recovery = asyncio.create_task(_recover_forever(app))
    worker = asyncio.create_task(_run_worker(app))
    watch = asyncio.create_task(_watch_database(app, worker))
    try:
        await worker
    except asyncio.CancelledError:
        if watch.done() and isinstance(watch.exception(), DatabaseLost):
            raise watch.exception() from None
        raise
    finally:
        for task in (watch, recovery):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, DatabaseLost):
                await task
        with contextlib.suppress(Exception):
            await app.close_async()


async def _run_worker(app: Any) -> None:
    await app.run_worker_async(
        queues=[QUEUE],
        concurrency=get_settings().worker_concurrency,
        update_heartbeat_interval=HEARTBEAT_S,
        stalled_worker_timeout=STALLED_S,
        delete_jobs="successful",
        # Polling every half second rather than LISTEN/NOTIFY: one long-lived connection fewer to
        # lose when the database restarts.
        listen_notify=False,
        fetch_job_polling_interval=FETCH_POLL_S,
    )


__all__ = ["execute_run", "recover_stalled", "result_from_row", "serve_worker"]
