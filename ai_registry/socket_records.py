"""Socket records of web workers that died, removed from Redis so a reloaded tab keeps its session.

With Redis, Reflex keeps `token_manager_socket_record_{token}` (the worker instance holding the tab's
websocket) for an hour; a tab that reconnects while its old record exists is taken for a duplicate and
given a new, empty session. A worker that exits cleanly removes its records; a killed one cannot. So
each web worker stamps `ai_registry:web_instance:{instance_id}` with its process (`host:pid:start`)
every `BEAT_S` (expiring after `INSTANCE_TTL_S`), and sweeps away the records of instances whose stamp
is gone or names a process of this host that no longer runs: a worker respawned in a dead one's
place sweeps at start-up, before it serves, so the tab's reconnection finds no stale record. Reflex
itself is not imported here: the records are pickles of its `SocketRecord`, read back through `pickle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from collections.abc import AsyncIterator, Callable
from typing import Any

from ai_registry.inference.interrupted import ProcessId, is_alive, this_process

log = logging.getLogger(__name__)

RECORD_PREFIX = "token_manager_socket_record_"
INSTANCE_PREFIX = "ai_registry:web_instance:"
BEAT_S = 1.0
INSTANCE_TTL_S = 5


def _instance_of(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return str(getattr(pickle.loads(raw), "instance_id", "")) or None  # noqa: S301  (our own Redis)
    except Exception:
        return None


async def stamp_alive(redis: Any, instance_id: str, process: str | None = None) -> None:
    """Say this worker instance (run by `process`, this one by default) is alive for `INSTANCE_TTL_S` seconds."""
    await redis.set(INSTANCE_PREFIX + instance_id, (process or this_process().text).encode(), ex=INSTANCE_TTL_S)


def _stamp_alive(raw: bytes | None) -> bool:
    if raw is None:
        return False
    process = ProcessId.parse(raw.decode(errors="replace"))
    here = this_process().host
    return process is None or process.host != here or is_alive(process)  # other hosts: the stamp's TTL


async def sweep_dead_records(redis: Any, *, own: str | None = None) -> list[str]:
    """Delete the socket records of instances without a live stamp; the tokens whose records went."""
    removed, alive = [], {}
    async for key in redis.scan_iter(match=RECORD_PREFIX + "*", count=500):
        instance = _instance_of(await redis.get(key))
        if instance is None or instance == own:
            continue
        if instance not in alive:
            alive[instance] = _stamp_alive(await redis.get(INSTANCE_PREFIX + instance))
        if not alive[instance]:
            await redis.delete(key)
            name = key.decode() if isinstance(key, bytes) else str(key)
            removed.append(name[len(RECORD_PREFIX) :])
    return removed


async def _one_round(client: Any, instance_id: Callable[[], str | None]) -> None:
    try:
        own = instance_id()
        if own:
            await stamp_alive(client, own)
        removed = await sweep_dead_records(client, own=own)
        if removed:
            log.info("removed %d socket records of web workers that died", len(removed))
    except Exception:  # Redis is restarting: try again next beat
        log.warning("could not sweep socket records", exc_info=True)


async def _keep_clean(client: Any, instance_id: Callable[[], str | None]) -> None:
    while True:
        await asyncio.sleep(BEAT_S)
        await _one_round(client, instance_id)


@contextlib.asynccontextmanager
async def records_kept_clean(url: str | None, instance_id: Callable[[], str | None]) -> AsyncIterator[None]:
    """While the web worker serves: stamp it alive and sweep dead workers' records (nothing without
    Redis). The first round runs before the worker serves."""
    if not url:
        yield
        return
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    await _one_round(client, instance_id)
    task = asyncio.create_task(_keep_clean(client, instance_id))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.aclose()
