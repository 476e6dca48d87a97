"""The page's own rate limit: a sliding window per model, from the model's published `rate_limit`.

The upstream limits each key per endpoint (CONTRACT.md: image 5/min, video 1–2/min, ...); keeping
under it here turns a refused, possibly billed request into a clear "try again in 41 s".

Where the window lives is a setting (`Settings.rate_limit_store`): in this process (the embedded
default, one process), in the database (`store/rate_sends.py`, one transaction per attempt, for every
process on that database), or in Redis (a sorted set per model, checked and counted by one Lua script,
so atomic across processes and hosts). The shared stores use wall-clock time: hosts keep NTP time.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.settings import get_settings


class RateLimiter:
    """Sliding windows of send times, one per model id."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}

    def _wait(self, model: UnifiedAIModel, now: float) -> float | None:
        limit = model.rate_limit
        if limit is None or limit.requests <= 0:
            return None
        window = self._sent.setdefault(model.id, deque())
        while window and now - window[0] >= limit.per_seconds:
            window.popleft()
        if len(window) < limit.requests:
            return None
        return max(0.0, window[0] + limit.per_seconds - now)

    def check(self, model: UnifiedAIModel) -> float | None:
        """Seconds to wait before the model may be called again, or None when it may be called now."""
        with self._lock:
            return self._wait(model, self._clock())

    def acquire(self, model: UnifiedAIModel) -> float | None:
        """Like `check`, and when the call is allowed, count it."""
        with self._lock:
            now = self._clock()
            wait = self._wait(model, now)
            if wait is None and model.rate_limit is not None and model.rate_limit.requests > 0:
                self._sent[model.id].append(now)
            return wait

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._sent.clear()


def _per(seconds: int) -> str:
    if seconds == 60:
        return "per minute"
    if seconds == 3600:
        return "per hour"
    if seconds == 1:
        return "per second"
    return f"per {seconds} s"


def limit_label(model: UnifiedAIModel) -> str | None:
    """`2 runs per minute`, or None when the model has no published limit."""
    limit = model.rate_limit
    if limit is None:
        return None
    return f"{limit.requests} run{'' if limit.requests == 1 else 's'} {_per(limit.per_seconds)}"


def limit_message(model: UnifiedAIModel, wait_s: float) -> str:
    """`Rate limit: 2 runs per minute for this model; try again in 41 s`."""
    return f"Rate limit: {limit_label(model)} for this model; try again in {max(1, math.ceil(wait_s))} s"


LIMITER = RateLimiter()

# Drop sends that left the window, count this one when there is room, else answer the wait (seconds).
_REDIS_COUNT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  return false
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
"""
REDIS_PREFIX = "ai_registry:rate:"


async def _redis_acquire(url: str, model: UnifiedAIModel, requests: int, per_seconds: float) -> float | None:
    import redis.asyncio as redis  # only the scaled mode needs it

    client = redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)
    try:
        keys = [REDIS_PREFIX + model.id]
        wait = await client.eval(_REDIS_COUNT, 1, *keys, time.time(), per_seconds, requests, uuid.uuid4().hex)
    finally:
        await client.aclose()
    return None if wait is None else min(float(per_seconds), max(0.0, float(wait)))


def check(model: UnifiedAIModel) -> float | None:
    """Seconds to wait before `model` may run again in this process, or None."""
    return LIMITER.check(model)


async def acquire(model: UnifiedAIModel) -> float | None:
    """Count a run of `model` when it is allowed; otherwise the seconds to wait. Counted where the
    settings say (this process, the database or Redis), so every process shares one window."""
    limit = model.rate_limit
    if limit is None or limit.requests <= 0:
        return None
    settings = get_settings()
    store = settings.rate_limit_store
    if store == "redis" and settings.redis_url:
        return await _redis_acquire(settings.redis_url, model, limit.requests, limit.per_seconds)
    if store == "database":
        from ai_registry.store.rate_sends import count_send

        return await asyncio.to_thread(
            count_send, key=model.id, requests=limit.requests, per_seconds=limit.per_seconds, clock=time.time
        )
    return LIMITER.acquire(model)


async def acquire_named(name: str, requests: int, per_seconds: int = 60) -> float | None:
    """`acquire` for a window that is not a model's (a key's own limit, `key:<id>`), in the same store."""
    from types import SimpleNamespace

    from ai_registry.catalog.models import RateLimit

    stand_in = SimpleNamespace(id=name, rate_limit=RateLimit(requests=requests, per_seconds=per_seconds))
    return await acquire(stand_in)  # type: ignore[arg-type]
