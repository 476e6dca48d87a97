"""`/audit.jsonl`: the audit log as JSON Lines, for an administrator's browser session only.

It honours the Audit log page's filters (`?person=<email>&action=<action>`) and is sent as a file
(`Content-Disposition: attachment`), oldest event first, read in batches. No session: 401; a
session below admin: 403; an unknown action: 400.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ai_registry import routes
from ai_registry.identity import audit
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.signup_setting import SIGNUP_CHANGED
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.audit_log import iter_audit_jsonl
from ai_registry.store.db import session_scope
from ai_registry.store.tables import utcnow
from ai_registry.store.users import normalize_email

# Every action the log may hold, in the order the page's filter lists them.
AUDIT_ACTIONS: tuple[str, ...] = (*audit.ACTIONS, SIGNUP_CHANGED)
MAX_PERSON_LENGTH = 254
SIGN_IN_NEEDED = "Sign in as an administrator to export the audit log."
ADMINS_ONLY = "Only an administrator can export the audit log."


class AuditFilterError(ValueError):
    """A filter the log cannot apply; the message says which and why."""


def audit_filters(person: str | None, action: str | None) -> tuple[str | None, list[str] | None]:
    """The store's `person` and `actions` arguments for the page's two filters (blank: no filter)."""
    person = normalize_email(person or "")
    if len(person) > MAX_PERSON_LENGTH:
        raise AuditFilterError(f"The person filter is longer than {MAX_PERSON_LENGTH} characters.")
    action = (action or "").strip()
    if action and action not in AUDIT_ACTIONS:
        raise AuditFilterError(f"Unknown action {action!r}; the log records {', '.join(AUDIT_ACTIONS)}.")
    return person or None, [action] if action else None


def _role_of_session(raw_token: str | None) -> str | None:
    with session_scope() as session:
        found = session_for_token(session=session, raw_token=raw_token)
        return found[1].role if found is not None else None


def _lines(person: str | None, actions: list[str] | None) -> Iterator[bytes]:
    """The export, one database session for the whole stream (iterated in a worker thread by Starlette)."""
    with session_scope() as session:
        for line in iter_audit_jsonl(session=session, person=person, actions=actions):
            yield line.encode("utf-8")


def build_audit_export_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(routes.AUDIT_EXPORT)
    async def export_audit_log(request: Request) -> Response:
        no_store = {"Cache-Control": "no-store"}
        role = await asyncio.to_thread(_role_of_session, request.cookies.get(SESSION_COOKIE))
        if role is None:
            return JSONResponse({"detail": SIGN_IN_NEEDED}, status_code=401, headers=no_store)
        if role != "admin":
            return JSONResponse({"detail": ADMINS_ONLY}, status_code=403, headers=no_store)
        try:
            person, actions = audit_filters(request.query_params.get("person"), request.query_params.get("action"))
        except AuditFilterError as bad:
            return JSONResponse({"detail": str(bad)}, status_code=400, headers=no_store)
        name = f"audit-log-{utcnow():%Y%m%d-%H%M%S}.jsonl"
        return StreamingResponse(
            _lines(person, actions),
            media_type="application/x-ndjson",
            headers={**no_store, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
