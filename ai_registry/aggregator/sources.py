"""One async fetch per upstream endpoint, each with its own timeout and size limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ai_registry.aggregator.normalize import (
    Normalized,
    normalize_chat_models,
    normalize_embedding_models,
    normalize_registry_models,
    parse_health,
)

_INLINE_JSON_BYTES = 256 * 1024


class SourceError(Exception):
    """Why a source gave no usable data, in words a person can act on."""


@dataclass(frozen=True)
class SourceSpec:
    """An upstream list endpoint and how to read it."""

    name: str
    label: str
    path: str  # after the API prefix
    needs_key: bool
    parse: Callable[[Any], Any]
    default_category: str = "Coding"
    rich: bool = False


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec("chat", "Chat models", "/models", False, normalize_chat_models, "Coding"),
    SourceSpec(
        "embeddings", "Embedding models", "/public/embeddings/models", True, normalize_embedding_models, "Embedding"
    ),
    SourceSpec("registry", "AI registry", "/public/ai-registry/models", False, normalize_registry_models, rich=True),
    SourceSpec("health", "Multimodal health", "/multimodal/health", False, parse_health),
)


def auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _detail(response: httpx.Response, body: bytes) -> str:
    """The upstream's own error text, from any of the error shapes CONTRACT.md lists."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        detail = data.get("detail") or data.get("message") or (data.get("error") or {})
        if isinstance(detail, dict):
            detail = detail.get("message", "")
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            detail = detail[0].get("msg", "")
        return str(detail)[:200]
    return ""


async def fetch_body(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    headers: dict[str, str] | None = None,
) -> bytes:
    """GET `url` and return the raw body of a successful answer, or raise `SourceError` saying what went wrong."""

    async def _get() -> bytes:
        async with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"response too large ({int(declared):,} bytes, limit {max_bytes:,})")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"response too large (over {max_bytes:,} bytes)")
                chunks.append(chunk)
            body = b"".join(chunks)
            if response.status_code >= 400:
                detail = _detail(response, body)
                hint = {401: "unauthorized: check the API key", 403: "forbidden", 404: "not found"}.get(
                    response.status_code, "upstream error"
                )
                raise SourceError(f"HTTP {response.status_code} ({hint})" + (f": {detail}" if detail else ""))
            return body

    try:
        # wait_for bounds the whole exchange; httpx's timeout only bounds each read.
        return await asyncio.wait_for(_get(), timeout)
    except TimeoutError as exc:
        raise SourceError(f"timed out after {timeout:g} s") from exc
    except httpx.TimeoutException as exc:
        raise SourceError(f"timed out after {timeout:g} s") from exc
    except httpx.ConnectError as exc:
        raise SourceError("connection refused or host unreachable") from exc
    except httpx.RemoteProtocolError as exc:
        raise SourceError("the connection closed before a full response") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"{type(exc).__name__}: {exc}"[:200]) from exc


def decode_json(body: bytes) -> Any:
    """A body's JSON, or `SourceError` saying where it is malformed."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise SourceError(f"malformed JSON: {exc.msg} at byte {exc.pos}") from exc
    except UnicodeDecodeError as exc:  # a ValueError without .msg/.pos
        raise SourceError(f"malformed JSON: not UTF-8 text at byte {exc.start}") from exc


def parse_payload(spec: SourceSpec, payload: Any) -> Any:
    """A decoded payload read by its source: a `Normalized` for model lists, a `Health` for the health route."""
    try:
        parsed = spec.parse(payload)
    except ValueError as exc:
        raise SourceError(f"unexpected shape: {exc}") from exc
    if isinstance(parsed, Normalized) and not parsed.facts and parsed.skipped:
        raise SourceError(f"no valid records ({len(parsed.skipped)} skipped: {parsed.skipped[0]})")
    return parsed


def parse_body(spec: SourceSpec, body: bytes) -> Any:
    """Decode and read one source's raw body (pure and picklable: it also runs in the refresh worker)."""
    return parse_payload(spec, decode_json(body))


async def fetch_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    headers: dict[str, str] | None = None,
) -> Any:
    """GET `url` and decode JSON, or raise `SourceError` saying what went wrong."""
    body = await fetch_body(client, url, timeout=timeout, max_bytes=max_bytes, headers=headers)
    # A large listing (10,000 models is about 4 MB) is decoded off the event loop.
    return await asyncio.to_thread(decode_json, body) if len(body) > _INLINE_JSON_BYTES else decode_json(body)


async def fetch_source(
    client: httpx.AsyncClient,
    spec: SourceSpec,
    *,
    api_root: str,
    api_key: str | None,
    timeout: float,
    max_bytes: int,
) -> Any:
    """Fetch and parse one source: a `Normalized` for model lists, a `Health` for the health route."""
    payload = await fetch_json(
        client, api_root + spec.path, timeout=timeout, max_bytes=max_bytes, headers=auth_headers(api_key)
    )
    # Validating thousands of records takes a while: off the event loop, so pages stay responsive.
    return await asyncio.to_thread(parse_payload, spec, payload)
