"""The gateway's errors: FastAPI's own shape, `{"detail": ...}`, with the status the cause deserves."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class GatewayError(Exception):
    """A refusal or failure answered as `{"detail": detail}` with `status` and `headers`."""

    def __init__(self, status: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail if isinstance(detail, str) else str(detail))
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"detail": self.detail}, status_code=self.status, headers=self.headers)


def field_error(field: str, message: str, *, where: str = "body") -> GatewayError:
    """A 422 naming the field, in FastAPI's validation shape."""
    return GatewayError(422, [{"loc": [where, field], "msg": message, "type": "value_error"}])
