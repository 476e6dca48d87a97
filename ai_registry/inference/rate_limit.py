"""The page's own rate limit: a sliding window per model, from the model's published `rate_limit`.

The upstream limits each key per endpoint (CONTRACT.md: image 5/min, video 1–2/min, ...); keeping
under it here turns a refused, possibly billed request into a clear "try again in 41 s". The window
lives in this process: several backend workers each keep their own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from ai_registry.catalog.models import UnifiedAIModel


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


def check(model: UnifiedAIModel) -> float | None:
    """Seconds to wait before `model` may run again in this process, or None."""
    return LIMITER.check(model)


def acquire(model: UnifiedAIModel) -> float | None:
    """Count a run of `model` when it is allowed; otherwise the seconds to wait."""
    return LIMITER.acquire(model)
