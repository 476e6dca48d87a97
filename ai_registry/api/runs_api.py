"""The runs API, in the shape people know from Replicate: start a run, then poll it (or get a webhook).

    POST /api/runs               {model, input, webhook?} -> 201 {id, status: "queued", urls, ...}
    GET  /api/runs/{id}          the run: status, output (signed links), metrics, cost, error
    GET  /api/runs               the caller's runs (admins: ?all=1), newest first, paged, filtered
    POST /api/runs/{id}/cancel   stop it (409 once it has ended)
    GET  /api/webhook-secret     the caller's webhook signing secret

Every route needs a personal key of this server (Developer settings) whose owner is a member or an
admin: a viewer's key gets 403. A run is executed by the same code as a playground run: in the
embedded default as a task of this process running `job_worker.execute_run` (the job worker's code,
which calls `run_model`), in the scaled mode as a job for `python -m ai_registry worker`. The input
is validated against the model's schema before anything is stored (422 naming the field).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from ai_registry.aggregator.runtime import find_model, get_aggregator, refresh_catalog
from ai_registry.api.routes import refuse_unsafe_text
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.runs_access import can_see_run
from ai_registry.inference import jobs
from ai_registry.inference.record import inputs_for_log
from ai_registry.inference.result import new_run_id
from ai_registry.inference.run_document import API_STATUSES, FINAL_API_STATUSES, api_status, run_document
from ai_registry.inference.validation import validate_values
from ai_registry.inference.webhooks import SIGNATURE_HEADER, execute_and_notify, url_problem, webhook_secret
from ai_registry.local.auth import api_key_from_headers
from ai_registry.settings import get_settings
from ai_registry.store import run_pages
from ai_registry.store.api_keys import KeyIdentity, authenticate_api_key
from ai_registry.store.db import session_scope
from ai_registry.store.run_progress import request_cancel
from ai_registry.store.tables import Run

log = logging.getLogger(__name__)

DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100
BODY_FIELDS = ("model", "input", "webhook")
CANCEL_WAIT_S = 3.0  # how long a cancel waits for a running run to stop before answering
_TASKS: set[asyncio.Task] = set()  # the embedded mode's runs in flight (a reference keeps them alive)

_ERROR = {"content": {"application/json": {"schema": {"type": "object"}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or a wrong or revoked one.", **_ERROR},
    403: {"description": "A viewer's key, or a key that belongs to no one.", **_ERROR},
    400: {"description": "A parameter holds a NUL character or invalid Unicode.", **_ERROR},
    422: {"description": "A parameter or body field is not valid (the field is named).", **_ERROR},
}
RUN_JSON = {"description": "The run.", **_ERROR}
NOT_FOUND = {404: {"description": "No run with this id that the key's owner may see.", **_ERROR}}


async def require_runner(request: Request) -> KeyIdentity:
    """The person a key acts for, who must be a member or an admin."""
    key = api_key_from_headers(request.headers)
    challenge = {"WWW-Authenticate": "Bearer"}
    if not key:
        raise HTTPException(
            401, "Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
            "(create one in Developer settings).", headers=challenge,
        )  # fmt: skip
    identity = await asyncio.to_thread(authenticate_api_key, key)
    if identity is None:
        raise HTTPException(401, "Incorrect or revoked API key.", headers=challenge)
    if identity.owner_id is None:
        raise HTTPException(403, "This key belongs to no one (made before accounts); create your own in "
                            "Developer settings to start runs.")  # fmt: skip
    if not role_at_least(identity.owner_role, "member"):
        raise HTTPException(403, "This key's owner is a viewer; viewers cannot start or read runs.")
    return identity


Runner = Annotated[KeyIdentity, Depends(require_runner)]


def invalid(*fields: tuple[tuple[str | int, ...], str]) -> JSONResponse:
    """422 in FastAPI's shape: one entry per field, `loc` naming it (`["body", "input", "prompt"]`)."""
    detail = [{"loc": list(loc), "msg": message, "type": "value_error"} for loc, message in fields]
    return JSONResponse({"detail": detail}, status_code=422)


def base_url(request: Request) -> str:
    """The registry's public address (`AI_REGISTRY_PUBLIC_URL`), else the one this request came to."""
    return (get_settings().public_url or str(request.base_url)).rstrip("/")


async def find_catalog_model(name: str) -> UnifiedAIModel | None:
    """A model by slug, else by its upstream id."""
    await refresh_catalog()
    found = find_model(name)
    if found is None:
        found = next((m for m in get_aggregator().snapshot.models if m.id == name), None)
    return found


