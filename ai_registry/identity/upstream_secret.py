"""The upstream API key as a write-only secret: set or removed (audited), never read back for display."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.errors import IdentityError
from ai_registry.store.app_settings import UPSTREAM_API_KEY, delete_app_setting, set_app_setting
from ai_registry.store.tables import AppSetting, User

MAX_UPSTREAM_KEY_LENGTH = 500


def set_upstream_key(*, session: Session, value: str, actor: User | None = None, address: str | None = None) -> None:
    """Save the upstream key, encrypted at rest."""
    value = (value or "").strip()
    if not value:
        raise IdentityError("Paste the upstream API key.")
    if len(value) > MAX_UPSTREAM_KEY_LENGTH or any(ch.isspace() for ch in value):
        raise IdentityError("That does not look like an API key (no spaces, at most 500 characters).")
    set_app_setting(session=session, key=UPSTREAM_API_KEY, value=value)
    audit.record(session=session, action=audit.UPSTREAM_KEY_SET, actor=actor, address=address)


def remove_upstream_key(*, session: Session, actor: User | None = None, address: str | None = None) -> bool:
    """Remove the saved upstream key; False when none was saved."""
    removed = delete_app_setting(session=session, key=UPSTREAM_API_KEY)
    if removed:
        audit.record(session=session, action=audit.UPSTREAM_KEY_REMOVED, actor=actor, address=address)
    return removed


def upstream_key_is_saved(*, session: Session) -> bool:
    """Whether a key is saved, without decrypting it (what a page may show)."""
    return session.get(AppSetting, UPSTREAM_API_KEY) is not None
