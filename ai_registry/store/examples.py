"""Examples: successful runs pinned to their model (issue 15), team-wide or for their owner only.

Keyword-only queries; who may pin what is decided in `identity/examples.py`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, or_
from sqlmodel import Session, select

from ai_registry.store.runs import MEDIA_URL_PREFIX, THUMBNAIL_KINDS
from ai_registry.store.tables import Example, Run

SCOPES = ("team", "owner")


def find_example(*, session: Session, run_id: str, scope: str) -> Example | None:
    return session.exec(select(Example).where(Example.run_id == run_id, Example.scope == scope)).first()


def run_pins(*, session: Session, run_id: str) -> list[Example]:
    """Every pin of one run (at most one per scope)."""
    return list(session.exec(select(Example).where(Example.run_id == run_id).order_by(Example.scope)))


def _same_shelf(query, *, model_slug: str, scope: str, owner_id: int | None):
    query = query.where(Example.model_slug == model_slug, Example.scope == scope)
    return query.where(Example.pinned_by == owner_id) if scope == "owner" else query


def pin_example(
    *, session: Session, run: Run, scope: str, pinned_by: int | None, featured: bool = False
) -> Example:
    """Pin `run` in `scope` (or update its pin); a featured pin unfeatures the model's other pins of
    the same scope (and, for "owner", the same person), so a card has one featured example."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if featured:
        for other in session.exec(
            _same_shelf(select(Example), model_slug=run.model_slug, scope=scope, owner_id=pinned_by)
            .where(Example.featured)
        ):
            other.featured = False
            session.add(other)
    example = find_example(session=session, run_id=run.id, scope=scope)
    if example is None:
        last = session.exec(
            _same_shelf(select(func.max(Example.position)), model_slug=run.model_slug, scope=scope, owner_id=pinned_by)
        ).one()
        example = Example(
            run_id=run.id, model_slug=run.model_slug, scope=scope, pinned_by=pinned_by, position=(last or 0) + 1
        )
    example.featured = featured
    session.add(example)
    session.flush()
    return example


def unpin_example(*, session: Session, run_id: str, scope: str) -> bool:
    """Remove one pin; False when there was none."""
    example = find_example(session=session, run_id=run_id, scope=scope)
    if example is None:
        return False
    session.delete(example)
    session.flush()
    return True


def _visible(query, viewer_id: int | None):
    """Team examples, and the viewer's own."""
    own = Example.pinned_by == viewer_id if viewer_id is not None else False
    return query.where(or_(Example.scope == "team", (Example.scope == "owner") & own))


def model_examples(*, session: Session, model_slug: str, viewer_id: int | None) -> list[tuple[Example, Run]]:
    """The model's examples the viewer sees, featured first, then in pinning order (team before own)."""
    query = (
        select(Example, Run)
        .join(Run, Run.id == Example.run_id)
        .where(Example.model_slug == model_slug, Run.status == "succeeded")
    )
    rows = session.exec(_visible(query, viewer_id)).all()
    seen: set[str] = set()
    ordered = []
    for example, run in sorted(
        rows, key=lambda r: (not r[0].featured, r[0].scope != "team", r[0].position, r[0].id or 0)
    ):
        if run.id not in seen:  # a run pinned team-wide and by its owner shows once
            seen.add(run.id)
            ordered.append((example, run))
    return ordered


def featured_outputs(*, session: Session, viewer_id: int | None) -> dict[str, str]:
    """Each model's featured example output the viewer sees (their own featured pin before the
    team's), as `{slug: "/media/<name>"}`: card thumbnails. Image and video outputs only, files that exist."""
    query = (
        select(Example, Run)
        .join(Run, Run.id == Example.run_id)
        .where(Example.featured, Run.status == "succeeded", Run.output_kind.in_(THUMBNAIL_KINDS))
        .where(Run.output_path.is_not(None))
    )
    found: dict[str, str] = {}
    for example, run in sorted(session.exec(_visible(query, viewer_id)).all(), key=lambda r: r[0].scope != "owner"):
        path = Path(run.output_path or "")
        if example.model_slug not in found and path.is_file():
            found[example.model_slug] = MEDIA_URL_PREFIX + path.name
    return found


def is_team_example_output(*, session: Session, name: str) -> bool:
    """Whether media file `name` is the output of a run pinned team-wide (every signed-in person may open it)."""
    if not name:
        return False
    query = (
        select(Example.id)
        .join(Run, Run.id == Example.run_id)
        .where(Example.scope == "team", Run.status == "succeeded", Run.output_path.like(f"%/{name}"))
    )
    return session.exec(query).first() is not None


def visible_example_run(*, session: Session, run_id: str, viewer_id: int | None) -> Run | None:
    """The run when it is an example the viewer sees (a team example, or their own), else None."""
    query = select(Run).join(Example, Example.run_id == Run.id).where(Run.id == run_id, Run.status == "succeeded")
    return session.exec(_visible(query, viewer_id)).first()
