"""Sending a checked call to its model's backend and passing the answer back as it arrives.

Local models go to the embedded engine in this process (the in-process ASGI transport, no port) or
to the engine service; upstream models go to the configured upstream with the administrator's key,
never the caller's. Server-sent events pass through event by event, and media bodies chunk by chunk
(never whole in memory). When the answer ends, its cost settles the budgets and a usage record is
written, shielded from the client going away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.gateway import budgets
from ai_registry.gateway.budget_math import Cost
from ai_registry.gateway.caller import Caller
from ai_registry.gateway.errors import GatewayError
from ai_registry.gateway.streams import EventReader, NumberScanner, error_detail
from ai_registry.inference import usage_writer
from ai_registry.inference.metering import Usage, measure, usage_kind, usage_record
from ai_registry.inference.transport import DEFAULT_TRANSPORTS, EngineUnavailable, TransportFactory, is_local
from ai_registry.settings import get_settings

log = logging.getLogger(__name__)

# Tests replace it (a transport for the upstream or the engine); None parts are the real ones.
TRANSPORTS: list[TransportFactory] = [DEFAULT_TRANSPORTS]
_PASSED_HEADERS = (
    "content-type", "content-disposition", "x-audio-duration-ms", "x-ratelimit-remaining", "retry-after",
)  # fmt: skip
_ERROR_BODY_LIMIT = 256 * 1024
_SMALL_BODY = 256 * 1024  # answers up to this size (with a Content-Length) are passed on whole
_TIMEOUTS = {"video": 180.0, "image": 120.0, "audio": 120.0}
_clients: dict[int, tuple[weakref.ref[asyncio.AbstractEventLoop], httpx.AsyncClient]] = {}


def timeout_for(model: UnifiedAIModel) -> float:
    return get_settings().gateway_timeout_s or _TIMEOUTS.get(usage_kind(model), 60.0)


def _upstream_client(factory: TransportFactory) -> httpx.AsyncClient:
    """One pooled client per event loop for upstream calls (keep-alive connections are reused)."""
    loop = asyncio.get_running_loop()
    held = _clients.get(id(loop))
    if held is not None and held[0]() is loop and not held[1].is_closed:
        return held[1]
    client = httpx.AsyncClient(
        transport=factory.remote, trust_env=False, follow_redirects=False,
        limits=httpx.Limits(max_connections=256, max_keepalive_connections=128),
    )  # fmt: skip
    _clients[id(loop)] = (weakref.ref(loop), client)
    return client


@dataclass
class Call:
    """One gateway call on its way: who, which model, the body, its budget hold."""

    caller: Caller
    model: UnifiedAIModel
    route: str
    body: dict[str, Any]
    ticket: budgets.Ticket
    request_id: str
    form_files: list[tuple[str, tuple[str, Any, str]]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    ttft_ms: int | None = None


def _outgoing_body(call: Call) -> dict[str, Any]:
    body = dict(call.body)
    upstream_name = call.model.upstream_model
    if upstream_name and ("model" in body or call.route in ("/chat/completions", "/embeddings")):
        body["model"] = upstream_name
    elif not upstream_name and call.model.parameter("model") is None:
        body.pop("model", None)  # it only chose among this route's models; the route itself takes none
    return body


def _build(client: httpx.AsyncClient, call: Call, url: str, api_key: str | None, timeout: float) -> httpx.Request:
    # Identity encoding: the answer's bytes are passed on as they come, so they must be the plain ones.
    headers = {"Accept": "*/*", "Accept-Encoding": "identity", "X-Request-ID": call.request_id}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"  # the administrator's upstream key, never the caller's
    limits = httpx.Timeout(timeout, connect=min(10.0, timeout))
    body = _outgoing_body(call)
    if call.form_files:
        data = {k: str(v) for k, v in body.items() if v is not None}
        return client.build_request("POST", url, data=data, files=call.form_files, headers=headers, timeout=limits)
    content = json.dumps(body, ensure_ascii=False).encode()
    headers["Content-Type"] = "application/json"
    return client.build_request("POST", url, content=content, headers=headers, timeout=limits)


def _finish(call: Call, usage: Usage | None, *, status: str, http_status: int | None, charged: bool) -> None:
    """Queue the budgets' settling and the usage record for the writer thread (returns at once)."""
    cost = Cost(usage.usd, usage.credits) if usage is not None and charged else Cost(0.0, 0.0)
    usage = usage or Usage()
    if not charged:
        usage.usd = usage.credits = None
    record = usage_record(
        call.model, usage, user_id=call.caller.user_id, key_id=call.caller.key_id, source="api",
        latency_ms=round((time.perf_counter() - call.started) * 1000), ttft_ms=call.ttft_ms, status=status,
        http_status=http_status, request_id=call.request_id,
    )  # fmt: skip
    ticket = call.ticket
    usage_writer.submit(record, before=(lambda: budgets.settle_ticket(ticket, cost)) if ticket.holds else None)


