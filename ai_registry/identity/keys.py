"""Keys belong to people: a member makes, sees and revokes their own keys, an admin everyone's."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.roles import role_at_least
from ai_registry.store.api_keys import create_api_key, list_api_keys, revoke_api_key
from ai_registry.store.tables import ApiKey, User


def create_key_for(
    *, session: Session, owner: User, name: str, actor: User | None = None, address: str | None = None
) -> tuple[ApiKey, str]:
    """A new key acting for `owner` (made by `actor`, or by the owner); returns the row and the raw key once.

    A viewer cannot run models, so a viewer gets no key; nobody but an admin makes keys for someone else.
    """
    if actor is not None and actor.id != owner.id and not role_at_least(actor.role, "admin"):
        raise NotAllowed("Only an administrator can make keys for someone else.")
    if not role_at_least(owner.role, "member"):
        raise NotAllowed(f"{owner.email} is a viewer; viewers cannot call models, so they get no keys.")
    row, raw = create_api_key(session=session, name=name, owner_id=owner.id)
    audit.record(
        session=session, action=audit.KEY_CREATED, actor=actor or None, address=address, target=owner.email,
        details={"key_id": row.id, "name": row.name, "prefix": row.prefix},
    )
    return row, raw


def keys_visible_to(*, session: Session, actor: User, include_revoked: bool = False) -> list[ApiKey]:
    """Every key for an admin; the actor's own keys for anyone else."""
    owner_id = None if role_at_least(actor.role, "admin") else actor.id
    return list_api_keys(session=session, include_revoked=include_revoked, owner_id=owner_id)


def revoke_key_as(*, session: Session, actor: User, key_id: int, address: str | None = None) -> bool:
    """Revoke a key the actor may revoke; False when there is no such active key *the actor can see*."""
    row = session.get(ApiKey, key_id)
    if row is None or (not role_at_least(actor.role, "admin") and row.owner_id != actor.id):
        return False  # someone else's key looks exactly like a missing one
    if not revoke_api_key(session=session, key_id=key_id):
        return False
    audit.record(
        session=session, action=audit.KEY_REVOKED, actor=actor, address=address,
        details={"key_id": row.id, "name": row.name, "prefix": row.prefix, "owner_id": row.owner_id},
    )
    return True
