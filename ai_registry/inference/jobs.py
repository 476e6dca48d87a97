"""Runs as jobs: in the scaled mode a run is a row plus a job in a queue that a worker process
(`python -m ai_registry worker`, `inference/job_worker.py`) executes; the web process only follows
the row. In the embedded default (`AI_REGISTRY_QUEUE=inline`) the same run code runs in-process.

Why Procrastinate 3.10 (on PostgreSQL) rather than arq 0.28 (on Redis), huey, saq or celery:
- the jobs are rows in the same PostgreSQL as the runs, transactional and durable, with no second
  store to keep consistent, back up or lose;
- its workers send heartbeats, and `get_stalled_jobs` finds the jobs of a worker that stopped
  sending them: a SIGKILLed worker's run is found within seconds (`job_worker.STALLED_S`). arq
  re-runs an unfinished job only once its in-progress key expires, after the job's whole timeout
  (3 minutes for a video run), and huey's Redis or SQLite queues have no worker liveness at all;
- it is asyncio-native on psycopg 3, the driver the app already ships, and maintained (3.10, 2026).

The job worker writes the text streamed so far into the row (`run.output_text`); the web side polls
it every `POLL_S` and hands the new text to the page, and asks the worker to stop through
`run.cancel_requested`. Any web worker can follow any run by its id, so a reloaded tab on another
worker picks it up (`state/run_follow.py`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference import errors
from ai_registry.inference.decode import TextCallback
from ai_registry.inference.errors import RunError
from ai_registry.inference.record import inputs_for_log
from ai_registry.inference.result import RunResult, new_run_id
from ai_registry.kinds import OutputKind
from ai_registry.settings import get_settings
from ai_registry.store import run_progress
from ai_registry.store.db import session_scope
from ai_registry.store.runs import create_run, get_run, output_url
from ai_registry.store.tables import Run

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

QUEUE = "runs"
TASK = "ai_registry.run"
POLL_S = 0.25  # how often a follower reads the run's row
FOLLOW_LIMIT_S = 3 * 3600.0  # a follower gives up after this long (the run itself goes on)


def queued() -> bool:
    """Whether runs are jobs executed by worker processes (the scaled mode)."""
    return get_settings().queue == "procrastinate"


def conninfo() -> str:
    """The database URL in libpq's form (Procrastinate connects with psycopg directly)."""
    url = get_settings().sqlalchemy_url
    if not url.startswith("postgresql"):
        raise RuntimeError("AI_REGISTRY_QUEUE=procrastinate needs DATABASE_URL on PostgreSQL")
    return "postgresql://" + url.split("://", 1)[1]


def build_app() -> procrastinate.App:
    """A Procrastinate app on the configured database with the one task: execute a run by its id."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(), min_size=1, max_size=4))

    # A job that raised before its run started (the database was away when it claimed the run) is
    # tried again; once running, `execute_run` stores every outcome itself.
    @app.task(name=TASK, queue=QUEUE, retry=procrastinate.RetryStrategy(max_attempts=10, wait=3))
    async def execute(run_id: str) -> None:
        # The run, then its webhook when the runs API asked for one (`inference/webhooks.py`).
        from ai_registry.inference.webhooks import execute_and_notify

        await execute_and_notify(run_id)

    return app


@lru_cache(maxsize=8)
def _app_for(_loop_id: int, _url: str) -> procrastinate.App:
    return build_app()


async def _open_app() -> procrastinate.App:
    """This event loop's app, its connection pool opened on first use (pools belong to one loop)."""
    app = _app_for(id(asyncio.get_running_loop()), conninfo())
    if not getattr(app, "_ai_registry_open", False):
        await app.open_async()
        app._ai_registry_open = True  # type: ignore[attr-defined]
    return app


def ensure_schema() -> bool:
    """Create Procrastinate's tables when they are missing, under the migration lock; True if created."""
    import psycopg
    from procrastinate.schema import SchemaManager

    from ai_registry.store.migrate import migration_lock

    with migration_lock(get_settings().sqlalchemy_url), psycopg.connect(conninfo(), autocommit=True) as connection:
        if connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is not None:
            return False
        connection.execute(SchemaManager.get_schema())
        return True


def _store_queued(run_id: str, model_slug: str, values: Mapping[str, Any], owner_id: int | None) -> None:
    with session_scope() as session:
        inputs = inputs_for_log(values)
        create_run(session=session, run_id=run_id, model_slug=model_slug, inputs=inputs, owner_id=owner_id, worker=None)


