"""`/invite/<token>` and `/sign-up`: new accounts over plain HTTP forms, like the sign-in page.

The password never rides the Reflex websocket. A good form creates the account (an invite's role,
or `member`/the sign-up role for open sign-up), marks the invite used, opens a session with the
same cookie as sign-in and answers `303` to the gallery. A refused form answers the page again with
the reason and nothing changed: the account, the invite's use and the audit events are one
transaction, rolled back on any refusal.
"""

from __future__ import annotations

import asyncio
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ai_registry import routes
from ai_registry.api.auth_routes import FOREIGN_ORIGIN, _address, _same_origin
from ai_registry.api.sign_in_page import _STYLE
from ai_registry.identity import audit
from ai_registry.identity.accounts import MAX_DISPLAY_NAME_LENGTH
from ai_registry.identity.errors import IdentityError, InviteRefused
from ai_registry.identity.invites import NOT_VALID, accept_invite, open_invite
from ai_registry.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ai_registry.identity.sessions import create_session
from ai_registry.identity.signup import sign_up
from ai_registry.identity.signup_setting import read_signup_setting
from ai_registry.identity.web import DEFAULT_LANDING, SIGN_IN_PATH, session_cookie_attributes
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.tables import User, utcnow

SIGNUP_CLOSED = "Sign-up is closed on this server. Ask an administrator for an invite link."
PASSWORDS_DIFFER = "The two passwords are not the same; type the same password twice."
# The token is in the address: no other site learns it through Referer, no cache keeps the page.
# (Not `no-referrer`: Chromium then sends `Origin: null` with the form, which the origin guard refuses.)
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex"}
_MAX_FIELD = 2048
_EXTRA_STYLE = ".field-note{margin:6px 0 0;color:#475569;font-size:.85rem}input[readonly]{background:#f1f5f9}"


def _document(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)} · AI Model Registry</title><style>{_STYLE}{_EXTRA_STYLE}</style></head>
<body><main>{body}</main></body></html>"""


def refusal_html(title: str, message: str) -> str:
    """A page that only says why (an unusable invite, closed sign-up), with the way to sign in."""
    return _document(title, (
        f'<h1>{escape(title)}</h1><p class="lead">AI Model Registry</p>'
        f'<p class="error" role="alert" id="refusal">{escape(message)}</p>'
        f'<p class="note"><a href="{SIGN_IN_PATH}">Sign in</a> if you already have an account.</p>'
    ))


def account_form_html(
    *, title: str, lead: str, action: str, email: str = "", email_fixed: bool = False, display_name: str = "",
    error: str = "", button: str = "Create account",
) -> str:
    """The new-account form: email (read-only when an invite names it), name, password twice."""
    alert = f'<p class="error" role="alert" id="form-error">{escape(error)}</p>' if error else ""
    email_attributes = ' readonly aria-describedby="email-note"' if email_fixed else ("" if email else " autofocus")
    email_note = '<p class="field-note" id="email-note">This invite is for this address.</p>' if email_fixed else ""
    focus_name = " autofocus" if email and not display_name else ""
    return _document(title, f"""
<h1>{escape(title)}</h1><p class="lead">{escape(lead)}</p>
<form method="post" action="{escape(action)}"{' aria-describedby="form-error"' if error else ""}>
{alert}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254"
 value="{escape(email)}"{email_attributes}>{email_note}
<label for="display_name">Your name</label>
<input id="display_name" name="display_name" type="text" autocomplete="name" maxlength="{MAX_DISPLAY_NAME_LENGTH}"
 value="{escape(display_name)}"{focus_name}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required
 minlength="{MIN_PASSWORD_LENGTH}" maxlength="{MAX_PASSWORD_LENGTH}" aria-describedby="password-note">
<p class="field-note" id="password-note">At least {MIN_PASSWORD_LENGTH} characters.</p>
<label for="password2">Password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required
 minlength="{MIN_PASSWORD_LENGTH}" maxlength="{MAX_PASSWORD_LENGTH}">
