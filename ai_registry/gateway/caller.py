"""Who calls: the registry key in `Authorization: Bearer` or `X-API-Key`, acting with its owner's role."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from ai_registry.gateway.errors import GatewayError
from ai_registry.identity.roles import role_at_least
from ai_registry.local.auth import api_key_from_headers
from ai_registry.store.api_keys import authenticate_api_key

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """An authenticated key and the person it acts for (`role` None: a key from before accounts)."""

    key_id: int
    user_id: int | None
    role: str | None

    def may_use(self, minimum: str) -> bool:
        return self.role is None or role_at_least(self.role, minimum)  # ownerless keys keep working


def key_or_401(headers: Mapping[str, str]) -> str:
    """The raw key a request carries, or 401 when it carries none (no database needed)."""
    raw = api_key_from_headers(headers)
    if not raw:
        raise GatewayError(
            401,
            "Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
            "(create one in Developer settings).",
            _CHALLENGE,
        )
    return raw


def identify(raw: str) -> Caller:
    """Who `raw` acts for, or 401 (a wrong or revoked key, a disabled owner) or 403 (a viewer's key).
    Blocking: a database lookup."""
    identity = authenticate_api_key(raw)
    if identity is None:
        raise GatewayError(401, "Incorrect or revoked API key, or its owner's account is disabled.", _CHALLENGE)
    if identity.owner_role is not None and not role_at_least(identity.owner_role, "member"):
        raise GatewayError(
            403, "This key belongs to a viewer; viewers cannot call models. Ask an administrator for the member role."
        )
    return Caller(key_id=identity.key_id, user_id=identity.owner_id, role=identity.owner_role)


async def authenticate(headers: Mapping[str, str]) -> Caller:
    """`identify` the request's key off the event loop, or 401/403."""
    return await asyncio.to_thread(identify, key_or_401(headers))
