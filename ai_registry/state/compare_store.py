"""The compare page's blocking reads and writes (database and files): call them through `asyncio.to_thread`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai_registry.store import compare_sessions
from ai_registry.store import runs as run_store
from ai_registry.store.compare_sessions import SavedComparison
from ai_registry.store.db import session_scope


@dataclass
class StoredRun:
    """A panel's stored run with what its panel shows: the text, the output's URL, the data file."""

    row: Any
    text: str
    url: str
    data: dict[str, Any] | None


def load_session(comparison_id: str) -> SavedComparison | None:
    with session_scope() as session:
        return compare_sessions.get_comparison(session=session, comparison_id=comparison_id)


def save_session(
    kind: str, models: Sequence[str], inputs: Mapping[str, Any], run_ids: Sequence[str]
) -> SavedComparison:
    with session_scope() as session:
        return compare_sessions.save_comparison(
            session=session, kind=kind, models=models, inputs=inputs, run_ids=run_ids
        )


def save_measures(comparison_id: str, results: Sequence[Mapping[str, Any]]) -> None:
    with session_scope() as session:
        compare_sessions.record_results(session=session, comparison_id=comparison_id, results=results)


def save_vote(comparison_id: str, panel: int) -> SavedComparison | None:
    with session_scope() as session:
        return compare_sessions.vote(session=session, comparison_id=comparison_id, panel=panel)


def wins_of(model_slug: str) -> int:
    try:
        with session_scope() as session:
            return compare_sessions.wins(session=session, model_slug=model_slug)
    except Exception:  # no table yet (an unmigrated database): no wins to show
        return 0


def _data(row: Any) -> dict[str, Any] | None:
    path = Path(row.output_path or "")
    if row.output_kind != "embeddings" or path.suffix != ".json" or not path.is_file():
        return None
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def stored_runs(run_ids: Sequence[str]) -> list[StoredRun | None]:
    """Each panel's run as stored (None for a panel that did not run or whose run is gone)."""
    found: list[StoredRun | None] = []
    with session_scope() as session:
        for run_id in run_ids:
            row = run_store.get_run(session=session, run_id=run_id) if run_id else None
            if row is None:
                found.append(None)
                continue
            url = run_store.output_url(row) or ""
            media = url if row.output_kind in ("image", "video", "audio") else ""
            found.append(StoredRun(row=row, text=run_store.run_text(row), url=media, data=_data(row)))
    return found
