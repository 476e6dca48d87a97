"""Runs are private: their owner and administrators see them; anyone else only through a share link."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.tokens import hash_token, new_token, plausible_token
from ai_registry.store.share_links import find_shared_run, insert_share_link, revoke_run_share_links
from ai_registry.store.tables import Run

SHARE_PATH = "/share/"


def can_see_run(run: Run | None, *, user_id: int | None, role: str | None) -> bool:
    """The owner and admins may; a run from before accounts (no owner) is for admins only."""
    if run is None or user_id is None:
        return False
    return role_at_least(role, "admin") or (run.owner_id is not None and run.owner_id == user_id)


def share_run(*, session: Session, run: Run, user_id: int, role: str) -> str:
    """A new share link's path for a run the person may see; the raw token is in it and nowhere else."""
    if not can_see_run(run, user_id=user_id, role=role) or not role_at_least(role, "member"):
        raise NotAllowed("Only the run's owner or an administrator can share it.")
    raw = new_token()
    insert_share_link(session=session, run_id=run.id, token_hash=hash_token(raw), created_by=user_id)
    return SHARE_PATH + raw


def stop_sharing(*, session: Session, run: Run, user_id: int, role: str) -> int:
    """Revoke every share link of the run at once; returns how many were open."""
    if not can_see_run(run, user_id=user_id, role=role) or not role_at_least(role, "member"):
        raise NotAllowed("Only the run's owner or an administrator can stop sharing it.")
    return revoke_run_share_links(session=session, run_id=run.id)


def open_shared_run(*, session: Session, raw_token: str | None) -> Run | None:
    """The run a share link opens, or None for unknown, forged or revoked links."""
    if not plausible_token(raw_token):
        return None
    return find_shared_run(session=session, token_hash=hash_token(raw_token))
