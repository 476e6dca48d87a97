"""API-key checking for the local engine's routes: `Authorization: Bearer <key>` or `X-API-Key: <key>`.

Keys are created in developer settings and checked by `ai_registry.store.api_keys.verify_api_key`.
Tests (or another key store) replace `get_key_verifier` through FastAPI's `dependency_overrides`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, Request

from ai_registry.local.errors import LocalAPIError
from ai_registry.store.api_keys import verify_api_key

KeyVerifier = Callable[[str], bool | Awaitable[bool]]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def api_key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The key a request carries, from `Authorization: Bearer` first, then `X-API-Key`."""
    authorization = headers.get("authorization", "").strip()
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def get_key_verifier() -> KeyVerifier | None:
    """The store's key check (a dependency, so a test can hand in another; None refuses every key)."""
    return verify_api_key


async def require_api_key(
    request: Request, verify: Annotated[KeyVerifier | None, Depends(get_key_verifier)]
) -> str:
    """FastAPI dependency: the caller's API key, or a 401 in OpenAI's error shape."""
    key = api_key_from_headers(request.headers)
    if not key:
        raise LocalAPIError(
            401,
            "Missing API key. Send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'; "
            "create a key in developer settings.",
            code="missing_api_key",
            headers=_CHALLENGE,
        )
    if verify is None:
        raise LocalAPIError(
            503, "API keys cannot be checked: this server has no key store.", code="api_keys_unavailable"
        )
    if inspect.iscoroutinefunction(verify):
        valid = await verify(key)
    else:
        # A database lookup: keep it off the event loop.
        valid = await asyncio.to_thread(verify, key)
        if inspect.isawaitable(valid):
            valid = await valid
    if not valid:
        raise LocalAPIError(401, "Incorrect or revoked API key.", code="invalid_api_key", headers=_CHALLENGE)
    return key
