"""`POST /v1/chat/completions`: one JSON answer or OpenAI-style server-sent events."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from ai_registry.local import responses
from ai_registry.local.auth import require_api_key
from ai_registry.local.bodies import read_json_model
from ai_registry.local.chat import ChatEngineError, ChatRunner, raise_for_engine_error
from ai_registry.local.config import LocalEngineSettings
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute
from ai_registry.local.routers.model_calls import EngineGetter, client_error, resolve_model, run_model, to_error_body
from ai_registry.local.schemas import (
    ChatCompletionRequest,
    openapi_json_body,
)

_END = object()


def _engine_error_body(chunk: dict[str, Any]) -> dict[str, Any]:
    try:
        raise_for_engine_error(chunk)
    except ChatEngineError as exc:
        error = client_error(exc)
        if error is not None:
            return error.body()
    return to_error_body(None)


async def _stream_chat(runner: ChatRunner, body: dict[str, Any], model_id: str) -> Response:
    """Start generating, wait for the first chunk (so errors still get a status), then stream SSE."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def on_chunk(chunk: dict[str, Any]) -> bool:
        loop.call_soon_threadsafe(queue.put_nowait, chunk)
        return stop.is_set()  # True tells llama.cpp to stop: the client went away

    def finished(task: asyncio.Future[None]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved here, so a client that left early leaves no warning
        queue.put_nowait(_END)

    job = asyncio.ensure_future(run_model(runner, runner.stream, body, on_chunk))
    job.add_done_callback(finished)
    first = await queue.get()
    if first is _END:
        await job  # raises the mapped error, if any
        raise LocalAPIError(500, "The chat model produced no output.", code="empty_output")
    if isinstance(first, dict) and "error" in first:
        stop.set()
        try:
            raise_for_engine_error(first)
        except ChatEngineError as exc:
            raise client_error(exc) from exc

    async def events() -> AsyncIterator[str]:
        chunk = first
        try:
            while chunk is not _END:
                if "error" in chunk:
                    yield f"data: {json.dumps(_engine_error_body(chunk))}\n\n"
                    break
                out = responses.chat_chunk(chunk, model_id)
                if out is not None:
                    yield f"data: {json.dumps(out)}\n\n"
                chunk = await queue.get()
            if job.done() and not job.cancelled() and job.exception() is not None:
                error = to_error_body(job.exception())
                yield f"data: {json.dumps(error)}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            stop.set()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def build_chat_router(current: EngineGetter, limits: LocalEngineSettings) -> APIRouter:
    """These routes, errors in OpenAI's shape; `current()` gives the engine at request time."""
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])
    authorized = [Depends(require_api_key)]

    # The documented limits come from the same settings the routes enforce.
    chat_tokens = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": limits.chat_max_tokens}, {"type": "null"}]}
    chat_body = openapi_json_body(ChatCompletionRequest, max_tokens=chat_tokens, max_completion_tokens=chat_tokens)

    @router.post(
        "/v1/chat/completions",
        dependencies=authorized,
        summary="Chat (JSON or server-sent events)",
        openapi_extra=chat_body,
    )
    async def chat_completions(request: Request) -> Response:
        eng = current()
        settings = eng.settings
        body = await read_json_model(
            request, ChatCompletionRequest, settings.max_json_body_bytes, context={"limits": settings}
        )
        runner = resolve_model(eng, body.model, eng.chat)
        max_tokens = body.requested_tokens(default=min(256, settings.chat_max_tokens))
        engine_body = body.engine_body(max_tokens)
        if body.stream:
            if body.stream_options and body.stream_options.include_usage:
                engine_body["stream_options"] = {"include_usage": True}
            return await _stream_chat(runner, engine_body, runner.model_id)
        result = await run_model(runner, runner.complete, engine_body)
        return JSONResponse(responses.chat_completion(result, runner.model_id))

    return router
