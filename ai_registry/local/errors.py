"""OpenAI-style errors: `{"error": {"message", "type", "param", "code"}}` with the right HTTP status.

A router cannot register exception handlers on the app it is mounted in, so `OpenAIErrorRoute` (the
router's route class) turns every error raised while handling one of its requests, dependencies and
validation included, into that shape.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

# The marker in a validation error's context saying it is `schemas.refusal`, to pass on as written.
REFUSAL = "local_refusal"

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable_error",
}


class LocalAPIError(Exception):
    """An error a client should see, with its status, OpenAI type, offending parameter and code."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type or ERROR_TYPES.get(status, "server_error" if status >= 500 else "api_error")
        self.headers = headers

    def body(self) -> dict[str, Any]:
        """The JSON body of this error."""
        return {"error": {"message": self.message, "type": self.error_type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        """This error as a response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


# pydantic puts the member of a union it tried into `loc` ("str", "list[str]", "TextPart"): not a field.
_UNION_TAG = re.compile(r"^(str|int|float|bool|none|[a-z]+\[.*\]|[A-Z]\w*|function-\w+\[.*\])$")


def _param_of(loc: Sequence[Any]) -> str | None:
    """OpenAI's way of naming a field: `messages[0].content`."""
    out = ""
    for part in loc:
        if part in ("body", "query", "path", "header") or (isinstance(part, str) and _UNION_TAG.match(part)):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def from_validation_errors(errors: Sequence[Any]) -> LocalAPIError:
    """A 400 naming the first invalid parameter of a pydantic or FastAPI validation failure."""
    first = dict(errors[0]) if errors else {}
    param = _param_of(first.get("loc", ()))
    message = str(first.get("msg", "invalid request"))
    context = first.get("ctx") or {}
    if context.get(REFUSAL):  # schemas.refusal: a limit's own code, message and parameter
        return LocalAPIError(400, message, param=context.get("param") or param, code=str(first.get("type")))
    return LocalAPIError(
        400,
        f"Invalid value for '{param}': {message}" if param else message,
        param=param,
        code="invalid_value",
    )


def to_api_error(exc: Exception) -> LocalAPIError | None:
    """The client-facing error for an exception, or None to let it propagate (a real bug: 500)."""
    if isinstance(exc, LocalAPIError):
        return exc
    if isinstance(exc, ValidationError):
        return from_validation_errors(exc.errors())
    if isinstance(exc, RequestValidationError):
        return from_validation_errors(list(exc.errors()))
    if isinstance(exc, HTTPException):
        return LocalAPIError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}) or None)
    return None


class OpenAIErrorRoute(APIRoute):
    """A route whose errors always come back in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error = to_api_error(exc)
                if error is None:
                    raise
                return error.response()

        return handle
