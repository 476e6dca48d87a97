"""API keys for the app's own routes: created once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, utcnow

KEY_PREFIX = "air_"
MAX_NAME_LENGTH = 100


def hash_key(raw_key: str) -> str:
    """SHA-256 of a key. Keys are 256-bit random, so a fast hash is enough (no password stretching)."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_api_key(*, session: Session, name: str) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValueError("Give the key a name, for example the app or script that will use it.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"The name is {len(name)} characters long; at most {MAX_NAME_LENGTH} fit.")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, prefix=raw[: len(KEY_PREFIX) + 6], key_hash=hash_key(raw))
    session.add(row)
    session.flush()
    return row, raw


def list_api_keys(*, session: Session, include_revoked: bool = False) -> list[ApiKey]:
    """Keys, newest first."""
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.exec(query))


def revoke_api_key(*, session: Session, key_id: int) -> bool:
    """Revoke a key at once; False when there was no such active key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    return True


def find_active_key(*, session: Session, raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key`, with its last-used time updated."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(raw_key)
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return row


def verify_api_key(raw_key: str) -> bool:
    """True when `raw_key` is an active key of this app (for the HTTP routes' auth dependency)."""
    with session_scope() as session:
        return find_active_key(session=session, raw_key=raw_key) is not None
