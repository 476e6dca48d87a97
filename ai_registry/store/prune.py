"""Pruning old playground runs: their rows and the media files they wrote or uploaded.

`python -m ai_registry prune --older-than 30d [--media-only] [--dry-run]` calls `prune_runs`. A run
still running is never touched, and an uploaded file another (kept) run still uses stays.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from ai_registry.media.storage import UPLOAD_PREFIX
from ai_registry.settings import get_settings
from ai_registry.store.tables import Example, Run

_AGE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$", re.I)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """`30d`, `12h` or `2w` as a duration; anything else is a ValueError saying what is expected."""
    match = _AGE.match(text or "")
    if match is None:
        raise ValueError(f"{text!r} is not an age: give a number and h, d or w, e.g. 30d")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


@dataclass
class PruneReport:
    """What a prune removed (or, on a dry run, would remove)."""

    cutoff: datetime
    run_ids: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    dry_run: bool = False
    media_only: bool = False

    def lines(self) -> list[str]:
        """One line per file and run, then a summary, as the command prints them."""
        verb = "would remove" if self.dry_run else "removed"
        out = [f"{verb} file {path}" for path in self.files]
        if not self.media_only:
            out += [f"{verb} run {run_id}" for run_id in self.run_ids]
        size = f"{self.bytes / 1_000_000:.1f} MB"
        when = f"older than {self.cutoff:%Y-%m-%d %H:%M} UTC"
        if self.media_only:
            out.append(f"{verb} {len(self.files)} files ({size}) of {len(self.run_ids)} runs {when}")
        else:
            out.append(f"{verb} {len(self.run_ids)} runs and {len(self.files)} files ({size}) {when}")
        return out


def _uploads(run: Run, media: Path) -> set[Path]:
    """Uploaded input files (in the media folder) a run's inputs name."""
    found: set[Path] = set()
    try:
        inputs = json.loads(run.inputs_json or "{}")
    except ValueError:
        return found
    for value in inputs.values() if isinstance(inputs, dict) else ():
        path = value.get("path") if isinstance(value, dict) else None
        if isinstance(path, str) and Path(path).name.startswith(UPLOAD_PREFIX):
            found.add(media / Path(path).name)
    return found


def _outputs(run: Run, media: Path, names: list[str]) -> set[Path]:
    """Files the run wrote: `<run id>.<ext>`, `<run id>-2.<ext>`, ..., and its output path."""
    found = {media / n for n in names if n.split(".")[0] == run.id or n.startswith(run.id + "-")}
    if run.output_path and Path(run.output_path).parent == media:
        found.add(Path(run.output_path))
    return found


def prune_runs(
    *,
    session: Session,
    older_than: timedelta,
    media_only: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneReport:
    """Remove runs created before now - `older_than` with their files (`media_only`: the files only,
    keeping the rows without an output). `dry_run` changes nothing and reports the same."""
    cutoff = (now or datetime.now(UTC)) - older_than
    report = PruneReport(cutoff=cutoff, dry_run=dry_run, media_only=media_only)
    media = get_settings().data_dir / "media"
    names = sorted(p.name for p in media.iterdir()) if media.is_dir() else []
    # Runs pinned as examples (issue 15) are kept: a team chose them.
    pinned = select(Example.run_id)
    old = session.exec(
        select(Run).where(Run.created_at < cutoff, Run.status != "running", Run.id.not_in(pinned))
    ).all()
    if not old:
        return report
    old_ids = {run.id for run in old}
    kept_uploads: set[Path] = set()
    for run in session.exec(select(Run).where(Run.inputs_json.contains(UPLOAD_PREFIX))).all():
        if run.id not in old_ids:
            kept_uploads |= _uploads(run, media)
    files: set[Path] = set()
    for run in old:
        files |= _outputs(run, media, names) | (_uploads(run, media) - kept_uploads)
    report.run_ids = sorted(old_ids)
    report.files = sorted(p for p in files if p.is_file())
    report.bytes = sum(p.stat().st_size for p in report.files)
    if dry_run:
        return report
    for path in report.files:
        with contextlib.suppress(OSError):
            path.unlink()
    for run in old:
        if media_only:
            run.output_path = None
            session.add(run)
        else:
            session.delete(run)
    session.commit()
    return report
