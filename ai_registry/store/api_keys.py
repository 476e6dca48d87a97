"""API keys for the app's own routes: created once, stored as a hash, revocable, owned by a person.

Keys made before accounts existed have no owner and keep working as before; a key whose owner is
disabled no longer authenticates.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select, update

from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, User, utcnow

KEY_PREFIX = "air_"
LAST_USED_RESOLUTION_S = 60
MAX_NAME_LENGTH = 100


def hash_key(raw_key: str) -> str:
    """SHA-256 of a key. Keys are 256-bit random, so a fast hash is enough (no password stretching)."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyIdentity:
    """Who an authenticated key acts for. `owner_role` is None for a key without an owner."""

    key_id: int
    key_name: str
    owner_id: int | None
    owner_email: str | None
    owner_role: str | None


def create_api_key(*, session: Session, name: str, owner_id: int | None = None) -> tuple[ApiKey, str]:
    """Create a key (for `owner_id`, when given); returns the row and the full key, never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValueError("Give the key a name, for example the app or script that will use it.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"The name is {len(name)} characters long; at most {MAX_NAME_LENGTH} fit.")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    if owner_id is not None:
        owner = session.get(User, owner_id)
        if owner is None or not owner.active:
            raise ValueError("Keys can only be made for an active account.")
    row = ApiKey(name=name, prefix=raw[: len(KEY_PREFIX) + 6], key_hash=hash_key(raw), owner_id=owner_id)
    session.add(row)
    session.flush()
    return row, raw


def list_api_keys(
    *, session: Session, include_revoked: bool = False, owner_id: int | None = None
) -> list[ApiKey]:
    """Keys, newest first; only `owner_id`'s when given."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    if owner_id is not None:
        query = query.where(ApiKey.owner_id == owner_id)
    return list(session.exec(query))


def revoke_api_key(*, session: Session, key_id: int) -> bool:
    """Revoke a key at once; False when there was no such active key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    return True


def revoke_owner_keys(*, session: Session, owner_id: int) -> int:
    """Revoke every active key of one person at once; returns how many were revoked."""
    result = session.exec(
        update(ApiKey)
        .where(ApiKey.owner_id == owner_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def find_active_key_and_owner(*, session: Session, raw_key: str) -> tuple[ApiKey, User | None] | None:
    """The active key matching `raw_key` and its owner (None for an ownerless key), last-used time updated.

    A key whose owner is disabled is refused, even if revoking it was somehow missed.
    """
    if not raw_key or not raw_key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(raw_key)
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    owner = session.get(User, row.owner_id) if row.owner_id is not None else None
    if row.owner_id is not None and (owner is None or not owner.active):
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    # At most one write a minute per key: a key used for every gateway call would otherwise cost a
    # database commit per call (the time shown is "last used", to the minute).
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_S:
        row.last_used_at = now
        session.add(row)
    return row, owner


def find_active_key(*, session: Session, raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key`, with its last-used time updated."""
    found = find_active_key_and_owner(session=session, raw_key=raw_key)
    return found[0] if found else None


def authenticate_api_key(raw_key: str) -> KeyIdentity | None:
    """Who `raw_key` acts for, in its own session (for the HTTP routes), or None when it is not valid."""
    with session_scope() as session:
        found = find_active_key_and_owner(session=session, raw_key=raw_key)
        if found is None:
            return None
        key, owner = found
        return KeyIdentity(
            key_id=key.id,
            key_name=key.name,
            owner_id=owner.id if owner else None,
            owner_email=owner.email if owner else None,
            owner_role=owner.role if owner else None,
        )


# A key acts with its owner's role: viewers cannot call models, so a viewer's key (say, of a member
# demoted to viewer) opens nothing. Keys from before accounts existed have no owner and keep working.
ROLES_WITH_KEYS = (None, "member", "admin")


def verify_api_key(raw_key: str) -> bool:
    """True when `raw_key` is an active key whose owner is active and may call models (the routes' check)."""
    identity = authenticate_api_key(raw_key)
    return identity is not None and identity.owner_role in ROLES_WITH_KEYS
