"""The append-only audit log: write an event, query with filters, export as JSON Lines.

There is no update or delete here, and the migration adds triggers that refuse both in the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import or_
from sqlmodel import Session, select

from ai_registry.store.tables import AuditEvent, utcnow
from ai_registry.store.users import normalize_email

MAX_TARGET_LENGTH = 300
EXPORT_BATCH = 500


def write_audit_event(
    *,
    session: Session,
    action: str,
    actor_id: int | None = None,
    actor_email: str | None = None,
    address: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event; flushed, so it has an id. Details must be JSON-serialisable."""
    row = AuditEvent(
        at=at or utcnow(),
        actor_id=actor_id,
        actor_email=normalize_email(actor_email) if actor_email else None,
        address=(address or None) and address[:64],
        action=action,
        target=(target or None) and target[:MAX_TARGET_LENGTH],
        details_json=json.dumps(details or {}, sort_keys=True, default=str),
    )
    session.add(row)
    session.flush()
    return row


def _filtered(
    *,
    person: str | int | None,
    actions: Iterable[str] | None,
    since: datetime | None,
    until: datetime | None,
):
    query = select(AuditEvent)
    if isinstance(person, int):
        query = query.where(AuditEvent.actor_id == person)
    elif person:
        # A person is who acted, or whom an event was about (a failed sign-in names the email tried).
        email = normalize_email(person)
        query = query.where(or_(AuditEvent.actor_email == email, AuditEvent.target == email))
    if actions is not None:
        query = query.where(AuditEvent.action.in_(list(actions)))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def query_audit_events(
    *,
    session: Session,
    person: str | int | None = None,
    actions: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditEvent]:
    """Events newest first, filtered by person (user id or email), actions and a [since, until) range."""
    query = _filtered(person=person, actions=actions, since=since, until=until)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(max(offset, 0)).limit(max(limit, 0))
    return list(session.exec(query))


def audit_event_record(event: AuditEvent) -> dict[str, Any]:
    """An event as a plain JSON-ready dict (the shape of one exported line)."""
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "address": event.address,
        "action": event.action,
        "target": event.target,
        "details": json.loads(event.details_json or "{}"),
    }


def iter_audit_jsonl(
    *,
    session: Session,
    person: str | int | None = None,
    actions: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[str]:
    """JSON Lines of the matching events, oldest first, read in batches so a long log never sits in memory."""
    query = _filtered(person=person, actions=actions, since=since, until=until).order_by(AuditEvent.id)
    last_id = 0
    while True:
        batch = list(session.exec(query.where(AuditEvent.id > last_id).limit(EXPORT_BATCH)))
        for event in batch:
            yield json.dumps(audit_event_record(event), sort_keys=True) + "\n"
        if len(batch) < EXPORT_BATCH:
            return
        last_id = batch[-1].id


def export_audit_jsonl(*, session: Session, out: TextIO, **filters: Any) -> int:
    """Write the matching events to `out` as JSON Lines; returns how many were written."""
    count = 0
    for line in iter_audit_jsonl(session=session, **filters):
        out.write(line)
        count += 1
    return count