async def submit(
    model: UnifiedAIModel, values: Mapping[str, Any], *, run_id: str, owner_id: int | None = None
) -> None:
    """Store the run as running (of `owner_id`) and defer its job; raises when either cannot be
    stored (then no job runs without its row)."""
    await asyncio.to_thread(_store_queued, run_id, model.slug, values, owner_id)
    app = await _open_app()
    await app.configure_task(TASK, queue=QUEUE).defer_async(run_id=run_id)


def read_run(run_id: str) -> Run | None:
    """The run's row (blocking)."""
    with session_scope() as session:
        return get_run(session=session, run_id=run_id)


def request_cancel(run_id: str) -> None:
    """Ask the worker running `run_id` to stop (it reads the row's flag between pieces; blocking)."""
    with session_scope() as session:
        run_progress.request_cancel(session=session, run_id=run_id)


def _end_unqueued(run_id: str, reason: str) -> None:
    """A run whose row was stored but whose job was not: failed with the reason (when the database lets us)."""
    try:
        with session_scope() as session:
            run_progress.end_run(session=session, run_id=run_id, status="failed", reason=reason)
    except Exception:
        log.warning("run %s: could not mark it failed", run_id)


def result_from_row(row: Run) -> RunResult:
    """What the page shows of a finished run, read back from its row."""
    data = None
    if row.output_kind == "embeddings" and row.output_path and row.output_path.endswith(".json"):
        try:
            data = json.loads(Path(row.output_path).read_text("utf-8"))
        except (OSError, ValueError):
            data = None
    error = RunError(row.error, kind="stored") if row.error else None
    if error is None and row.status not in ("succeeded", "cancelled"):
        error = RunError(f"The run ended as {row.status}.", kind="stored")
    url = output_url(row)
    return RunResult(
        status=row.status if row.status != "interrupted" else "failed",
        output_kind=OutputKind(row.output_kind) if row.output_kind in set(OutputKind) else OutputKind.TEXT,
        run_id=row.id,
        output_path=row.output_path,
        output_url=url,
        media_type=mimetypes.guess_type(row.output_path)[0] if row.output_path else None,
        text=row.output_text or "",
        data=data,
        response_json=row.response_json or "",
        request_json=row.request_json or "",
        error=error,
        duration_ms=row.duration_ms or 0,
        cost_usd=row.cost_usd,
    )


async def follow(
    run_id: str, *, on_text: TextCallback | None = None, cancel: asyncio.Event | None = None
) -> RunResult | None:
    """Follow the run's row until it ends: new streamed text goes to `on_text`, a set `cancel` asks
    the worker to stop. The finished run as a `RunResult`; None when the row is gone."""
    shown, asked = "", False
    deadline = time.monotonic() + FOLLOW_LIMIT_S
    while time.monotonic() < deadline:
        row = await asyncio.to_thread(read_run, run_id)
        if row is None:
            return None
        text = row.output_text or ""
        if on_text is not None and len(text) > len(shown) and text.startswith(shown):
            await on_text(text[len(shown) :])
            shown = text
        if row.status in run_progress.FINAL:
            return result_from_row(row)
        if cancel is not None and cancel.is_set() and not asked:
            await asyncio.to_thread(request_cancel, run_id)
            asked = True
        await asyncio.sleep(POLL_S)
    message = "The page stopped waiting for this run; its result will be in the request log when it lands."
    return RunResult(
        status="failed", output_kind=OutputKind.TEXT, run_id=run_id, error=RunError(message, kind="timeout")
    )


async def run_and_record(
    model: UnifiedAIModel,
    values: Mapping[str, Any],
    *,
    run_id: str | None = None,
    owner_id: int | None = None,
    **options: Any,
) -> RunResult:
    """Run `model` and store the run of `owner_id`: in-process (embedded), or as a job a worker
    executes (scaled), followed here until it ends. Same options as `inference.run.run_and_record`."""
    from ai_registry.inference import run

    source = options.pop("source", "playground")
    if not queued():
        return await run.run_and_record(model, values, run_id=run_id, owner_id=owner_id, source=source, **options)
    run_id = run_id or new_run_id()
    try:
        await submit(model, values, run_id=run_id, owner_id=owner_id)
    except Exception as exc:  # the queue's database is down: say so, never hang the page
        log.exception("run %s could not be queued", run_id)
        await asyncio.to_thread(_end_unqueued, run_id, f"The run could not be queued: {exc}")
        return RunResult(status="failed", output_kind=OutputKind.TEXT, run_id=run_id, error=errors.internal_error(exc))
    result = await follow(run_id, on_text=options.get("on_text"), cancel=options.get("cancel"))
    if result is None:
        message = "The run's record disappeared before it finished."
        return RunResult(
            status="failed", output_kind=OutputKind.TEXT, run_id=run_id, error=RunError(message, kind="internal")
        )
    return result
