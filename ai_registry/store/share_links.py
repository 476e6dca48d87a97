"""Share links of runs: only the SHA-256 of a link's token is stored; revoking one ends it at once."""

from __future__ import annotations

from sqlmodel import Session, select, update

from ai_registry.store.tables import Run, ShareLink, utcnow


def insert_share_link(*, session: Session, run_id: str, token_hash: str, created_by: int | None) -> ShareLink:
    row = ShareLink(run_id=run_id, token_hash=token_hash, created_by=created_by)
    session.add(row)
    session.flush()
    return row


def find_shared_run(*, session: Session, token_hash: str) -> Run | None:
    """The run an open (not revoked) link names, or None."""
    query = select(Run).join(ShareLink, ShareLink.run_id == Run.id).where(
        ShareLink.token_hash == token_hash, ShareLink.revoked_at.is_(None)
    )
    return session.exec(query).first()


def revoke_run_share_links(*, session: Session, run_id: str) -> int:
    """Revoke every open link of a run; returns how many were open."""
    result = session.exec(
        update(ShareLink).where(ShareLink.run_id == run_id, ShareLink.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def count_open_share_links(*, session: Session, run_id: str) -> int:
    rows = session.exec(select(ShareLink.id).where(ShareLink.run_id == run_id, ShareLink.revoked_at.is_(None)))
    return len(list(rows))
