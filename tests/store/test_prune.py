"""`python -m ai_registry prune --older-than 30d [--media-only] [--dry-run]` on a temp data folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from ai_registry.__main__ import main
from ai_registry.store.db import session_scope
from ai_registry.store.prune import parse_age
from ai_registry.store.tables import Run

pytestmark = pytest.mark.usefixtures("migrated_db")
NOW = datetime.now(UTC)


def add_run(data_dir: Path, run_id: str, age_days: float, *, status="succeeded", upload: str | None = None) -> Path:
    """A run row of that age with an output file (and an uploaded input, when named)."""
    media = data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    output = media / f"{run_id}.wav"
    output.write_bytes(b"RIFF" + b"\0" * 1000)
    (media / f"{run_id}-2.json").write_text("[]")
    inputs = {"prompt": "x"}
    if upload:
        (media / upload).write_bytes(b"\x89PNG" + b"\0" * 100)
        inputs["image"] = {"filename": "boat.png", "path": str(media / upload), "content_type": "image/png"}
    with session_scope() as session:
        session.add(
            Run(
                id=run_id, model_slug="m", status=status, inputs_json=json.dumps(inputs), output_path=str(output),
                output_kind="audio", created_at=NOW - timedelta(days=age_days),
            )
        )
    return output


def rows() -> dict[str, Run]:
    with session_scope() as session:
        return {run.id: run for run in session.exec(select(Run)).all()}


@pytest.mark.parametrize(("text", "delta"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                             ("2W", timedelta(weeks=2)), (" 1 d ", timedelta(days=1))])
def test_parse_age(text: str, delta: timedelta) -> None:
    assert parse_age(text) == delta


@pytest.mark.parametrize("text", ["", "30", "d", "-3d", "3 months", "1.5d"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="e.g. 30d"):
        parse_age(text)


def test_dry_run_prints_and_removes_nothing(migrated_db: Path, capsys) -> None:
    old = add_run(migrated_db, "old1", 40)
    assert main(["prune", "--older-than", "30d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would remove file {old}" in out and "would remove run old1" in out
    assert "would remove 1 runs and 2 files" in out
    assert old.exists() and "old1" in rows()


def test_prune_removes_old_runs_their_files_and_unshared_uploads(migrated_db: Path, capsys) -> None:
    media = migrated_db / "media"
    add_run(migrated_db, "old1", 40, upload="up_only.png")
    add_run(migrated_db, "old2", 31, upload="up_shared.png")
    new = add_run(migrated_db, "new1", 3, upload="up_shared.png")
    add_run(migrated_db, "stuck", 90, status="running")
    assert main(["prune", "--older-than", "30d"]) == 0
    out = capsys.readouterr().out
    assert "removed 2 runs and 5 files" in out and "removed run old1" in out and "removed run old2" in out
    assert set(rows()) == {"new1", "stuck"}
    left = {p.name for p in media.iterdir()}
    assert {"old1.wav", "old1-2.json", "old2.wav", "old2-2.json", "up_only.png"}.isdisjoint(left)
    assert {"new1.wav", "new1-2.json", "up_shared.png", "stuck.wav"} <= left  # kept runs keep their files
    assert new.exists()


def test_media_only_keeps_the_rows_without_outputs(migrated_db: Path, capsys) -> None:
    old = add_run(migrated_db, "old1", 40)
    assert main(["prune", "--older-than", "30d", "--media-only"]) == 0
    assert "removed 2 files" in capsys.readouterr().out
    assert not old.exists()
    kept = rows()["old1"]
    assert kept.output_path is None and kept.status == "succeeded"


def test_bad_age_is_a_usage_error(capsys) -> None:
    assert main(["prune", "--older-than", "soon"]) == 2
    assert "e.g. 30d" in capsys.readouterr().err
