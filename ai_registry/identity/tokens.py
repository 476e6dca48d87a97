"""Random bearer tokens (sessions, invites): 256 bits, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

MAX_TOKEN_LENGTH = 200


def new_token() -> str:
    """A fresh URL-safe token of 32 random bytes."""
    return secrets.token_urlsafe(32)


def hash_token(raw_token: str) -> str:
    """SHA-256 of a token. Tokens are 256-bit random, so a fast hash is enough (no stretching)."""
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def plausible_token(raw_token: str | None) -> bool:
    """False for empty or absurdly long input, which is refused before any lookup."""
    return bool(raw_token) and len(raw_token) <= MAX_TOKEN_LENGTH
