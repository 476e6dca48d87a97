"""Browser boundaries, as ASGI wrappers around the whole server (pages, websocket, routes).

- A foreign `Origin` may not open the event websocket (or its polling fallback) nor send a
  state-changing request to a cookie-authenticated route: another site cannot act with a visitor's
  session. Allowed: the public URL's origin (`AI_REGISTRY_PUBLIC_URL`), else the request's own host.
- CORS is off (`cors_allowed_origins=[]` in rxconfig.py): another origin's preflight is refused
  and no answer carries `Access-Control-Allow-Origin`, so no browser lets a foreign page read or send
  with credentials. Key routes (`/api/`, `/v1/`)
  are for scripts and servers, which CORS does not concern. (An empty list also turns off the event
  socket's own origin list, so `guard_origins` below is what refuses foreign origins there.)
- Every answer says `X-Content-Type-Options: nosniff` and a `Referrer-Policy`; pages get a
  Content-Security-Policy with `frame-ancestors 'none'`.
"""

from __future__ import annotations

import json

from ai_registry.identity.web import origin_allowed
from ai_registry.settings import get_settings

KEY_ROUTE_PREFIXES = ("/api/", "/v1/")
EVENT_PATH = "/_event"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reflex's client evaluates server-sent scripts (`rx.call_script`) and hydrates with inline scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; media-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
]
FOREIGN_ORIGIN = "Requests from another site are refused."


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return None


def _is_key_route(path: str) -> bool:
    return path.startswith(KEY_ROUTE_PREFIXES)


def request_origin_allowed(scope) -> bool:
    """Whether a browser request's `Origin` (if any) is this site's."""
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
    return origin_allowed(
        _header(scope, b"origin"), public_url=get_settings().public_url, host=_header(scope, b"host"), scheme=scheme
    )


def guard_origins(app):
    """ASGI wrapper: refuse the websocket and cookie routes' state changes from a foreign `Origin`."""

    async def guarded(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "websocket" and not request_origin_allowed(scope):
            message = await receive()  # the handshake; answering it with a close refuses it (HTTP 403)
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008, "reason": FOREIGN_ORIGIN})
            return
        if scope["type"] == "http" and not _is_key_route(path):
            changes = scope["method"] in STATE_CHANGING or path.startswith(EVENT_PATH)
            if changes and not request_origin_allowed(scope):
                body = json.dumps({"detail": FOREIGN_ORIGIN}).encode()
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded


def security_headers(app):
    """ASGI wrapper: the security headers on every HTTP answer that does not set them itself."""

    async def with_headers(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers") or []}
                extra = [(key, value) for key, value in SECURITY_HEADERS if key not in present]
                message = {**message, "headers": [*(message.get("headers") or []), *extra]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
