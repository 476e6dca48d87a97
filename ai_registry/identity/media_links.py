"""Signed, expiring links to media files: `/media/<name>?exp=<unix time>&sig=<HMAC>`.

Whoever holds such a link may open that one file until it expires, signed in or not (a share page,
a file handed to a tool). The HMAC key is derived from the app's secret (`AI_REGISTRY_SECRET_KEY`,
else the data folder's key file), so links survive restarts and die with the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from ai_registry.settings import get_settings
from ai_registry.store.app_settings import secret_root_key

MEDIA_PREFIX = "/media/"
LINK_LIFETIME_S = 3600
MAX_LINK_LIFETIME_S = 7 * 24 * 3600


def _signing_key() -> bytes:
    settings = get_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return hashlib.sha256(b"ai-registry media links\0" + secret_root_key(settings.data_dir, secret)).digest()


def _signature(name: str, expires: int) -> str:
    return hmac.new(_signing_key(), f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def signed_media_url(name: str, *, lifetime_s: int = LINK_LIFETIME_S, now: float | None = None) -> str:
    """A link to media file `name` that anyone may open for `lifetime_s` seconds."""
    lifetime_s = max(1, min(lifetime_s, MAX_LINK_LIFETIME_S))
    expires = int((now if now is not None else time.time()) + lifetime_s)
    return MEDIA_PREFIX + name + "?" + urlencode({"exp": expires, "sig": _signature(name, expires)})


def link_is_valid(name: str, expires: str | None, signature: str | None, *, now: float | None = None) -> bool:
    """True for an unexpired link whose signature matches this file name."""
    if not expires or not signature or not expires.isdigit() or len(signature) > 100:
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_signature(name, int(expires)), signature)
