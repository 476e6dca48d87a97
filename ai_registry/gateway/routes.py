"""The gateway's HTTP routes: each contract route of the catalog's models under `/v1`, and
`GET /v1/models` listing every model the caller's role may use. Errors are `{"detail": ...}`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.gateway import budgets
from ai_registry.gateway.budget_math import Cost
from ai_registry.gateway.caller import Caller, authenticate, identify, key_or_401
from ai_registry.gateway.errors import GatewayError, field_error
from ai_registry.gateway.forward import Call, forward, new_request_id, record_refusal, refuse
from ai_registry.gateway.routing import (
    JSON_ROUTES,
    MULTIPART_ROUTES,
    catalog_models,
    check_body,
    check_role,
    listing,
    pick_model,
    usable,
)
from ai_registry.inference import rate_limit
from ai_registry.inference.metering import expected_cost
from ai_registry.inference.transport import is_local
from ai_registry.settings import get_settings
from ai_registry.store.upstream_key import upstream_api_key

TAG = "Gateway (every catalog model, one key)"
_JSON_LIMIT = 40_000_000  # media routes may carry an image as a data: URI


async def _json_body(request: Request) -> dict[str, Any]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > _JSON_LIMIT:
            raise GatewayError(413, f"The body is over {_JSON_LIMIT:,} bytes.")
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise GatewayError(422, [{"loc": ["body"], "msg": f"Not valid JSON: {exc}", "type": "json_invalid"}]) from exc
    if not isinstance(body, dict):
        raise GatewayError(422, [{"loc": ["body"], "msg": "The body must be a JSON object", "type": "dict_type"}])
    return body


async def _form_body(request: Request) -> tuple[dict[str, Any], list[tuple[str, tuple[str, Any, str]]]]:
    limit = get_settings().upload_max_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + 1_000_000:
        raise GatewayError(413, f"The upload is over {limit:,} bytes.")
    try:
        form = await request.form(max_files=1, max_fields=20)
    except (MultiPartException, AssertionError, ValueError) as exc:
        raise GatewayError(
            422, [{"loc": ["body"], "msg": f"Not a valid multipart form: {exc}", "type": "value_error"}]
        ) from exc
    fields = {k: v for k, v in form.multi_items() if not isinstance(v, UploadFile)}
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise field_error("file", "Attach the audio as the 'file' field")
    content_type = upload.content_type or "application/octet-stream"
    return fields, [("file", (upload.filename or "audio", upload.file, content_type))]


async def _limits(caller: Caller, call: Call) -> GatewayError | None:
    """429 with Retry-After from the key's own limit or the model's, counted in the shared store."""
    per_key = get_settings().gateway_key_rate_limit
    if per_key:
        wait = await rate_limit.acquire_named(f"key:{caller.key_id}", per_key, 60)
        if wait is not None:
            message = f"Rate limit: {per_key} requests per minute for this key; try again in {max(1, round(wait))} s."
            return GatewayError(429, message, {"Retry-After": str(max(1, round(wait)))})
    wait = await rate_limit.acquire(call.model)
    if wait is not None:
        message = rate_limit.limit_message(call.model, wait) + "."
        return GatewayError(429, message, {"Retry-After": str(max(1, round(wait)))})
    return None


_KEY_TTL_S = 1.0  # a key saved or removed in Developer settings applies within a second
_key_cache: list[tuple[float, str | None]] = []


def _upstream_key() -> str | None:
    """The administrator's upstream key (decrypted from the database), read at most once a second."""
    now = time.monotonic()
    if _key_cache and now - _key_cache[0][0] < _KEY_TTL_S:
        return _key_cache[0][1]
    key = upstream_api_key()
    _key_cache[:] = [(now, key)]
    return key


@dataclass
class Admitted:
    caller: Caller | None = None
    model: UnifiedAIModel | None = None
    upstream_key: str | None = None
    ticket: budgets.Ticket | None = None


