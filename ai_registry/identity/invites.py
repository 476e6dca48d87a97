"""Invites: an admin makes a one-time, expiring link with a role; accepting it creates the account."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.accounts import create_user, validate_email
from ai_registry.identity.errors import InviteRefused, NotAllowed
from ai_registry.identity.roles import parse_role
from ai_registry.identity.tokens import hash_token, new_token, plausible_token
from ai_registry.store.invites import claim_invite, find_invite_by_hash, insert_invite
from ai_registry.store.tables import Invite, User, utcnow

INVITE_LIFETIME = timedelta(days=7)
MAX_INVITE_LIFETIME = timedelta(days=30)

NOT_VALID = "This invite link is not valid. Ask an administrator for a new one."
USED = "This invite link has already been used. Ask an administrator for a new one."
REVOKED = "This invite link was withdrawn. Ask an administrator for a new one."


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.active or actor.role != "admin":
        raise NotAllowed("Only an administrator can manage invites.")


def create_invite(
    *,
    session: Session,
    actor: User,
    role: str,
    email: str | None = None,
    lifetime: timedelta = INVITE_LIFETIME,
    address: str | None = None,
    now: datetime | None = None,
) -> tuple[Invite, str]:
    """An invite for `role` (only for `email`, when given); returns the row and the raw token, given once."""
    _require_admin(actor)
    parsed_role = parse_role(role)
    if not timedelta(minutes=5) <= lifetime <= MAX_INVITE_LIFETIME:
        raise InviteRefused("An invite lasts between 5 minutes and 30 days.")
    normalized = validate_email(email) if email else None
    now = now or utcnow()
    raw = new_token()
    row = insert_invite(
        session=session, token_hash=hash_token(raw), role=parsed_role, email=normalized,
        created_by=actor.id, expires_at=now + lifetime,
    )
    row.created_at = now
    audit.record(
        session=session, action=audit.INVITE_CREATED, actor=actor, address=address, target=normalized,
        details={"invite_id": row.id, "role": parsed_role, "expires_at": row.expires_at.isoformat()},
    )
    return row, raw


def open_invite(*, session: Session, raw_token: str | None, now: datetime | None = None) -> Invite:
    """The invite a link names, if it can still be accepted; else InviteRefused saying why."""
    if not plausible_token(raw_token):
        raise InviteRefused(NOT_VALID)
    invite = find_invite_by_hash(session=session, token_hash=hash_token(raw_token))
    if invite is None:
        raise InviteRefused(NOT_VALID)
    if invite.used_at is not None:
        raise InviteRefused(USED)
    if invite.revoked_at is not None:
        raise InviteRefused(REVOKED)
    if invite.expires_at <= (now or utcnow()):
        raise InviteRefused(
            f"This invite link expired on {invite.expires_at:%Y-%m-%d %H:%M} UTC. Ask an administrator for a new one."
        )
    return invite


def accept_invite(
    *,
    session: Session,
    raw_token: str | None,
    email: str,
    password: str,
    display_name: str = "",
    address: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create the account an invite allows. Any refusal raises, so the caller's rollback leaves nothing changed."""
    now = now or utcnow()
    invite = open_invite(session=session, raw_token=raw_token, now=now)
    normalized = validate_email(email)
    if invite.email and invite.email != normalized:
        raise InviteRefused(f"This invite is for {invite.email}; sign up with that address.")
    user = create_user(
        session=session, email=normalized, password=password, role=invite.role, display_name=display_name,
        address=address, via="invite",
    )
    # Claimed after the account checks pass, in one conditional UPDATE: of two people racing, one wins.
    if not claim_invite(session=session, invite_id=invite.id, now=now):
        raise InviteRefused(USED)
    session.refresh(invite)
    invite.used_by = user.id
    session.add(invite)
    audit.record(
        session=session, action=audit.INVITE_ACCEPTED, actor=user, address=address, target=user.email,
        details={"invite_id": invite.id, "role": invite.role},
    )
    return user


def revoke_invite(*, session: Session, actor: User, invite_id: int, address: str | None = None) -> bool:
    """Withdraw an unused invite; False when there is no such open invite."""
    _require_admin(actor)
    invite = session.get(Invite, invite_id)
    if invite is None or invite.used_at is not None or invite.revoked_at is not None:
        return False
    invite.revoked_at = utcnow()
    session.add(invite)
    audit.record(
        session=session, action=audit.INVITE_REVOKED, actor=actor, address=address, target=invite.email,
        details={"invite_id": invite.id},
    )
    return True