<button type="submit">{escape(button)}</button>
</form>
<p class="note">Already have an account? <a href="{SIGN_IN_PATH}">Sign in</a></p>""")


def _html(status: int, body: str, headers: dict | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**_HEADERS, **(headers or {})})


def _invite_status(message: str) -> int:
    """404 for a link that never was (forged, mistyped); 410 for one that was and is no longer usable."""
    return 404 if message == NOT_VALID else 410


async def _form(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_files=0, max_fields=10)
    except Exception:  # not a form, or an abusive one: the same answer as an empty form
        form = {}
    return {key: str(form.get(key) or "")[:_MAX_FIELD] for key in ("email", "display_name", "password", "password2")}


def _sign_in_new_account(session, user: User, request: Request) -> str:
    """Open the new account's first session, as a password sign-in does; returns the cookie's token."""
    user.last_sign_in_at = utcnow()
    session.add(user)
    _row, token = create_session(
        session=session, user=user, address=_address(request), user_agent=request.headers.get("user-agent")
    )
    audit.record(session=session, action=audit.SIGN_IN, actor=user, address=_address(request),
                 details={"method": "new_account"})
    return token


def _signed_in_redirect(token: str) -> RedirectResponse:
    response = RedirectResponse(DEFAULT_LANDING, status_code=303, headers=_HEADERS)
    response.set_cookie(value=token, **session_cookie_attributes(get_settings().public_url))
    return response


# --- Invites ----------------------------------------------------------------------------------


def _invite_email(raw_token: str) -> tuple[str | None, str | None, str]:
    """(refusal message or None, the email the invite names, its role), read without changing anything."""
    with session_scope() as session:
        try:
            invite = open_invite(session=session, raw_token=raw_token)
        except InviteRefused as refused:
            return str(refused), None, ""
        return None, invite.email, invite.role


def _invite_form(token: str, *, email: str | None, role: str, typed_email: str = "", name: str = "", error: str = ""):
    article = "an" if role == "admin" else "a"
    return account_form_html(
        title="Accept your invite", lead=f"You are invited to the AI Model Registry as {article} {role}.",
        action=routes.invite_path(token), email=email or typed_email, email_fixed=bool(email),
        display_name=name, error=error,
    )


def _accept(raw_token: str, fields: dict[str, str], request: Request) -> tuple[str | None, str | None]:
    """(session token, None) after a successful acceptance, else (None, the refusal)."""
    try:
        with session_scope() as session:
            user = accept_invite(
                session=session, raw_token=raw_token, email=fields["email"], password=fields["password"],
                display_name=fields["display_name"], address=_address(request),
            )
            return _sign_in_new_account(session, user, request), None
    except IdentityError as refused:
        return None, str(refused)


# --- Open sign-up -----------------------------------------------------------------------------


def _signup_domains() -> tuple[str, ...]:
    with session_scope() as session:
        return read_signup_setting(session=session).domains_in_force


def _signup_form(domains: tuple[str, ...], *, email: str = "", name: str = "", error: str = "") -> str:
    return account_form_html(
        title="Sign up", lead=f"Open to addresses at {', '.join(domains)}.", action=routes.SIGN_UP,
        email=email, display_name=name, error=error,
    )


def _sign_up(fields: dict[str, str], request: Request) -> tuple[str | None, str | None]:
    try:
        with session_scope() as session:
            domains = read_signup_setting(session=session).domains_in_force
            if not domains:
                return None, SIGNUP_CLOSED
            user = sign_up(
                session=session, email=fields["email"], password=fields["password"],
                display_name=fields["display_name"], domains=domains, address=_address(request),
            )
            return _sign_in_new_account(session, user, request), None
    except IdentityError as refused:
        return None, str(refused)


def build_invite_router() -> APIRouter:
    """Invite acceptance and open sign-up (for people, not scripts: kept out of the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)

    @router.get(routes.INVITE + "/{token}")
    async def invite_page(token: str) -> Response:
        refusal, email, role = await asyncio.to_thread(_invite_email, token)
        if refusal is not None:
            return _html(_invite_status(refusal), refusal_html("Invite not valid", refusal))
        return _html(200, _invite_form(token, email=email, role=role))

    @router.post(routes.INVITE + "/{token}")
    async def accept_invite_form(token: str, request: Request) -> Response:
        if not _same_origin(request):
            return _html(403, refusal_html("Invite not accepted", FOREIGN_ORIGIN))
        refusal, email, role = await asyncio.to_thread(_invite_email, token)
        if refusal is not None:
            return _html(_invite_status(refusal), refusal_html("Invite not valid", refusal))
        fields = await _form(request)
        fields["email"] = email or fields.get("email", "")
        again = {"email": email, "role": role, "typed_email": fields.get("email", "")[:254],
                 "name": fields.get("display_name", "")[:MAX_DISPLAY_NAME_LENGTH]}
        if fields.get("password", "") != fields.get("password2", ""):
            return _html(400, _invite_form(token, **again, error=PASSWORDS_DIFFER))
        session_token, error = await asyncio.to_thread(_accept, token, fields, request)
        if session_token is None:
            return _html(400, _invite_form(token, **again, error=error or NOT_VALID))
        return _signed_in_redirect(session_token)

    @router.get(routes.SIGN_UP)
    async def sign_up_page() -> Response:
        domains = await asyncio.to_thread(_signup_domains)
        if not domains:
            return _html(403, refusal_html("Sign-up is closed", SIGNUP_CLOSED))
        return _html(200, _signup_form(domains))

    @router.post(routes.SIGN_UP)
    async def sign_up_form(request: Request) -> Response:
        if not _same_origin(request):
            return _html(403, refusal_html("Not signed up", FOREIGN_ORIGIN))
        fields = await _form(request)
        domains = await asyncio.to_thread(_signup_domains)
        if not domains:
            return _html(403, refusal_html("Sign-up is closed", SIGNUP_CLOSED))
        again = {"email": fields.get("email", "").strip()[:254],
                 "name": fields.get("display_name", "")[:MAX_DISPLAY_NAME_LENGTH]}
        if fields.get("password", "") != fields.get("password2", ""):
            return _html(400, _signup_form(domains, **again, error=PASSWORDS_DIFFER))
        session_token, error = await asyncio.to_thread(_sign_up, fields, request)
        if session_token is None:
            status = 403 if error == SIGNUP_CLOSED else 400
            return _html(status, _signup_form(domains, **again, error=error or SIGNUP_CLOSED))
        return _signed_in_redirect(session_token)

    return router