def _admit(
    admitted: Admitted,
    raw_key: str | None,
    models: list[UnifiedAIModel],
    route: str,
    body: dict[str, Any],
    multipart: bool,
) -> None:
    """Everything that needs the database, in one trip off the event loop: who calls (unless known),
    which model, whether the role and the body fit, the upstream key, and the budget holds."""
    if admitted.caller is None:
        admitted.caller = identify(raw_key or "")
    admitted.model = model = pick_model(models, route, body)
    check_role(model, admitted.caller)
    check_body(model, body, skip_files=multipart)
    if not is_local(model):
        admitted.upstream_key = _upstream_key()
        if not admitted.upstream_key:
            raise GatewayError(503, "No upstream key is saved: an administrator sets it in Developer settings.")
    usd, credits = expected_cost(model, body)
    admitted.ticket = budgets.reserve(admitted.caller, Cost(usd, credits))


async def handle(request: Request, route: str) -> Response:
    """Authenticate, pick and check the model, hold the budgets and limits, then forward."""
    admitted = Admitted()
    files: list[tuple[str, tuple[str, Any, str]]] = []
    try:
        raw_key = key_or_401(request.headers)
        if route in MULTIPART_ROUTES:  # a file is spooled to disk only for a caller known first
            admitted.caller = await authenticate(request.headers)
            body, files = await _form_body(request)
        else:
            body = await _json_body(request)
        models = await catalog_models()
        await asyncio.to_thread(_admit, admitted, raw_key, models, route, body, bool(files))
    except ClientDisconnect:  # the caller left while sending its body: nobody to answer, nothing held
        return Response(status_code=400)
    except GatewayError as error:
        caller, model = admitted.caller, admitted.model
        if model is not None and caller is not None and error.status in (402, 403, 503):
            record_refusal(model, caller, error.status, new_request_id(request.headers))
        return error.response()
    caller, model, upstream_key, ticket = admitted.caller, admitted.model, admitted.upstream_key, admitted.ticket
    assert caller is not None and model is not None and ticket is not None
    call = Call(caller, model, route, body, ticket, new_request_id(request.headers), form_files=files)
    limited = await _limits(caller, call)
    if limited is not None:
        return await refuse(call, limited)
    return await forward(call, upstream_key=upstream_key)


def build_gateway_router() -> APIRouter:
    """`/v1/models`, `/v1/models/{model_id}` and every contract model route, opened by a registry key."""
    router = APIRouter(tags=[TAG])

    @router.get("/v1/models", summary="List the models your key may call")
    async def list_models(request: Request) -> Response:
        try:
            caller = await authenticate(request.headers)
        except GatewayError as error:
            return error.response()
        return JSONResponse(listing(usable(await catalog_models(), caller)))

    @router.get("/v1/models/{model_id:path}", summary="One model your key may call")
    async def get_model(model_id: str, request: Request) -> Response:
        try:
            caller = await authenticate(request.headers)
        except GatewayError as error:
            return error.response()
        entries = listing(usable(await catalog_models(), caller))["data"]
        found = [e for e in entries if model_id in (e["id"], e["slug"])]
        if not found:
            return GatewayError(404, f"The model '{model_id}' is not in this registry's catalog.").response()
        return JSONResponse(found[0])

    def add(route: str, multipart: bool) -> None:
        async def call_model(request: Request) -> Response:
            return await handle(request, route)

        kind = "multipart/form-data" if multipart else "application/json"
        body = {"requestBody": {"required": True, "content": {kind: {"schema": {"type": "object"}}}}}
        router.add_api_route(
            f"/v1{route}", call_model, methods=["POST"], summary=f"Call a model at /v1{route}",
            openapi_extra=body, name=f"gateway{route.replace('/', '_').replace('-', '_')}",
        )  # fmt: skip

    for route in JSON_ROUTES:
        add(route, False)
    for route in MULTIPART_ROUTES:
        add(route, True)
    return router
