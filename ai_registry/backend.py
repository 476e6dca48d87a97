"""The HTTP routes mounted beside Reflex's own (the JSON API, the local engine) and the upload guard."""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi_offline import FastAPIOffline

from ai_registry.api import build_registry_router
from ai_registry.api.audit_export import build_audit_export_router
from ai_registry.api.auth_routes import build_auth_router
from ai_registry.api.invite_pages import build_invite_router
from ai_registry.api.media_route import build_media_router
from ai_registry.api.runs_api import build_runs_router
from ai_registry.api.share_page import build_share_router
from ai_registry.api.sso_routes import build_sso_router
from ai_registry.api.usage_export import build_usage_export_router
from ai_registry.settings import get_settings

log = logging.getLogger(__name__)


def build_backend() -> FastAPIOffline:
    """The FastAPI app Reflex serves through `api_transformer` (its OpenAPI document included)."""
    # FastAPIOffline: FastAPI whose /docs and /redoc load Swagger UI and ReDoc from files in the
    # package (served under /static-offline-docs), not from a CDN, so they work offline.
    app = FastAPIOffline(
        title="AI Model Registry API",
        version="0.1.0",
        description="The registry's models as JSON, and every catalog model behind one key (the gateway, /v1).",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
    )

    app.include_router(build_media_router())
    app.include_router(build_auth_router())
    app.include_router(build_sso_router())
    app.include_router(build_invite_router())
    app.include_router(build_audit_export_router())
    app.include_router(build_share_router())
    app.include_router(build_usage_export_router())
    app.include_router(build_registry_router())
    app.include_router(build_runs_router())

    # The gateway serves every catalog model's routes under /v1 (local models through the embedded
    # engine in this process); the engine's own routes the gateway does not cover stay mounted.
    from ai_registry.gateway.routes import build_gateway_router

    gateway = build_gateway_router()
    app.include_router(gateway)
    try:
        from ai_registry.local.api import build_local_router
    except ImportError as exc:  # the engine is optional; the gallery works without it
        log.warning("local engine routes not mounted: %s", exc)
    else:
        taken = frozenset({getattr(route, "path", "") for route in gateway.routes} | {"/v1/models/{model_id}"})
        app.include_router(build_local_router(skip=taken))
    return app


# Multipart framing around an uploaded file is small; allow it on top of the file limit.
_MULTIPART_OVERHEAD = 64 * 1024


def limit_uploads(app):
    """ASGI wrapper: Reflex's `/_upload` has no server-side size limit, so answer 413 here.

    `rx.upload(max_size=...)` only checks in the browser; a script could still post anything.
    """

    async def guarded(scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/_upload") and scope["method"] == "POST":
            limit = get_settings().upload_max_bytes + _MULTIPART_OVERHEAD
            length = dict(scope.get("headers") or []).get(b"content-length", b"")
            if not length.isdigit() or int(length) > limit:
                reason = (
                    "a Content-Length header is required"
                    if not length.isdigit()
                    else (f"the upload is {int(length) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")
                )
                body = json.dumps({"detail": f"File too large or unsized: {reason}."}).encode()
                status = 411 if not length.isdigit() else 413
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded


def _prerendered_folders() -> frozenset[str]:
    """The addresses of the pages the production build keeps as `<address>/index.html`."""
    from reflex import constants
    from reflex.config import get_config
    from reflex.utils import prerequisites

    root = prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
    if not root.is_dir():
        return frozenset()
    return frozenset("/" + str(p.parent.relative_to(root)) for p in root.rglob("index.html") if p.parent != root)


def serve_pages_without_slash(app):
    """ASGI wrapper: answer `/dashboard/ai-settings` with its prerendered page, not a redirect.

    The build keeps the gallery as `dashboard/ai-settings/index.html`, so the static file server
    answered the address people use, share and reload with a 307 to the trailing-slash form: one
    more round trip before the first byte. Only GET and HEAD of those exact addresses change.
    """
    folders: frozenset[str] | None = None

    async def serve(scope, receive, send):
        nonlocal folders
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
                if not folders:  # read once the build is there (in development it never is)
                    folders = _prerendered_folders()
                if path in folders:
                    scope = {**scope, "path": path + "/", "raw_path": (path + "/").encode()}
        await app(scope, receive, send)

    return serve


def _signed_in(cookie_header: str | None) -> bool:
    from ai_registry.identity.sessions import session_for_token
    from ai_registry.identity.web import token_from_cookie_header
    from ai_registry.store.db import session_scope

    token = token_from_cookie_header(cookie_header)
    if token is None:
        return False
    with session_scope() as session:
        return session_for_token(session=session, raw_token=token) is not None


def _is_page(path: str) -> bool:
    return path == "/" or path == "/dashboard" or path.startswith("/dashboard/")


def require_sign_in_for_pages(app):
    """ASGI wrapper: a page's HTML (its pre-rendered cards included) goes only to a signed-in browser.

    Anyone else gets a 303 to `/sign-in?next=<the page>`. The event handlers check again on every
    event; this keeps the first HTML from showing anything before they run.
    """
    from urllib.parse import quote

    from ai_registry.identity.web import SIGN_IN_PATH

    async def gate(scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and _is_page(scope["path"]):
            cookie = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
            if not await asyncio.to_thread(_signed_in, cookie):
                query = scope.get("query_string", b"").decode("latin-1")
                target = scope["path"] + (f"?{query}" if query else "")
                location = f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"
                await send({
                    "type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")), (b"cache-control", b"no-store")],
                })
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)

    return gate