def _file_problems(model: UnifiedAIModel, values: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Files come by URL through the API: a server path (the playground's upload reference) is refused."""
    problems = []
    for param in model.parameters:
        value = values.get(param.name)
        if param.type == "file" and isinstance(value, Mapping) and ("path" in value or "url" not in value):
            problems.append((("body", "input", param.name), "Give the file as an http(s) URL (or {\"url\": ...})"))
    return problems


def _visible(run_id: str, identity: KeyIdentity) -> Run:
    with session_scope() as session:
        row = session.get(Run, run_id)
        if not can_see_run(row, user_id=identity.owner_id, role=identity.owner_role):
            raise HTTPException(404, f"No run with the id {run_id!r}.")
        session.expunge(row)
        return row


async def _start(run_id: str) -> None:
    """Hand the stored run to whatever executes runs here."""
    if jobs.queued():
        app = await jobs._open_app()
        await app.configure_task(jobs.TASK, queue=jobs.QUEUE).defer_async(run_id=run_id)
        return
    task = asyncio.get_running_loop().create_task(execute_and_notify(run_id), name=f"run {run_id}")
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def build_runs_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["runs"], dependencies=[Depends(refuse_unsafe_text)], responses=RESPONSES)

    @router.post(
        "/runs", status_code=201, summary="Start a run", response_model=None,
        responses={201: RUN_JSON, 404: {"description": "No such model.", **_ERROR},
                   503: {"description": "The run could not be queued.", **_ERROR}},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["model"], "properties": {
                "model": {"type": "string", "description": "The model's slug or id."},
                "input": {"type": "object", "description": "The model's parameters (its schema)."},
                "webhook": {"type": "string", "description": "A public http(s) URL called once when it ends."},
            }}}}}},
    )  # fmt: skip
    async def create(request: Request, identity: Runner) -> Any:
        """Validate the input against the model's schema, store the run and start it; answers at once."""
        try:
            body = await request.json()
        except ValueError:
            return invalid((("body",), "The body must be a JSON object: {\"model\": ..., \"input\": {...}}"))
        if not isinstance(body, dict):
            return invalid((("body",), "The body must be a JSON object: {\"model\": ..., \"input\": {...}}"))
        unknown = sorted(set(body) - set(BODY_FIELDS))
        if unknown:
            return invalid(*((("body", k), f"Unknown field; expected {', '.join(BODY_FIELDS)}") for k in unknown))
        name, values, webhook = body.get("model"), body.get("input", {}), body.get("webhook")
        if not isinstance(name, str) or not name.strip():
            return invalid((("body", "model"), "Required: the model's slug or id (GET /api/models lists them)"))
        if not isinstance(values, dict):
            return invalid((("body", "input"), "Must be an object of the model's parameters"))
        model = await find_catalog_model(name.strip())
        if model is None:
            raise HTTPException(404, f"No model with the slug or id {name.strip()!r} (GET /api/models lists them).")
        problems = _file_problems(model, values)
        _typed, errors = await asyncio.to_thread(validate_values, model, values)
        problems += [(("body", "input", field), message) for field, message in errors.items()]
        if webhook is not None:
            problem = await url_problem(webhook) if isinstance(webhook, str) else "Must be a URL string"
            if problem:
                problems.append((("body", "webhook"), problem))
        if problems:
            return invalid(*problems)
        run_id, origin = new_run_id(), base_url(request)

        def store() -> dict[str, Any]:
            with session_scope() as session:
                row = run_pages.create_api_run(
                    session=session, run_id=run_id, model_slug=model.slug, inputs=inputs_for_log(values),
                    owner_id=identity.owner_id, key_id=identity.key_id, origin=origin,
                    webhook_url=webhook.strip() if isinstance(webhook, str) else None,
                )  # fmt: skip
                return run_document(row)

        document = await asyncio.to_thread(store)
        try:
            await _start(run_id)
        except Exception as exc:  # the queue's database is away: the run is failed, not left queued
            log.exception("run %s could not be queued", run_id)
            await asyncio.to_thread(jobs._end_unqueued, run_id, f"The run could not be queued: {exc}")
            raise HTTPException(503, "The run could not be queued; try again shortly.") from None
        return JSONResponse(document, status_code=201, headers={"Location": document["urls"]["get"]})

    @router.get("/runs", summary="List runs", response_model=None, responses={200: RUN_JSON})
    async def list_runs(
        request: Request,
        identity: Runner,
        model: Annotated[str | None, Query(description="Only runs of this model (slug or id).")] = None,
        status: Annotated[str | None, Query(description=f"One of {', '.join(API_STATUSES)}.")] = None,
        all: Annotated[bool, Query(description="Admins: everyone's runs, not only their own.")] = False,  # noqa: A002
        cursor: Annotated[str | None, Query(description="The `next_cursor` of the previous page.")] = None,
        page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1 (not with a cursor).")] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    ) -> Any:
        """The caller's runs, newest first, `per_page` at a time; follow `next` for the next page."""
        if all and not role_at_least(identity.owner_role, "admin"):
            raise HTTPException(403, "Only administrators may list everyone's runs (all=1).")
        if status is not None and status not in API_STATUSES:
            return invalid((("query", "status"), f"Must be one of {', '.join(API_STATUSES)}"))
        after = None
        if cursor:
            after = run_pages.decode_cursor(cursor)
            if after is None:
                return invalid((("query", "cursor"), "Not a cursor from this API; use next_cursor as given"))
        slug = None
        if model:
            found = await find_catalog_model(model.strip())
            slug = found.slug if found is not None else model.strip()
        stored = {"queued": ("running",), "running": ("running",), "canceled": ("cancelled",)}
        statuses = stored.get(status, (status,)) if status else ()
        unstarted = {"queued": True, "running": False}.get(status or "")

        def read() -> tuple[list[dict[str, Any]], int, str | None]:
            with session_scope() as session:
                rows, total = run_pages.page_of_runs(
                    session=session, owner_id=None if all else identity.owner_id, model_slug=slug,
                    statuses=statuses, unstarted=unstarted, after=after, offset=(page - 1) * per_page,
                    limit=per_page + 1,
                )  # fmt: skip
                more = len(rows) > per_page
                rows = rows[:per_page]
                return [run_document(r) for r in rows], total, run_pages.encode_cursor(rows[-1]) if more else None

        results, total, next_cursor = await asyncio.to_thread(read)
        query = {k: v for k, v in (("model", model), ("status", status), ("all", "1" if all else None)) if v}
        next_url = (
            f"{base_url(request)}/api/runs?{urlencode({**query, 'cursor': next_cursor, 'per_page': per_page})}"
            if next_cursor else None
        )  # fmt: skip
        return {"results": results, "total": total, "per_page": per_page, "page": None if cursor else page,
                "next_cursor": next_cursor, "next": next_url}  # fmt: skip

    @router.get("/runs/{run_id}", summary="Get a run", response_model=None, responses={200: RUN_JSON, **NOT_FOUND})
    async def get_run(run_id: str, identity: Runner) -> Any:
        """The run as it stands: poll until `status` is succeeded, failed, canceled or interrupted."""
        return run_document(await asyncio.to_thread(_visible, run_id, identity))

    @router.post(
        "/runs/{run_id}/cancel", summary="Cancel a run", response_model=None,
        responses={200: RUN_JSON, **NOT_FOUND, 409: {"description": "The run has already ended.", **_ERROR}},
    )  # fmt: skip
    async def cancel(run_id: str, identity: Runner) -> Any:
        """Stop a queued or running run; the answer is the run (canceled, or still stopping)."""
        row = await asyncio.to_thread(_visible, run_id, identity)
        if api_status(row) in FINAL_API_STATUSES:
            raise HTTPException(409, f"The run has already ended ({api_status(row)}); there is nothing to cancel.")

        def stop() -> None:
            with session_scope() as session:
                if not run_pages.cancel_unstarted(session=session, run_id=run_id):
                    request_cancel(session=session, run_id=run_id)

        await asyncio.to_thread(stop)
        deadline = asyncio.get_running_loop().time() + CANCEL_WAIT_S
        while True:
            row = await asyncio.to_thread(_visible, run_id, identity)
            if api_status(row) in FINAL_API_STATUSES or asyncio.get_running_loop().time() > deadline:
                return run_document(row)
            await asyncio.sleep(0.1)

    @router.get("/webhook-secret", summary="Your webhook signing secret", response_model=None,
                responses={200: {"description": "The secret and how signatures are made.", **_ERROR}})  # fmt: skip
    async def secret(identity: Runner) -> Any:
        """The secret your runs' webhooks are signed with (the same for all your keys)."""
        return {
            "secret": await asyncio.to_thread(webhook_secret, identity.owner_id),
            "header": SIGNATURE_HEADER,
            "scheme": "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' keyed with the secret>",
        }

    return router
