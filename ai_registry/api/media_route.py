"""`/media/<name>`: a run's output file for its owner's session (an admin's: any; anyone signed in for a team
example's output), or for a signed, expiring link;
`/runs/<id>.json`: a run's record (the request log's "Download JSON") for its owner's session (an admin's: any).

Anyone else gets 401 (no session) or 404 (someone else's file or run looks exactly like a missing one).
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from ai_registry.identity.media_links import link_is_valid
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.web import token_from_cookie_header
from ai_registry.media.sniff import CONTENT_TYPES
from ai_registry.media.stills import video_name_of
from ai_registry.media.storage import media_file
from ai_registry.media.thumbnail_cache import cached_file
from ai_registry.store.db import session_scope
from ai_registry.store.examples import is_team_example_output
from ai_registry.store.runs import find_run_by_output, get_run, run_record

NOT_FOUND = "No such media file"
_RUN_ID = re.compile(r"[0-9A-Za-z_-]{1,40}")


def _signed_in_user(session, cookie_header: str | None):
    """The person of the live session the `Cookie:` header names, or None."""
    token = token_from_cookie_header(cookie_header)
    found = session_for_token(session=session, raw_token=token) if token is not None else None
    return found[1] if found is not None else None


def _session_may_open(cookie_header: str | None, name: str) -> bool | None:
    """None: no live session; else whether the session's person may open file `name`."""
    with session_scope() as session:
        user = _signed_in_user(session, cookie_header)
        if user is None:
            return None
        if role_at_least(user.role, "admin"):
            return True
        name = video_name_of(name) or name  # a video's still opens for whoever may open the video
        run = find_run_by_output(session=session, name=name)
        if run is not None and run.owner_id == user.id:
            return True
        # A run an admin pinned as a team example (issue 15): its output is for everyone signed in.
        return is_team_example_output(session=session, name=name)


def _record_for(cookie_header: str | None, run_id: str) -> dict | None:
    """The run's record when the session's person may read it; raises 401 without a live session."""
    with session_scope() as session:
        user = _signed_in_user(session, cookie_header)
        if user is None:
            raise HTTPException(401, "Sign in to download this run.")
        run = get_run(session=session, run_id=run_id) if _RUN_ID.fullmatch(run_id) else None
        if run is None or not (role_at_least(user.role, "admin") or run.owner_id == user.id):
            return None
        return run_record(run)


def build_media_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/media/{name}")
    def media(name: str, request: Request, download: bool = False, exp: str | None = None, sig: str | None = None):
        """The file (Range requests included, so video seeks); `?download=1` saves it."""
        path = media_file(name)
        if not link_is_valid(name, exp, sig):
            # A name that is no media file is looked up as "" (no run has it), so it is a plain 404 once signed in.
            allowed = _session_may_open(request.headers.get("cookie"), name if path is not None else "")
            if allowed is None:
                raise HTTPException(401, "Sign in to open this file.")
            if not allowed:
                raise HTTPException(404, NOT_FOUND)
        if path is None or not path.is_file():
            raise HTTPException(404, NOT_FOUND)
        return FileResponse(
            path,
            media_type=CONTENT_TYPES[path.suffix.lstrip(".")],
            filename=name if download else None,
            content_disposition_type="attachment" if download else "inline",
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/thumbs/{name}")
    def thumbnail(name: str):
        """An upstream thumbnail as this server cached and re-encoded it (public images, no session:
        they are the upstream's own published thumbnails, only pixels, and cacheable)."""
        path = cached_file(name)
        if path is None:
            raise HTTPException(404, "No such thumbnail")
        return FileResponse(
            path,
            media_type="image/webp",
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/runs/{run_id}.json")
    def run_json(run_id: str, request: Request) -> Response:
        """A run of the request log as a JSON file (the request log page shows the same record)."""
        record = _record_for(request.headers.get("cookie"), run_id)
        if record is None:  # ids are hex; anything else is no run (and never reaches SQL)
            raise HTTPException(404, "No such run")
        return Response(
            json.dumps(record, indent=2, ensure_ascii=False) + "\n",
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="run-{run_id}.json"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router
