"""The audit log: appended by every identity action, filtered by person, action and time, exported as JSON Lines."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.store import audit_log
from ai_registry.store.audit_log import (
    export_audit_jsonl,
    iter_audit_jsonl,
    query_audit_events,
    write_audit_event,
)
from ai_registry.store.tables import User, utcnow


def test_record_names_the_actor(db: Session, admin: User) -> None:
    event = audit.record(
        session=db, action=audit.UPSTREAM_KEY_SET, actor=admin, address="192.0.2.1", details={"source": "ui"}
    )
    assert (event.actor_id, event.actor_email, event.address, event.action) == (
        admin.id, "admin@example.com", "192.0.2.1", "upstream_key_set",
    )
    assert json.loads(event.details_json) == {"source": "ui"}
    assert set(audit.ACTIONS) >= {"sign_in", "sign_in_failed", "key_created", "key_revoked", "sources_changed"}


def test_filters_by_person_action_and_time(db: Session, admin: User, member: User) -> None:
    start = utcnow()
    for minutes, action, actor in [
        (0, "sign_in", admin), (1, "key_created", member), (2, "sign_in", member), (3, "upstream_key_set", admin),
    ]:
        write_audit_event(
            session=db, action=action, actor_id=actor.id, actor_email=actor.email, at=start + timedelta(minutes=minutes)
        )
    write_audit_event(session=db, action="sign_in_failed", target="member@example.com", at=start)

    def actions(**filters) -> list[str]:
        return [e.action for e in query_audit_events(session=db, since=start, **filters)]

    assert actions(person="MEMBER@example.com") == ["sign_in", "key_created", "sign_in_failed"]
    assert actions(person=member.id) == ["sign_in", "key_created"]
    assert actions(actions=["sign_in"]) == ["sign_in", "sign_in"]
    assert actions(until=start + timedelta(minutes=2)) == ["key_created", "sign_in_failed", "sign_in"]
    assert actions(person=admin.email, actions=["upstream_key_set", "sign_in"]) == ["upstream_key_set", "sign_in"]
    assert actions(actions=[]) == []
    assert len(query_audit_events(session=db, since=start, limit=2)) == 2
    assert actions(person="nobody@example.com") == []


def test_export_writes_json_lines_oldest_first(db: Session, admin: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 3)  # several batches, so paging is exercised
    before = len(list(iter_audit_jsonl(session=db)))
    for n in range(7):
        audit.record(session=db, action=audit.KEY_CREATED, actor=admin, target=f"key {n}", details={"n": n})
    out = io.StringIO()
    assert export_audit_jsonl(session=db, out=out, actions=["key_created"]) == 7
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["details"]["n"] for r in records] == list(range(7))
    assert set(records[0]) == {"id", "at", "actor_id", "actor_email", "address", "action", "target", "details"}
    assert records[0]["actor_email"] == "admin@example.com"
    assert len(list(iter_audit_jsonl(session=db))) == before + 7


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_rewrite_history(db: Session, admin: User, statement: str) -> None:
    audit.record(session=db, action=audit.SIGN_IN, actor=admin)
    db.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.exec(text(statement))
    db.rollback()
    assert [e.action for e in query_audit_events(session=db, actions=["sign_in"])] == ["sign_in"]


def test_long_targets_are_cut_and_details_always_serialise(db: Session) -> None:
    event = write_audit_event(session=db, action="sources_changed", target="t" * 1000, details={"at": utcnow()})
    assert len(event.target) == 300
    assert json.loads(event.details_json)["at"]
