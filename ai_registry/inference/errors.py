"""Every way a run can fail, as a message a person can act on: what happened, and what to do."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from ai_registry import routes

DEVELOPER_SETTINGS = routes.DEVELOPER_SETTINGS
_MAX_DETAIL_CHARS = 300
# Where FastAPI puts a field in a 422 `loc`, before its name.
_LOC_ROOTS = ("body", "query", "path", "header", "form", "file")


@dataclass(frozen=True)
class RunError:
    """Why a run failed.

    `kind` is one of: validation, no_key, unauthorized, credits, invalid, rate_limited, local_rate_limit,
    upstream, unavailable, timeout, unreachable, bad_response, internal. `fields` maps parameter names
    to messages (from our own validation or the upstream's 422); `link` is where the fix is made.
    """

    message: str
    hint: str = ""
    status: int | None = None
    kind: str = "upstream"
    link: str | None = None
    link_label: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for Reflex state or JSON."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _clip(text: str, limit: int = _MAX_DETAIL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_name(loc: Sequence[Any]) -> str:
    """A parameter name from a FastAPI `loc`: `["body", "input", "prompt"]` -> `prompt`."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    while parts and parts[0] in _LOC_ROOTS:
        parts = parts[1:]
    if not parts:
        return "request"
    return parts[-1]


def _validation_fields(items: Sequence[Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        name = field_name(item.get("loc") or ())
        message = str(item.get("msg") or "is not valid")
        # pydantic prefixes custom errors with "Value error, ".
        message = message.removeprefix("Value error, ")
        fields.setdefault(name, _clip(message, 200))
    return fields


def error_detail(body: Any) -> tuple[str, dict[str, str]]:
    """The text of an error body in any of the contract's shapes, and field messages when it has them.

    `{"detail": "..."}`, `{"detail": [{"loc", "msg"}]}`, `{"message": ...}`, `{"error": {"message", "param"}}`,
    `{"error": "..."}`, or plain text.
    """
    if isinstance(body, bytes | bytearray):
        text = bytes(body).decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            return _clip(text), {}
    if isinstance(body, str):
        return _clip(body), {}
    if not isinstance(body, Mapping):
        return "", {}
    detail = body.get("detail")
    if isinstance(detail, list):
        fields = _validation_fields(detail)
        return "; ".join(f"{k}: {v}" for k, v in fields.items()), fields
    if isinstance(detail, str):
        return _clip(detail), {}
    if isinstance(body.get("message"), str):
        return _clip(body["message"]), {}
    error = body.get("error")
    if isinstance(error, Mapping):
        message = _clip(str(error.get("message") or error.get("type") or ""))
        param = error.get("param")
        return message, ({str(param).split(".")[-1].split("[")[0]: message} if param else {})
    if isinstance(error, str):
        return _clip(error), {}
    return "", {}


def no_key_error() -> RunError:
    return RunError(
        "No upstream API key is set. Add AINATIVE_API_KEY to the environment or save a key in Developer settings.",
        hint="Runs of this model go to the AINative API, which needs a key.",
        kind="no_key",
        link=DEVELOPER_SETTINGS,
        link_label="Open Developer settings",
    )


def validation_error(fields: Mapping[str, str]) -> RunError:
    names = ", ".join(fields)
    return RunError(
        f"Fix the highlighted field{'s' if len(fields) > 1 else ''} first: {names}.",
        hint="Nothing was sent.",
        kind="validation",
        fields=dict(fields),
    )


def local_rate_limit_error(message: str, wait_s: float) -> RunError:
    return RunError(
        message,
        hint="The page keeps to the model's published rate limit, so the upstream does not refuse the run.",
        kind="local_rate_limit",
        status=429,
        retry_after_s=wait_s,
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def from_response(status: int, body: bytes | Any, headers: Mapping[str, str] | None = None) -> RunError:
    """The error of an HTTP answer with status >= 400."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    detail, fields = error_detail(body)
    said = f": {detail}" if detail else ""
    if status == 401 or status == 403:
        return RunError(
            f"The upstream rejected the API key ({_status_text(status)}){said}.",
            hint="Check the key in Developer settings or AINATIVE_API_KEY: it may be mistyped, revoked or expired.",
            status=status,
            kind="unauthorized",
            link=DEVELOPER_SETTINGS,
            link_label="Open Developer settings",
        )
    if status == 402:
        return RunError(
            f"Out of credits: the upstream refused the run ({_status_text(status)}){said}.",
            hint="Add credits to the AINative account of this key, then run again.",
            status=status,
            kind="credits",
        )
    if status in (400, 422) and (fields or status == 422):
        listed = "; ".join(f"{name}: {msg}" for name, msg in fields.items()) or detail or "no details given"
        return RunError(
            f"The upstream refused some values ({_status_text(status)}): {listed}.",
            hint="Change the highlighted values and run again.",
            status=status,
            kind="invalid",
            fields=fields,
        )
    if status == 429:
        remaining = headers.get("x-ratelimit-remaining")
        retry = _retry_after(headers)
        parts = [f"Rate limited by the upstream ({_status_text(status)}){said}."]
        if remaining is not None:
            parts.append(f"Requests remaining in this window: {remaining}.")
        hint = f"Try again in {math.ceil(retry)} s." if retry is not None else "Wait a minute, then try again."
        return RunError(" ".join(parts), hint=hint, status=status, kind="rate_limited", retry_after_s=retry)
    if status == 503:
        return RunError(
            f"The model is unavailable right now ({_status_text(status)}){said}.",
            hint="The service is down or busy; try again in a few minutes.",
            status=status,
            kind="unavailable",
        )
    if status >= 500:
        return RunError(
            f"The upstream failed ({_status_text(status)}){said}.",
            hint="The problem is on the server's side; try again in a minute.",
            status=status,
            kind="upstream",
        )
    return RunError(
        f"The upstream refused the request ({_status_text(status)}){said}.",
        hint="Check the values and the endpoint of this model.",
        status=status,
        kind="invalid",
        fields=fields,
    )


def timeout_error(seconds: float) -> RunError:
    return RunError(
        f"The model did not answer within {seconds:g} s.",
        hint="Generation may be slow or stuck upstream; try again later (shorter or smaller outputs finish sooner).",
        kind="timeout",
    )


def unreachable_error(url: str, reason: str = "connection refused", *, engine: bool = False) -> RunError:
    """`engine`: the URL is the local engine's own service (`AI_REGISTRY_ENGINE_URL`), not the upstream."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
    hint = (
        "Check AI_REGISTRY_ENGINE_URL and that `python -m ai_registry engine` is running there."
        if engine
        else "Check AINATIVE_API_BASE and that the upstream is up and reachable from this server."
    )
    return RunError(
        f"Could not reach {where} ({reason}).",
        hint=hint,
        kind="unreachable",
    )


def bad_response_error(reason: str, status: int | None = None) -> RunError:
    return RunError(
        f"The model's answer could not be read: {reason}.",
        hint="The upstream sent something other than the documented response; try again, and report it if it lasts.",
        status=status,
        kind="bad_response",
    )


def internal_error(exc: BaseException) -> RunError:
    return RunError(
        f"The run failed inside this app: {type(exc).__name__}: {_clip(str(exc), 200)}",
        hint="This is a bug in the registry; the server log has the details.",
        kind="internal",
    )


class CallFailed(Exception):
    """Raised inside a call for a failure the person can act on; the run turns it into its `RunError`."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error