async def _finish_shielded(call: Call, usage: Usage | None, **fields: Any) -> None:
    """Settle and record without holding up the answer's last byte (the writer thread commits in
    batches); nothing here can be cancelled by the client leaving."""
    _finish(call, usage, **fields)


def record_refusal(model: UnifiedAIModel, caller: Caller, status: int, request_id: str) -> None:
    """A call refused before anything was held (budget, role, no upstream key): recorded, not billed."""
    record = usage_record(
        model, Usage(), user_id=caller.user_id, key_id=caller.key_id, source="api", status="refused",
        http_status=status, request_id=request_id,
    )  # fmt: skip
    usage_writer.submit(record)


async def refuse(call: Call, error: GatewayError) -> Response:
    """A call refused after its hold was made: the hold is released and the refusal recorded."""
    await _finish_shielded(call, None, status="refused", http_status=error.status, charged=False)
    return error.response()


async def forward(call: Call, *, upstream_key: str | None) -> Response:
    """Send the call and answer with the backend's answer, streamed; errors keep their status."""
    factory = TRANSPORTS[0]
    local = is_local(call.model)
    timeout = timeout_for(call.model)
    url = factory.url(call.model, factory.prefix(call.model) + call.route)
    owned: AbstractAsyncContextManager[httpx.AsyncClient] | None = None
    entered = False
    try:
        if local:
            owned = factory.client_for(call.model)
            client = await owned.__aenter__()
            entered = True
        else:
            client = _upstream_client(factory)
        request = _build(client, call, url, upstream_key, timeout)
        response = await asyncio.wait_for(client.send(request, stream=True), timeout)
    except BaseException as exc:
        if owned is not None and entered:
            await owned.__aexit__(None, None, None)
        if not isinstance(exc, Exception):  # cancelled: the holds are released, the call recorded
            _finish(call, None, status="canceled", http_status=None, charged=False)
            raise
        if isinstance(exc, EngineUnavailable):
            return await refuse(call, GatewayError(503, f"The local engine is not available: {exc}"))
        return await refuse(call, _send_error(exc, timeout, local))
    if response.status_code >= 400:
        try:
            body = await _read_bounded(response)
        finally:
            await response.aclose()
            if owned is not None:
                await owned.__aexit__(None, None, None)
        kept = ("retry-after", "x-request-id", "x-ratelimit-remaining")
        headers = {k: v for k, v in response.headers.items() if k.lower() in kept}
        if response.status_code == 429 and "retry-after" not in response.headers:
            # The upstream names no wait (CONTRACT.md: only X-RateLimit-Remaining): its window is the model's.
            limit = call.model.rate_limit
            headers["Retry-After"] = str(limit.per_seconds if limit else 60)
        await _finish_shielded(call, None, status="error", http_status=response.status_code, charged=False)
        return JSONResponse(
            {"detail": error_detail(response.status_code, body)}, status_code=response.status_code, headers=headers
        )
    headers = {k: v for k, v in response.headers.items() if k.lower() in _PASSED_HEADERS}
    headers["X-Request-ID"] = call.request_id
    if call.ticket.warnings:
        headers["X-Budget-Warning"] = " | ".join(call.ticket.warnings)[:1000]
    media_type = response.headers.get("content-type", "application/octet-stream")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) <= _SMALL_BODY and not media_type.startswith("text/event-stream"):
        return await _small(call, response, owned, headers, media_type)
    if media_type.startswith("text/event-stream"):
        body_iter = _events(call, response, owned)
        headers.update({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    else:
        body_iter = _chunks(call, response, owned)
    return StreamingResponse(body_iter, status_code=response.status_code, headers=headers, media_type=media_type)


def _send_error(exc: BaseException, timeout: float, local: bool) -> GatewayError:
    backend = "the local engine" if local else "the upstream"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return GatewayError(504, f"{backend.capitalize()} did not answer within {timeout:g} s.")
    if isinstance(exc, httpx.ConnectError):
        return GatewayError(502, f"Cannot reach {backend}: connection refused or unreachable.")
    if isinstance(exc, httpx.HTTPError):
        return GatewayError(502, f"Cannot reach {backend}: {type(exc).__name__}.")
    if isinstance(exc, Exception):
        log.exception("a gateway call could not be sent")
        return GatewayError(502, f"{backend.capitalize()} could not be called: {type(exc).__name__}.")
    raise exc


async def _read_bounded(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > _ERROR_BODY_LIMIT:
            break
    return body[:_ERROR_BODY_LIMIT]


async def _close(response: httpx.Response, owned: AbstractAsyncContextManager[httpx.AsyncClient] | None) -> None:
    with anyio.CancelScope(shield=True):
        await response.aclose()
        if owned is not None:
            await owned.__aexit__(None, None, None)


async def _small(call: Call, response: httpx.Response, owned, headers: dict[str, str], media_type: str) -> Response:
    """A small answer of known length (a chat, vectors, a transcript): read whole, then sent at once,
    which spares a streaming task per call; media and streams of unknown length never come here."""
    scanner = NumberScanner()
    try:
        body = await response.aread()
        status = "ok"
    except httpx.HTTPError as exc:
        log.warning("the answer of %s stopped: %s", call.model.slug, exc)
        body, status = b"", "error"
    finally:
        await _close(response, owned)
    scanner.feed(body)
    usage = measure(call.model, call.body, scanner.found)
    _finish(call, usage, status=status, http_status=response.status_code, charged=True)
    if status != "ok":
        return GatewayError(502, "The backend's answer broke off before its end.").response()
    return Response(body, status_code=response.status_code, headers=headers, media_type=media_type)


async def _chunks(call: Call, response: httpx.Response, owned) -> AsyncIterator[bytes]:
    """A JSON or media answer, chunk by chunk, its metered numbers read on the way."""
    scanner = NumberScanner()
    status = "error"
    try:
        async for chunk in response.aiter_raw():
            scanner.feed(chunk)
            yield chunk
        status = "ok"
    except httpx.HTTPError as exc:
        log.warning("the answer of %s stopped: %s", call.model.slug, exc)
    finally:
        await _close(response, owned)
        usage = measure(call.model, call.body, scanner.found, audio_seconds=None)
        await _finish_shielded(call, usage, status=status, http_status=response.status_code, charged=True)


async def _events(call: Call, response: httpx.Response, owned) -> AsyncIterator[bytes]:
    """Server-sent events, passed on whole as they arrive; a stream whose cost outgrows every budget's
    room ends cleanly (`data: [DONE]`) and is billed for what was sent."""
    reader = EventReader()
    status, held = "error", _held(call)
    try:
        async for chunk in response.aiter_raw():
            for event in reader.feed(chunk):
                if held is not None and (content := reader.content_of(event)):
                    so_far = measure(call.model, call.body, {}, completion_text=reader.text + content)
                    if so_far.usd is not None and so_far.usd > held:
                        if not await asyncio.to_thread(budgets.extend, call.ticket, Cost(so_far.usd - held, None)):
                            log.info("stream of %s ended: budget exhausted (%s)", call.model.slug, call.request_id)
                            status = "ok"
                            yield b"data: [DONE]\n\n"
                            return
                        held = so_far.usd
                reader.read(event)
                if reader.first_text and call.ttft_ms is None:
                    call.ttft_ms = round((time.perf_counter() - call.started) * 1000)
                yield event
        if rest := reader.rest():
            yield rest
        status = "ok"
    except httpx.HTTPError as exc:
        log.warning("the stream of %s stopped: %s", call.model.slug, exc)
    finally:
        await _close(response, owned)
        usage = measure(call.model, call.body, reader.usage, completion_text=reader.text)
        await _finish_shielded(call, usage, status=status, http_status=response.status_code, charged=True)


def _held(call: Call) -> float | None:
    """USD held for the call on its budgets (None: no budget applies)."""
    amounts = [h.amount for h, r in zip(call.ticket.holds, call.ticket.rules, strict=True) if r.unit == "usd"]
    return max(amounts) if amounts else None


def new_request_id(headers: Mapping[str, str]) -> str:
    given = headers.get("x-request-id", "").strip()
    return given[:100] if given.isprintable() and given else uuid.uuid4().hex
