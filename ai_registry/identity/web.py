"""What a browser session looks like on the wire: the cookie's name and attributes, safe redirects, origins.

Pure functions (no web framework): the HTTP routes and the Reflex state both read them.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from ai_registry.identity.sessions import SESSION_LIFETIME

SESSION_COOKIE = "air_session"
DEFAULT_LANDING = "/dashboard/ai-settings"
SIGN_IN_PATH = "/sign-in"


def cookie_is_secure(public_url: str | None) -> bool:
    """`Secure` cookies when people reach the app over https."""
    return bool(public_url) and public_url.strip().lower().startswith("https://")


def session_cookie_attributes(public_url: str | None) -> dict:
    """Keyword arguments for Starlette's `set_cookie`: HttpOnly, SameSite=Lax, Secure behind TLS."""
    return {
        "key": SESSION_COOKIE,
        "max_age": int(SESSION_LIFETIME.total_seconds()),
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": cookie_is_secure(public_url),
    }


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    """The session token in a `Cookie:` header (as the websocket handshake carries it), or None."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed header is no session, not an error page
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel and morsel.value else None


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site only (never `//evil.example` or a full URL)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return DEFAULT_LANDING
    if target.split("?", 1)[0].rstrip("/") in (SIGN_IN_PATH, "/auth/sign-in", "/auth/sign-out"):
        return DEFAULT_LANDING
    return target


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased, or None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def allowed_origins(*, public_url: str | None, host: str | None, scheme: str = "http") -> set[str]:
    """The origins a browser request may come from: the public URL's, else the request's own host."""
    origins = set()
    if public_url and (public := origin_of(public_url)):
        origins.add(public)
    elif host:
        origins.add(f"{scheme.lower()}://{host.lower()}")
    return origins


def origin_allowed(origin: str | None, *, public_url: str | None, host: str | None, scheme: str = "http") -> bool:
    """A request without `Origin` (not from a browser page) passes; a browser's must be one of ours."""
    if origin is None:
        return True
    return origin.strip().lower() in allowed_origins(public_url=public_url, host=host, scheme=scheme)
