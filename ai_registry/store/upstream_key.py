"""The upstream API key a run sends: the one saved in Developer settings, else `AINATIVE_API_KEY`."""

from __future__ import annotations

from ai_registry.settings import get_settings
from ai_registry.store.app_settings import UPSTREAM_API_KEY, get_app_setting
from ai_registry.store.db import session_scope


def upstream_api_key() -> str | None:
    """The upstream key saved in developer settings, else `AINATIVE_API_KEY`. Blocking: a database read."""
    try:
        with session_scope() as session:
            saved = get_app_setting(session=session, key=UPSTREAM_API_KEY)
    except Exception:  # no database yet: the environment still counts
        saved = None
    if saved:
        return saved
    key = get_settings().api_key
    return key.get_secret_value() if key else None
