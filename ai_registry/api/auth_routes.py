"""`/sign-in`, `/auth/sign-in` and `/auth/sign-out`: password sign-in over plain HTTP, never the websocket.

A good password gets a `303` to where the person was going and an HttpOnly, SameSite=Lax session
cookie holding a random token whose SHA-256 alone is stored. A refusal answers the page again with
the reason (never whether the email exists) and the status that fits: 400, 401, 403 or 429.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ai_registry.api.sign_in_page import sign_in_html
from ai_registry.identity import audit
from ai_registry.identity.sessions import end_session, session_for_token
from ai_registry.identity.sign_in import DISABLED, MISSING_CREDENTIALS, WRONG_CREDENTIALS, sign_in
from ai_registry.identity.web import (
    SESSION_COOKIE,
    SIGN_IN_PATH,
    origin_allowed,
    safe_next,
    session_cookie_attributes,
)
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope

FOREIGN_ORIGIN = "This form was sent from another site. Open this server's sign-in page and try again."
SIGNED_OUT = "You are signed out."
# Browsers cache nothing of these pages: a shared computer's Back button shows no signed-in page.
_NO_STORE = {"Cache-Control": "no-store"}
_MAX_FIELD = 2048


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _same_origin(request: Request) -> bool:
    return origin_allowed(
        request.headers.get("origin"), public_url=get_settings().public_url,
        host=request.headers.get("host"), scheme=request.url.scheme,
    )


def _page(
    status: int, *, next_path: str, email: str = "", error: str = "", notice: str = "", headers=None,
    signup_open: bool = False,
):
    return HTMLResponse(
        sign_in_html(next_path=next_path, email=email, error=error, notice=notice, signup_open=signup_open),
        status_code=status, headers={**_NO_STORE, **(headers or {})},
    )


def _signed_in(raw_token: str | None) -> bool:
    with session_scope() as session:
        return session_for_token(session=session, raw_token=raw_token) is not None


def _signup_open() -> bool:
    from ai_registry.identity.signup_setting import read_signup_setting

    with session_scope() as session:
        return read_signup_setting(session=session).open


def _password_sign_in(email: str, password: str, address: str | None, user_agent: str | None):
    with session_scope() as session:
        outcome = sign_in(session=session, email=email, password=password, address=address, user_agent=user_agent)
        return outcome.token, outcome.error, outcome.retry_after_s


def _sign_out(raw_token: str | None, address: str | None) -> None:
    with session_scope() as session:
        row = end_session(session=session, raw_token=raw_token)
        if row is not None:
            from ai_registry.store.users import get_user

            audit.record(session=session, action=audit.SIGN_OUT, actor=get_user(session=session, user_id=row.user_id),
                         address=address)


def sign_in_location(next_path: str) -> str:
    """The sign-in page that returns to `next_path` afterwards."""
    return f"{SIGN_IN_PATH}?next={quote(safe_next(next_path), safe='/')}"


def build_auth_router() -> APIRouter:
    """The browser's sign-in routes (kept out of the OpenAPI document: they are for people, not scripts)."""
    router = APIRouter(include_in_schema=False)

    @router.get(SIGN_IN_PATH)
    async def sign_in_page(request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        if await asyncio.to_thread(_signed_in, request.cookies.get(SESSION_COOKIE)):
            return RedirectResponse(next_path, status_code=303, headers=_NO_STORE)
        notice = SIGNED_OUT if request.query_params.get("signed_out") else ""
        signup_open = await asyncio.to_thread(_signup_open)
        return _page(200, next_path=next_path, notice=notice, signup_open=signup_open)

    @router.post("/auth/sign-in")
    async def post_sign_in(request: Request) -> Response:
        if not _same_origin(request):
            return _page(403, next_path=safe_next(None), error=FOREIGN_ORIGIN)
        try:
            form = await request.form(max_files=0, max_fields=10)
        except Exception:  # not a form, or an abusive one: the same answer as an empty form
            form = {}
        email = str(form.get("email") or "")[:_MAX_FIELD]
        password = str(form.get("password") or "")[:_MAX_FIELD]
        next_path = safe_next(str(form.get("next") or ""))
        token, error, retry_s = await asyncio.to_thread(
            _password_sign_in, email, password, _address(request), request.headers.get("user-agent")
        )
        if token is None:
            status = {MISSING_CREDENTIALS: 400, WRONG_CREDENTIALS: 401, DISABLED: 403}.get(error or "", 429)
            headers = {"Retry-After": str(retry_s)} if retry_s else None
            return _page(status, next_path=next_path, email=email.strip()[:254], error=error or "", headers=headers)
        response = RedirectResponse(next_path, status_code=303, headers=_NO_STORE)
        response.set_cookie(value=token, **session_cookie_attributes(get_settings().public_url))
        return response

    @router.post("/auth/sign-out")
    async def post_sign_out(request: Request) -> Response:
        if not _same_origin(request):
            return _page(403, next_path=safe_next(None), error=FOREIGN_ORIGIN)
        await asyncio.to_thread(_sign_out, request.cookies.get(SESSION_COOKIE), _address(request))
        response = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=1", status_code=303, headers=_NO_STORE)
        attributes = session_cookie_attributes(get_settings().public_url)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=attributes["secure"], httponly=True, samesite="lax"
        )
        return response

    return router
