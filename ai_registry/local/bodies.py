"""Reading request bodies within a size limit: JSON into a pydantic model, multipart into a form."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.types import Message

from ai_registry.local.errors import LocalAPIError, from_validation_errors
from ai_registry.local.json_guard import UnsafeInput, check_text_fields, parse_json_body

M = TypeVar("M", bound=BaseModel)


def _too_large(limit: int) -> LocalAPIError:
    return LocalAPIError(
        413, f"The request body is larger than this route accepts ({limit:,} bytes).", code="request_too_large"
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_model(request: Request, model: type[M], limit: int, context: dict[str, Any] | None = None) -> M:
    """A JSON object body validated into `model` (with `context`, e.g. the engine's limits); 400 for
    empty, malformed or invalid bodies."""
    raw = await read_body(request, limit)
    if not raw.strip():
        raise LocalAPIError(400, "The request body is empty: send a JSON object.", code="empty_body")
    try:
        data = parse_json_body(raw)
    except UnsafeInput as exc:
        raise LocalAPIError(400, exc.message, param=exc.param, code="invalid_value") from exc
    except ValueError as exc:  # bad syntax, bad UTF-8, or an integer of thousands of digits
        raise LocalAPIError(
            400,
            f"We could not parse the JSON body of your request ({exc}). Send a valid JSON object.",
            code="invalid_json",
        ) from exc
    if not isinstance(data, dict):
        raise LocalAPIError(400, "The request body must be a JSON object.", code="invalid_json")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise from_validation_errors(exc.errors()) from exc


async def read_form(request: Request, limit: int) -> FormData:
    """A multipart/form-data body of at most `limit` bytes, parsed by Starlette."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise LocalAPIError(
            400,
            "Send the audio as multipart/form-data with a 'file' field.",
            param="file",
            code="invalid_content_type",
        )
    raw = await read_body(request, limit)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=2, max_fields=32)
    except MultiPartException as exc:
        raise LocalAPIError(400, f"Malformed multipart body: {exc.message}", code="invalid_multipart") from exc
    try:
        check_text_fields((name, value) for name, value in form.multi_items() if isinstance(value, str))
    except UnsafeInput as exc:
        raise LocalAPIError(400, exc.message, param=exc.param, code="invalid_value") from exc
    return form
