"""`/auth/sso/start` and `/auth/sso/callback`: OpenID Connect sign-in over plain HTTP, never the websocket.

Start sends the browser to the provider with a fresh state, nonce and PKCE challenge, sealed in a
short-lived HttpOnly cookie. The callback checks them, exchanges the code, verifies the ID token,
finds or creates the account and sets the same session cookie as the password sign-in. A refusal
answers the sign-in page with the reason (400, 401, 403, 404 or 502), never a 500, and changes
nothing but the audit log's `sign_in_failed` line.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ai_registry.api.sign_in_page import sign_in_html
from ai_registry.identity import oidc
from ai_registry.identity.web import DEFAULT_LANDING, safe_next, session_cookie_attributes
from ai_registry.settings import get_settings
from ai_registry.store.app_settings import secret_box
from ai_registry.store.db import session_scope

log = logging.getLogger(__name__)

SSO_OFF = "Single sign-on is not set up on this server; sign in with your email and password."
BAD_STATE = (
    "This sign-in attempt has expired or was already used (its state does not match). "
    'Start again with the "Sign in with" button.'
)
_NO_STORE = {"Cache-Control": "no-store"}
_MAX_PARAM = 2048


def _landing(target: str | None) -> str:
    """A safe `next` that is a page: never back into a sign-in route (start again, a redirect loop)."""
    path = safe_next(target)
    return DEFAULT_LANDING if path.startswith("/auth/") else path


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _redirect_uri(request: Request) -> str:
    """Where the provider sends the browser back: the public URL's, else this request's own origin."""
    public = (get_settings().public_url or "").strip().rstrip("/")
    base = public or str(request.base_url).rstrip("/")
    return base + oidc.CALLBACK_PATH


def _pending_cookie(response: Response, value: str | None) -> None:
    secure = session_cookie_attributes(get_settings().public_url)["secure"]
    if value is None:
        response.delete_cookie(oidc.PENDING_COOKIE, path="/auth/sso", secure=secure, httponly=True, samesite="lax")
    else:
        # Lax: the browser sends it on the provider's top-level redirect back (a GET), never on a foreign post.
        response.set_cookie(
            oidc.PENDING_COOKIE, value, max_age=oidc.PENDING_LIFETIME_S, path="/auth/sso", secure=secure,
            httponly=True, samesite="lax",
        )


def _refusal(error: oidc.SsoError | None, *, next_path: str, message: str = "", status: int = 400) -> Response:
    response = HTMLResponse(
        sign_in_html(next_path=next_path, error=str(error) if error else message),
        status_code=error.status if error else status, headers=_NO_STORE,
    )
    _pending_cookie(response, None)  # one attempt per start: a refused callback cannot be replayed
    return response


def _server_fault() -> oidc.SsoError:
    return oidc.SsoError(
        "Single sign-on failed on this server; nothing was changed. Try again, or sign in with your password.",
        reason="server_error", status=503,
    )


def _record_failure(error: oidc.SsoError, address: str | None) -> None:
    try:
        with session_scope() as session:
            oidc.record_failure(session=session, error=error, address=address)
    except Exception:  # the refusal is still shown; a database fault is the log's to report
        log.exception("could not audit-log a refused single sign-on (%s)", error.reason)


def _sign_in(config: oidc.SsoConfig, email: str, name: str, address: str | None, user_agent: str | None) -> str:
    with session_scope() as session:
        _user, token = oidc.sso_sign_in(
            session=session, config=config, email=email, display_name=name, address=address, user_agent=user_agent,
        )
        return token


async def _finish(request: Request, config: oidc.SsoConfig, pending: oidc.PendingSignIn) -> str:
    """The callback's checks, in order; returns the new session token or raises SsoError."""
    params = request.query_params
    if params.get("error"):
        detail = str(params.get("error_description") or params["error"])[:300]
        raise oidc.SsoError(f"{config.label} did not sign you in: {detail}.", reason="provider_refused")
    code = str(params.get("code") or "")
    if not code or len(code) > _MAX_PARAM:
        raise oidc.SsoError(f"{config.label} sent no usable authorization code back. Start again.", reason="no_code")
    metadata = await oidc.discover(config)
    token = await oidc.exchange_code(config, metadata, pending, code)
    claims = await oidc.verify_id_token(config, metadata, token, pending.nonce)
    email, name = oidc.identity_of(claims, config)
    return await asyncio.to_thread(
        _sign_in, config, email, name, _address(request), request.headers.get("user-agent")
    )


def build_sso_router() -> APIRouter:
    """The browser's single sign-on routes (kept out of the OpenAPI document, like the password ones)."""
    router = APIRouter(include_in_schema=False)

    @router.get(oidc.START_PATH)
    async def sso_start(request: Request) -> Response:
        next_path = _landing(request.query_params.get("next"))
        config = oidc.SsoConfig.from_settings(get_settings())
        if config is None:
            return _refusal(None, next_path=next_path, message=SSO_OFF, status=404)
        try:
            metadata = await oidc.discover(config)
            pending = oidc.PendingSignIn.new(next_path=next_path, redirect_uri=_redirect_uri(request))
            location = oidc.authorization_url(config, metadata, pending)
            sealed = oidc.seal_pending(pending, secret_box())
        except oidc.SsoError as error:
            return _refusal(error, next_path=next_path)
        except Exception:  # e.g. an unusable AI_REGISTRY_SECRET_KEY: the page says so, never a bare 500
            log.exception("single sign-on could not start")
            return _refusal(_server_fault(), next_path=next_path)
        response = RedirectResponse(location, status_code=303, headers=_NO_STORE)
        _pending_cookie(response, sealed)
        return response

    @router.get(oidc.CALLBACK_PATH)
    async def sso_callback(request: Request) -> Response:
        config = oidc.SsoConfig.from_settings(get_settings())
        if config is None:
            return _refusal(None, next_path=DEFAULT_LANDING, message=SSO_OFF, status=404)
        pending, next_path = None, DEFAULT_LANDING
        try:
            pending = oidc.open_pending(request.cookies.get(oidc.PENDING_COOKIE), secret_box())
            next_path = _landing(pending.next_path if pending else None)
            if not oidc.state_matches(pending, request.query_params.get("state")):
                raise oidc.SsoError(BAD_STATE, reason="bad_state")
            token = await _finish(request, config, pending)
        except oidc.SsoError as error:
            await asyncio.to_thread(_record_failure, error, _address(request))
            return _refusal(error, next_path=next_path)
        except Exception:  # a fault of ours: still the sign-in page with a reason, never a bare 500
            log.exception("single sign-on callback failed")
            return _refusal(_server_fault(), next_path=next_path)
        response = RedirectResponse(next_path, status_code=303, headers=_NO_STORE)
        response.set_cookie(value=token, **session_cookie_attributes(get_settings().public_url))
        _pending_cookie(response, None)
        return response

    return router
