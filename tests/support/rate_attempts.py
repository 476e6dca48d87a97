"""A process that tries to run one rate-limited model N times at once, for the shared-limit tests.

`python -m tests.support.rate_attempts MODEL_ID REQUESTS ATTEMPTS START_AT`: waits until the Unix time
START_AT (so that two processes start together), makes ATTEMPTS concurrent `rate_limit.acquire`
calls for a model allowing REQUESTS runs per minute, and prints how many were let through as JSON.
The store (process, database or Redis) comes from the environment, as in the app.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from ai_registry.catalog.models import RateLimit
from ai_registry.inference import rate_limit
from tests.kinds.factories import model

MAX_WAIT_S = 30.0


async def attempt(model_id: str, requests: int, attempts: int, start_at: float) -> dict:
    limited = model(model_id, "Image", "/v1/multimodal/image", [], rate_limit=RateLimit(requests=requests))
    await asyncio.sleep(min(MAX_WAIT_S, max(0.0, start_at - time.time())))
    waits = await asyncio.gather(*(rate_limit.acquire(limited) for _ in range(attempts)))
    return {"allowed": sum(wait is None for wait in waits), "waits": [w for w in waits if w is not None]}


if __name__ == "__main__":
    model_id, requests, attempts, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(attempt(model_id, requests, attempts, start_at))))
