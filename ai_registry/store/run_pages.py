"""Runs for the runs API: started from it, listed a page at a time, and stopped before a worker took them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from ai_registry.store.runs import create_run
from ai_registry.store.tables import Run


def create_api_run(
    *,
    session: Session,
    run_id: str,
    model_slug: str,
    inputs: Mapping[str, Any],
    owner_id: int,
    key_id: int,
    origin: str,
    webhook_url: str | None,
) -> Run:
    """A run asked for through the API: stored `running` with no worker yet (the API says `queued`)."""
    run = create_run(session=session, run_id=run_id, model_slug=model_slug, inputs=inputs, owner_id=owner_id)
    run.source, run.key_id, run.origin = "api", key_id, origin[:300]
    run.webhook_url = webhook_url
    run.webhook_state = "pending" if webhook_url else None
    session.add(run)
    session.flush()
    return run


def cancel_unstarted(*, session: Session, run_id: str) -> bool:
    """End a run no worker has taken yet as `cancelled`; False when one has (or it is over)."""
    result = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == "running", Run.worker.is_(None))
        .values(status="cancelled", cancel_requested=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def end_abandoned(*, session: Session, before: datetime, reason: str) -> list[str]:
    """Mark `interrupted` the API runs still waiting for a worker that were asked for before `before`
    (the embedded mode starts each at once, so such a run's process is gone); their ids."""
    rows = session.exec(
        select(Run).where(Run.status == "running", Run.worker.is_(None), Run.source == "api", Run.created_at < before)
    ).all()
    for row in rows:
        row.status, row.error = "interrupted", reason
        session.add(row)
    return [row.id for row in rows]


def encode_cursor(run: Run) -> str:
    """An opaque cursor after `run` (newest-first order)."""
    text = f"{run.created_at.isoformat()}|{run.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """The position a cursor names, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, run_id = text.split("|", 1)
        return datetime.fromisoformat(moment), run_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def page_of_runs(
    *,
    session: Session,
    owner_id: int | None,
    model_slug: str | None = None,
    statuses: tuple[str, ...] = (),
    unstarted: bool | None = None,
    after: tuple[datetime, str] | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Run], int]:
    """Runs newest first (of `owner_id` unless None), filtered; a page after the cursor `after` or from
    `offset`, plus how many match in all. `unstarted` True: only runs no worker took yet; False: only
    taken ones."""
    query = select(Run)
    if owner_id is not None:
        query = query.where(Run.owner_id == owner_id)
    if model_slug:
        query = query.where(Run.model_slug == model_slug)
    if statuses:
        query = query.where(Run.status.in_(statuses))
    if unstarted is True:
        query = query.where(Run.worker.is_(None))
    elif unstarted is False:
        query = query.where(or_(Run.status != "running", Run.worker.is_not(None)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if after is not None:
        moment, run_id = after
        query = query.where(or_(Run.created_at < moment, and_(Run.created_at == moment, Run.id < run_id)))
    query = query.order_by(Run.created_at.desc(), Run.id.desc())
    if after is None and offset:
        query = query.offset(offset)
    return list(session.exec(query.limit(limit))), int(total)
