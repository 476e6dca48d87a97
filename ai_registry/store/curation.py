"""The curation overlay in the database: read it, save one model's entry, import a whole file.

Every change bumps `curation_revision` (so each process sees it, see `aggregator.runtime`) and
appends an audit event with the entry before and after, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from sqlmodel import Session, delete, select, update

from ai_registry.catalog.curation import Curation
from ai_registry.store.audit_log import write_audit_event
from ai_registry.store.tables import CurationRevision, CurationRow, utcnow

CURATION_CHANGED = "curation_changed"
CURATION_IMPORTED = "curation_imported"


def _entry(row: CurationRow) -> Curation:
    return Curation(
        model_id=row.model_id,
        hidden=row.hidden,
        default=row.is_default,
        premium=row.premium,
        featured=row.featured,
        name=row.name,
        description=row.description,
        readme=row.readme,
        tags=tuple(json.loads(row.tags or "[]")),
        aliases=tuple(json.loads(row.aliases or "[]")),
    )


def _row(entry: Curation, actor_id: int | None) -> CurationRow:
    return CurationRow(
        model_id=entry.model_id.casefold(),
        hidden=entry.hidden,
        is_default=entry.default,
        premium=entry.premium,
        featured=entry.featured,
        name=entry.name,
        description=entry.description,
        readme=entry.readme,
        tags=json.dumps(list(entry.tags)),
        aliases=json.dumps(list(entry.aliases)),
        updated_at=utcnow(),
        updated_by=actor_id,
    )


def load_curation(*, session: Session) -> list[Curation]:
    """Every stored entry, by model id."""
    return [_entry(r) for r in session.exec(select(CurationRow).order_by(CurationRow.model_id))]


def curation_revision(*, session: Session) -> int:
    """The overlay's revision: 0 before any change."""
    row = session.get(CurationRevision, 1)
    return row.revision if row is not None else 0


def _bump(session: Session) -> None:
    result = session.exec(
        update(CurationRevision)
        .where(CurationRevision.id == 1)
        .values(revision=CurationRevision.revision + 1, updated_at=utcnow())
    )
    if not result.rowcount:
        session.add(CurationRevision(id=1, revision=1, updated_at=utcnow()))
    session.flush()


def _clear_other_defaults(session: Session, entry: Curation, same_category: Iterable[str]) -> list[str]:
    """The overlay keeps one default per category: others of `entry`'s category lose theirs."""
    others = [i.casefold() for i in same_category if i.casefold() != entry.model_id.casefold()]
    if not entry.default or not others:
        return []
    rows = list(session.exec(select(CurationRow).where(CurationRow.model_id.in_(others), CurationRow.is_default)))
    for row in rows:
        row.is_default = False
        if _entry(row).empty:
            session.delete(row)  # nothing else to keep
        else:
            session.add(row)
    return [r.model_id for r in rows]


def save_curation(
    *,
    session: Session,
    entry: Curation,
    same_category: Sequence[str] = (),
    actor_id: int | None = None,
    actor_email: str | None = None,
    target: str | None = None,
) -> bool:
    """Store one model's entry (an empty one is removed); False when it equals what is stored.

    `same_category`: ids of the other models of its category, whose stored default flag is
    cleared when this entry makes its model the default.
    """
    key = entry.model_id.casefold()
    stored = session.get(CurationRow, key)
    before = _entry(stored) if stored is not None else Curation(key)
    after = Curation(**{**entry.__dict__, "model_id": key})
    if before == after:
        return False
    if stored is not None:
        session.delete(stored)
        session.flush()
    if not after.empty:
        session.add(_row(after, actor_id))
    moved = _clear_other_defaults(session, after, same_category)
    _bump(session)
    details = {"model": target or key, "before": before.record(), "after": after.record()}
    if moved:
        details["default_moved_from"] = moved
    write_audit_event(
        session=session, action=CURATION_CHANGED, actor_id=actor_id, actor_email=actor_email,
        target=target or key, details=details,
    )
    return True


def import_curation(
    *,
    session: Session,
    entries: Sequence[Curation],
    replace: bool,
    categories: Mapping[str, str] | None = None,
    actor_id: int | None = None,
    actor_email: str | None = None,
    source: str = "",
) -> dict[str, int]:
    """Write checked entries in one transaction (the caller's session).

    Merge (default): each imported model's entry replaces its stored one, other stored entries stay.
    Replace: the stored overlay becomes exactly the file's. `categories` maps a casefolded model
    id to its category (for moving a default in merge mode). Returns counts for the report.
    """
    categories = categories or {}
    before = {e.model_id: e for e in load_curation(session=session)}
    after = dict(before) if not replace else {}
    imported = {e.model_id.casefold(): Curation(**{**e.__dict__, "model_id": e.model_id.casefold()}) for e in entries}
    if not replace:
        # A default in the file takes its category's star from stored entries the file does not mention.
        starred = {categories.get(k) for k, e in imported.items() if e.default}
        for key, entry in list(after.items()):
            if entry.default and key not in imported and categories.get(key) in starred:
                after[key] = Curation(**{**entry.__dict__, "default": False})
    after.update(imported)
    after = {k: v for k, v in after.items() if not v.empty}
    changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    if not changed:
        return {"changed": 0, "entries": len(after)}
    # Only the changed models' rows are rewritten: the others keep who changed them last, and when.
    session.exec(delete(CurationRow).where(CurationRow.model_id.in_(changed)))
    session.flush()
    for key in changed:
        if key in after:
            session.add(_row(after[key], actor_id))
    _bump(session)
    write_audit_event(
        session=session, action=CURATION_IMPORTED, actor_id=actor_id, actor_email=actor_email,
        target=source or "curation import",
        details={
            "mode": "replace" if replace else "merge",
            "changed": [
                {
                    "model": k,
                    "before": before[k].record() if k in before else None,
                    "after": after[k].record() if k in after else None,
                }
                for k in changed
            ],
        },
    )
    return {"changed": len(changed), "entries": len(after)}
