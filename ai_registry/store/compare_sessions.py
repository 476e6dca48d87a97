"""Compare sessions: saved when a comparison runs, read back by its URL, voted on, tallied per model."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ai_registry.store.tables import CompareSession, utcnow


@dataclass
class SavedComparison:
    """A compare session as plain values."""

    id: str
    kind: str
    models: list[str]
    inputs: dict[str, Any] = field(default_factory=dict)
    run_ids: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    winner_panel: int | None = None
    winner_slug: str | None = None


def _loads(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text or "")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _plain(row: CompareSession) -> SavedComparison:
    return SavedComparison(
        id=row.id,
        kind=row.kind,
        models=[str(s) for s in _loads(row.models_json, [])],
        inputs=_loads(row.inputs_json, {}),
        run_ids=[str(r) for r in _loads(row.run_ids_json, [])],
        results=[r if isinstance(r, dict) else {} for r in _loads(row.results_json, [])],
        winner_panel=row.winner_panel,
        winner_slug=row.winner_slug,
    )


def save_comparison(
    *,
    session: Session,
    kind: str,
    models: Sequence[str],
    inputs: Mapping[str, Any],
    run_ids: Sequence[str],
    comparison_id: str | None = None,
) -> SavedComparison:
    """Create a compare session, or replace the models, inputs and runs of `comparison_id` (its vote
    is cleared: a new run is a new comparison to judge)."""
    row = session.get(CompareSession, comparison_id) if comparison_id else None
    if row is None:
        row = CompareSession(id=comparison_id or uuid.uuid4().hex)
    row.kind = kind
    row.models_json = json.dumps(list(models))
    row.inputs_json = json.dumps(dict(inputs), ensure_ascii=False, default=str)
    row.run_ids_json = json.dumps(list(run_ids))
    row.results_json = "[]"
    row.winner_panel = row.winner_slug = None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _plain(row)


def get_comparison(*, session: Session, comparison_id: str) -> SavedComparison | None:
    """One compare session by id."""
    row = session.get(CompareSession, comparison_id) if comparison_id else None
    return _plain(row) if row is not None else None


def record_results(
    *, session: Session, comparison_id: str, results: Sequence[Mapping[str, Any]]
) -> SavedComparison | None:
    """Keep each panel's measures (latency, time to first token, units, cost) once its runs finished."""
    row = session.get(CompareSession, comparison_id)
    if row is None:
        return None
    row.results_json = json.dumps([dict(r) for r in results], ensure_ascii=False, default=str)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _plain(row)


def vote(*, session: Session, comparison_id: str, panel: int) -> SavedComparison | None:
    """Make `panel` the comparison's winner (one vote per comparison: a new vote replaces it).
    None when there is no such comparison or panel."""
    row = session.get(CompareSession, comparison_id)
    if row is None:
        return None
    models = _loads(row.models_json, [])
    if not 0 <= panel < len(models):
        return None
    row.winner_panel, row.winner_slug = panel, str(models[panel])
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _plain(row)


def wins(*, session: Session, model_slug: str) -> int:
    """How many comparisons `model_slug` won."""
    query = select(func.count()).select_from(CompareSession).where(CompareSession.winner_slug == model_slug)
    return int(session.exec(query).one())
