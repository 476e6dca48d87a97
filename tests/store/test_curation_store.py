"""The curation overlay in the database (SQLite and PostgreSQL): saved with its audit event, imported
in one transaction, and seen by the catalog of every process through the revision."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ai_registry.aggregator import curation as overlay_cache
from ai_registry.aggregator import runtime
from ai_registry.catalog.curation import Curation
from ai_registry.store.curation import (
    CURATION_CHANGED,
    CURATION_IMPORTED,
    curation_revision,
    import_curation,
    load_curation,
    save_curation,
)
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent, CurationRow

pytestmark = pytest.mark.usefixtures("migrated_db")

VIDEO = ["wan22-i2v", "seedance-i2v", "sora2-i2v", "t2v-premium", "cogvideox-2b"]


def save(entry: Curation, **kw) -> bool:
    with session_scope() as session:
        return save_curation(session=session, entry=entry, actor_id=7, actor_email="admin@example.org", **kw)


def stored() -> dict[str, Curation]:
    with session_scope() as session:
        return {e.model_id: e for e in load_curation(session=session)}


def audit(action: str) -> list[dict]:
    with session_scope() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [{"target": r.target, "actor": r.actor_email, **json.loads(r.details_json)} for r in rows]


def test_a_saved_entry_reads_back_bumps_the_revision_and_is_audited_with_before_and_after() -> None:
    with session_scope() as session:
        assert curation_revision(session=session) == 0
    entry = Curation("GPT-4", name="Team GPT-4", tags=("review",), aliases=("gpt4",), premium=True)
    assert save(entry, target="gpt-4") is True
    expected = Curation("gpt-4", name="Team GPT-4", tags=("review",), aliases=("gpt4",), premium=True)
    assert stored() == {"gpt-4": expected}
    assert save(Curation("gpt-4", name="Team GPT-4", tags=("review",), aliases=("gpt4",), premium=True)) is False
    assert save(Curation("gpt-4", hidden=True)) is True
    with session_scope() as session:
        assert curation_revision(session=session) == 2
    events = audit(CURATION_CHANGED)
    assert len(events) == 2 and events[0]["actor"] == "admin@example.org" and events[0]["target"] == "gpt-4"
    assert events[0]["before"] == {"id": "gpt-4"}
    assert events[1]["before"]["name"] == "Team GPT-4" and events[1]["after"] == {"id": "gpt-4", "hidden": True}


def test_an_empty_entry_removes_the_row() -> None:
    save(Curation("tts-1", featured=True))
    assert save(Curation("tts-1")) is True
    assert stored() == {}


def test_a_new_default_clears_the_stored_default_of_its_category() -> None:
    save(Curation("seedance-i2v", default=True), same_category=VIDEO)
    save(Curation("cogvideox-2b", default=True, tags=("open",)), same_category=VIDEO)
    assert stored() == {"cogvideox-2b": Curation("cogvideox-2b", default=True, tags=("open",))}  # empty row gone
    assert audit(CURATION_CHANGED)[-1]["default_moved_from"] == ["seedance-i2v"]


def test_import_merge_keeps_unmentioned_entries_and_moves_a_default() -> None:
    save(Curation("gpt-4", hidden=True))
    save(Curation("seedance-i2v", default=True, tags=("fast",)))
    categories = {i: "Video" for i in VIDEO} | {"gpt-4": "Coding"}
    with session_scope() as session:
        counts = import_curation(
            session=session, entries=[Curation("wan22-i2v", default=True)], replace=False, categories=categories,
            source="file.json",
        )
    assert counts == {"changed": 2, "entries": 3}
    assert stored() == {
        "gpt-4": Curation("gpt-4", hidden=True),
        "seedance-i2v": Curation("seedance-i2v", tags=("fast",)),
        "wan22-i2v": Curation("wan22-i2v", default=True),
    }
    with session_scope() as session:  # rows the import did not change keep who changed them last
        assert session.get(CurationRow, "gpt-4").updated_by == 7
        assert session.get(CurationRow, "wan22-i2v").updated_by is None
    event = audit(CURATION_IMPORTED)[-1]
    assert event["mode"] == "merge" and event["target"] == "file.json"
    assert {c["model"] for c in event["changed"]} == {"seedance-i2v", "wan22-i2v"}


def test_import_replace_makes_the_overlay_exactly_the_files() -> None:
    save(Curation("gpt-4", hidden=True))
    with session_scope() as session:
        counts = import_curation(session=session, entries=[Curation("tts-1", featured=True)], replace=True)
    assert counts == {"changed": 2, "entries": 1}
    assert stored() == {"tts-1": Curation("tts-1", featured=True)}


def test_an_import_that_fails_midway_changes_nothing() -> None:
    save(Curation("gpt-4", hidden=True))
    with pytest.raises(RuntimeError), session_scope() as session:
        import_curation(session=session, entries=[Curation("tts-1", featured=True)], replace=True)
        raise RuntimeError("the disk filled up")
    assert stored() == {"gpt-4": Curation("gpt-4", hidden=True)}
    assert audit(CURATION_IMPORTED) == []


def test_the_catalog_applies_the_stored_overlay_after_the_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    before = runtime.catalog_index()
    assert "gpt-4" in [m.id for m in before.query()]
    save(Curation("gpt-4", hidden=True))
    save(Curation("seedance-i2v", default=True), same_category=VIDEO)
    # Saved "by another process": this one sees it once its check interval has passed.
    monkeypatch.setattr(overlay_cache, "CHECK_S", 0.0)
    index = runtime.catalog_index()
    assert "gpt-4" not in [m.id for m in index.query()]
    assert "gpt-4" in [m.id for m in index.query(include_hidden=True)]
    assert [m.id for m in index.models if m.category == "Video" and m.is_default] == ["seedance-i2v"]
    assert runtime.find_model("gpt-4").hidden
    # The stored merged catalog stays the upstream's: the overlay is never written into it.
    assert not next(m for m in runtime.get_aggregator().snapshot.models if m.id == "gpt-4").hidden
