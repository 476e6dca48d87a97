"""`/usage.csv`: the usage page's records as a CSV file, for the signed-in browser (its session cookie).

The same filters as the page (`start`, `end` as YYYY-MM-DD, both days included; `user`, `key`,
`model`), scoped on the server: a member gets their own records whatever `user` they send, an
administrator everyone's or the chosen person's. No session: 401; a viewer: 403; a bad date: 400
saying what to fix.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import select

from ai_registry import routes
from ai_registry.api.media_route import _signed_in_user
from ai_registry.identity.roles import role_at_least
from ai_registry.state.usage_report import parse_range, scoped_filter
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, UsageRecord, User
from ai_registry.store.usage import usage_rows

MAX_ROWS = 100_000
COLUMNS = (
    "at", "user", "key", "model", "kind", "source", "status", "http_status", "prompt_tokens",
    "completion_tokens", "images", "video_seconds", "characters", "audio_minutes", "credits", "usd",
    "estimated", "latency_ms", "ttft_ms", "request_id", "run_id",
)  # fmt: skip


def _cell(value: object) -> object:
    """A spreadsheet must not run a cell as a formula (a model or key name starting with `=`)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def usage_csv(rows: list[UsageRecord], emails: dict[int, str], keys: dict[int, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([
            _cell(v)
            for v in (
                (r.at.astimezone(UTC) if r.at.tzinfo else r.at.replace(tzinfo=UTC)).isoformat(timespec="seconds"),
                emails.get(r.user_id or 0, ""), keys.get(r.key_id or 0, ""), r.model_slug, r.kind, r.source,
                r.status, r.http_status, r.prompt_tokens, r.completion_tokens, r.images, r.video_seconds,
                r.characters, r.audio_minutes, r.credits, r.usd, "yes" if r.estimated else "no", r.latency_ms,
                r.ttft_ms, r.request_id, r.run_id,
            )
        ])  # fmt: skip
    return out.getvalue()


def _export(cookie: str | None, start: str, end: str, user: str, key: str, model: str) -> tuple[str, str]:
    with session_scope() as session:
        person = _signed_in_user(session, cookie)
        if person is None:
            raise HTTPException(401, "Sign in to export usage.")
        if not role_at_least(person.role, "member"):
            raise HTTPException(403, "Usage is for members and administrators; a viewer calls no models.")
        today = datetime.now(UTC).date()
        chosen, error = (
            parse_range("custom", start, end, today=today) if start or end else parse_range("30", today=today)
        )
        if chosen is None:
            raise HTTPException(400, error)
        where, error = scoped_filter(
            actor_id=person.id, is_admin=role_at_least(person.role, "admin"), where=chosen,
            user=user, key=key, model=model,
        )  # fmt: skip
        if where is None:
            raise HTTPException(400, error)
        rows = usage_rows(session=session, where=where, limit=MAX_ROWS)
        user_ids = {r.user_id for r in rows if r.user_id is not None}
        key_ids = {r.key_id for r in rows if r.key_id is not None}
        emails = {u.id: u.email for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}  # type: ignore[union-attr]
        names = {k.id: k.name for k in session.exec(select(ApiKey).where(ApiKey.id.in_(key_ids)))} if key_ids else {}  # type: ignore[union-attr]
        return usage_csv(rows, emails, names), f"usage-{chosen.first.isoformat()}-to-{chosen.last.isoformat()}.csv"


def build_usage_export_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(routes.USAGE_CSV)
    def usage_export(
        request: Request, start: str = "", end: str = "", user: str = "", key: str = "", model: str = ""
    ) -> Response:
        """The records in the range and filters as CSV, one row per model call, oldest first."""
        body, filename = _export(request.headers.get("cookie"), start, end, user, key, model)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router
