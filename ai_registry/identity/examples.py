"""Who may pin a run as an example of its model (issue 15), with every pin and unpin in the audit log.

- team-wide ("team"): administrators, any successful run; everyone signed in then sees its inputs
  and output on the model's page (and its output on the card, when featured).
- for oneself ("owner"): a member, their own successful runs; only they see it.
"""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.roles import role_at_least
from ai_registry.media.stills import make_still
from ai_registry.store.examples import SCOPES, find_example, pin_example, unpin_example
from ai_registry.store.tables import Example, Run, User


def may_pin(run: Run | None, actor: User, scope: str) -> str | None:
    """None when `actor` may pin (or unpin) `run` in `scope`; else why not, in words for the person."""
    if scope not in SCOPES:
        return "Choose the team's examples or your own."
    if run is None:
        return "Open one of your runs first."
    if not role_at_least(actor.role, "member"):
        return "Viewers cannot pin examples."
    if scope == "team" and not role_at_least(actor.role, "admin"):
        return "Only an administrator can pin an example for the whole team."
    if scope == "owner" and (run.owner_id is None or run.owner_id != actor.id):
        return "Only the run's owner can pin it as their own example."
    return None


def pin_run(
    *, session: Session, run: Run | None, actor: User, scope: str, featured: bool = False, address: str | None = None
) -> Example:
    """Pin a successful run; raises NotAllowed with the reason."""
    problem = may_pin(run, actor, scope)
    if problem is None and run.status != "succeeded":
        problem = "Only a successful run can be an example."
    if problem is not None:
        raise NotAllowed(problem)
    example = pin_example(session=session, run=run, scope=scope, pinned_by=actor.id, featured=featured)
    if run.output_kind == "video" and run.output_path:
        make_still(run.output_path)  # the card shows it until hovered
    audit.record(
        session=session, action=audit.EXAMPLE_PINNED, actor=actor, address=address, target=run.id,
        details={"model": run.model_slug, "scope": scope, "featured": featured},
    )
    return example


def unpin_run(*, session: Session, run: Run | None, actor: User, scope: str, address: str | None = None) -> bool:
    """Remove a pin; False when the run was not pinned there. Raises NotAllowed."""
    problem = may_pin(run, actor, scope)
    if problem is not None:
        raise NotAllowed(problem)
    if find_example(session=session, run_id=run.id, scope=scope) is None:
        return False
    unpin_example(session=session, run_id=run.id, scope=scope)
    audit.record(
        session=session, action=audit.EXAMPLE_UNPINNED, actor=actor, address=address, target=run.id,
        details={"model": run.model_slug, "scope": scope},
    )
    return True
