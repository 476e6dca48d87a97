"""Counting runs against a rate limit in the database, atomically, for every process that shares it.

One transaction per attempt: on PostgreSQL a transaction-scoped advisory lock on the key serialises
attempts for the same model (READ COMMITTED alone would let two inserts both see room); on SQLite the
first statement is a write, so the database's single writer lock does the same. Inside it, sends that
left the window are deleted, and the new send is inserted only while fewer than `requests` are in it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from ai_registry.store.db import get_engine

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
_FORGET = text("DELETE FROM rate_send WHERE key = :key AND sent_at <= :cutoff")
_COUNT_IF_ROOM = text(
    "INSERT INTO rate_send (key, sent_at) SELECT CAST(:key AS VARCHAR(300)), CAST(:now AS FLOAT) "
    "WHERE (SELECT count(*) FROM rate_send WHERE key = :key AND sent_at > :cutoff) < :requests"
)
_OLDEST = text("SELECT min(sent_at) FROM rate_send WHERE key = :key AND sent_at > :cutoff")


def count_send(*, key: str, requests: int, per_seconds: float, clock: Callable[[], float]) -> float | None:
    """Count one send of `key` when the window has room and return None; otherwise return the seconds
    until the oldest send in the window leaves it (nothing is counted). `clock()` (Unix seconds) is
    read once the attempt holds the lock, so sends are counted in the order they are stamped."""
    engine = get_engine()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(_LOCK, {"key": key})
        # On SQLite this first write takes the database's writer lock.
        connection.execute(_FORGET, {"key": key, "cutoff": clock() - per_seconds})
        now = clock()
        window = {"key": key, "cutoff": now - per_seconds}
        inserted = connection.execute(_COUNT_IF_ROOM, {**window, "now": now, "requests": requests})
        if inserted.rowcount == 1:
            return None
        oldest = connection.execute(_OLDEST, window).scalar()
    return min(per_seconds, max(0.0, float(oldest if oldest is not None else now) + per_seconds - now))


def forget_sends() -> None:
    """Delete every counted send (tests and operators starting over)."""
    with get_engine().begin() as connection:
        connection.execute(text("DELETE FROM rate_send"))
