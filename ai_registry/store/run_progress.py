"""A run executed as a job, seen from both sides: the job worker claims it and writes the text
streamed so far; any web worker reads that progress, asks it to stop, or finds it abandoned."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.store.tables import Run

FINAL = ("succeeded", "failed", "cancelled", "interrupted")


def claim_run(*, session: Session, run_id: str, worker: str) -> Run | None:
    """The run, now executed by `worker` (its streamed text so far cleared: a retry starts over);
    None when there is no such run or it already ended (a Stop before any worker took it)."""
    run = session.get(Run, run_id)
    if run is None or run.status in FINAL:
        return None
    run.status, run.worker, run.output_text = "running", worker, None
    session.add(run)
    session.flush()
    return run


def save_progress(*, session: Session, run_id: str, text: str | None) -> bool:
    """Store the text streamed so far (None: leave it); True when Stop was requested."""
    run = session.get(Run, run_id)
    if run is None:
        return True
    if text is not None and run.output_text != text:
        run.output_text = text
        session.add(run)
    return run.cancel_requested


def request_cancel(*, session: Session, run_id: str) -> None:
    """Ask the job worker executing the run to stop it."""
    run = session.get(Run, run_id)
    if run is not None and run.status not in FINAL and not run.cancel_requested:
        run.cancel_requested = True
        session.add(run)


def end_run(*, session: Session, run_id: str, status: str, reason: str) -> bool:
    """End a run that is not over with `status` and `reason`; False when it was already over."""
    run = session.get(Run, run_id)
    if run is None or run.status in FINAL:
        return False
    run.status, run.error = status, reason
    session.add(run)
    return True
