"""Settings saved from the UI (the upstream API key), kept server-side only."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.store.tables import AppSetting, utcnow

UPSTREAM_API_KEY = "upstream_api_key"


def get_app_setting(*, session: Session, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row else None


def set_app_setting(*, session: Session, key: str, value: str) -> None:
    row = session.get(AppSetting, key) or AppSetting(key=key, value=value)
    row.value = value
    row.updated_at = utcnow()
    session.add(row)


def delete_app_setting(*, session: Session, key: str) -> bool:
    row = session.get(AppSetting, key)
    if row is None:
        return False
    session.delete(row)
    return True


def mask_secret(value: str | None) -> str:
    """`sk-…abcd`: enough to recognise a key, never enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * len(value)
    return f"{value[:3]}…{value[-4:]}"
