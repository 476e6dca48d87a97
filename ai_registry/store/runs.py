"""Playground runs: created when a run starts, finished with its result, listed per model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import true as sa_true
from sqlmodel import Session, select

from ai_registry.store.tables import Run

MEDIA_URL_PREFIX = "/media/"
THUMBNAIL_KINDS = ("image", "video")
STATUSES = ("running", "succeeded", "failed", "cancelled", "interrupted")


def output_url(run: Run) -> str | None:
    """Where the backend serves the run's output file (`/media/<name>`), or None."""
    return MEDIA_URL_PREFIX + Path(run.output_path).name if run.output_path else None


def record_url(run_id: str) -> str:
    """Where the backend serves a run's record as a JSON file (`/runs/<id>.json`)."""
    return f"/runs/{run_id}.json"


def _parsed(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def run_record(run: Run) -> dict[str, Any]:
    """A run as one JSON document: what was asked, sent and answered, its outcome and its output file."""
    return {
        "id": run.id,
        "model": run.model_slug,
        "status": run.status,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "duration_ms": run.duration_ms,
        "cost_usd": run.cost_usd,
        "error": run.error,
        "output_kind": run.output_kind,
        "output_url": output_url(run),
        "inputs": run_inputs(run),
        "request": _parsed(run.request_json),
        "response": _parsed(run.response_json),
    }


def create_run(
    *,
    session: Session,
    run_id: str,
    model_slug: str,
    inputs: Mapping[str, Any],
    owner_id: int | None = None,
    worker: str | None = None,
) -> Run:
    """A new run of `owner_id` in the `running` state with the form values it was started with,
    executed by `worker`."""
    run = Run(
        id=run_id,
        model_slug=model_slug,
        owner_id=owner_id,
        status="running",
        inputs_json=json.dumps(dict(inputs), ensure_ascii=False, default=str),
        worker=worker,
    )
    session.add(run)
    session.flush()
    return run


def _error_text(error: Any) -> str | None:
    if error is None:
        return None
    if isinstance(error, str):
        return error
    message = getattr(error, "message", None) or str(error)
    hint = getattr(error, "hint", "")
    return f"{message}\n{hint}" if hint else message


def finish_run(*, session: Session, run_id: str, result: Any) -> Run | None:
    """Store a run's outcome from a `RunResult` (or anything with its fields); None when there is no such run.

    Fields read: status, output_kind, output_path, response_json, request_json, error (a `RunError`
    or text), cost_usd, duration_ms. For text results without a response body the text is kept as one.
    """
    run = session.get(Run, run_id)
    if run is None:
        return None
    status = getattr(result, "status", "failed")
    run.status = status if status in STATUSES else "failed"
    run.output_kind = getattr(result, "output_kind", None)
    run.output_path = getattr(result, "output_path", None)
    run.response_json = getattr(result, "response_json", None) or None
    run.request_json = getattr(result, "request_json", None) or None
    run.error = _error_text(getattr(result, "error", None))
    run.cost_usd = getattr(result, "cost_usd", None)
    run.duration_ms = getattr(result, "duration_ms", None)
    text = getattr(result, "text", "")
    if run.response_json is None and text:
        run.response_json = json.dumps({"text": text}, ensure_ascii=False)
    session.add(run)
    session.flush()
    return run


def running_runs(*, session: Session) -> list[Run]:
    """Every run still marked `running`, oldest first."""
    return list(session.exec(select(Run).where(Run.status == "running").order_by(Run.created_at, Run.id)))


def interrupt_run(*, session: Session, run_id: str, reason: str) -> bool:
    """Mark a `running` run `interrupted` with `reason`; False when it is no longer running (or gone)."""
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == "running")
        .values(status="interrupted", error=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def get_run(*, session: Session, run_id: str) -> Run | None:
    """One run by id."""
    return session.get(Run, run_id)


def list_runs(*, session: Session, model_slug: str, limit: int = 50, owner_id: int | None = None) -> list[Run]:
    """A model's runs, newest first; only `owner_id`'s when given."""
    query = select(Run).where(Run.model_slug == model_slug)
    if owner_id is not None:
        query = query.where(Run.owner_id == owner_id)
    query = query.order_by(Run.created_at.desc(), Run.id.desc()).limit(max(1, min(limit, 1000)))
    return list(session.exec(query))


def find_run_by_output(*, session: Session, name: str) -> Run | None:
    """The run whose output file is called `name` (what `/media/<name>` serves), or None."""
    return session.exec(select(Run).where(Run.output_path.like(f"%/{name}"))).first()


def run_inputs(run: Run) -> dict[str, Any]:
    """The form values a run was started with (to load it back into the form)."""
    try:
        value = json.loads(run.inputs_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def run_text(run: Run) -> str:
    """The text a run answered (chat answer or transcript), from its stored response."""
    try:
        body = json.loads(run.response_json or "null")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            return message["content"]
    for key in ("text", "transcript"):
        if isinstance(body.get(key), str):
            return body[key]
    return ""


def latest_outputs(*, session: Session, owner_id: int | None = None) -> dict[str, str]:
    """Each model's latest succeeded image or video output (of `owner_id`'s runs when given), as
    `{slug: "/media/<name>"}` (card thumbnails).

    Runs whose file has since been deleted are skipped in favour of the model's next newest one.
    """
    ranked = (
        select(
            Run.model_slug,
            Run.output_path,
            func.row_number()
            .over(partition_by=Run.model_slug, order_by=(Run.created_at.desc(), Run.id.desc()))
            .label("rank"),
        )
        .where(Run.status == "succeeded")
        .where(Run.output_kind.in_(THUMBNAIL_KINDS))
        .where(Run.output_path.is_not(None))
        .where(Run.owner_id == owner_id if owner_id is not None else sa_true())
        .subquery()
    )
    rows = session.exec(
        select(ranked.c.model_slug, ranked.c.output_path).where(ranked.c.rank <= 5).order_by(ranked.c.rank)
    )
    found: dict[str, str] = {}
    for slug, path in rows:
        if slug in found or not path or not Path(path).is_file():
            continue
        found[slug] = MEDIA_URL_PREFIX + Path(path).name
    return found
