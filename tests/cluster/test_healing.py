"""Workers that heal: granian respawns a SIGKILLed web worker (the server keeps answering), the
supervisor starts again a child that died and stops them all on Ctrl-C, and the socket records of a
dead web worker are swept from a real Redis while a live worker's stay."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ai_registry.inference.interrupted import ProcessId, this_process
from ai_registry.socket_records import INSTANCE_PREFIX, RECORD_PREFIX, stamp_alive, sweep_dead_records
from ai_registry.supervisor import Child, Supervisor
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60.0
POLL_S = 0.2
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def wait_for(condition, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / POLL_S) + 1):
        if value := condition():
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")


def children_of(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def workers_if(pid: int, wanted) -> set[int] | None:
    found = children_of(pid)
    return found if wanted(found) else None


def answer(port: int) -> int | None:
    try:
        return int(httpx.get(f"http://127.0.0.1:{port}/", timeout=5, trust_env=False).text)
    except (httpx.HTTPError, ValueError):
        return None


def test_granian_respawns_a_killed_worker() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.respawn_app", str(port)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: answer(port), "the server answering")
        workers = wait_for(lambda: workers_if(server.pid, lambda found: len(found) == 2), "two workers")
        victim = next(iter(workers))
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(
            lambda: workers_if(server.pid, lambda found: len(found) == 2 and victim not in found),
            "a new worker in the killed one's place",
        )
        assert server.poll() is None, "the server must outlive a worker"
        assert victim not in replaced
        seen = {wait_for(lambda: answer(port), "an answer") for _ in range(20)}
        assert seen <= replaced and seen
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_supervisor_starts_a_dead_child_again() -> None:
    supervisor = Supervisor(say=lambda _line: None)
    child = supervisor.add(Child("sleeper", SLEEPER))
    first = child.process.pid
    try:
        os.kill(first, signal.SIGKILL)
        child.process.wait(timeout=30)
        supervisor._check(child, time.monotonic())  # noticed: scheduled after a short delay
        assert child.next_start > 0
        supervisor._check(child, child.next_start)
        assert child.restarts == 1 and child.process.pid != first and child.process.poll() is None
    finally:
        supervisor.stop_all()
    assert child.process.poll() is not None


def test_ctrl_c_stops_the_supervisor_and_every_child(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        "import sys; from pathlib import Path\n"
        "from ai_registry.supervisor import Child, Supervisor\n"
        f"s = Supervisor()\nkids = [s.add(Child(f'c{{i}}', {SLEEPER!r})) for i in range(3)]\n"
        f"Path({str(pids)!r}).write_text(' '.join(str(k.process.pid) for k in kids))\n"
        "s.run(max_seconds=120)\n"
    )
    supervisor = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wait_for(lambda: pids.exists() and pids.read_text(), "children started")
    children = [int(pid) for pid in pids.read_text().split()]
    supervisor.send_signal(signal.SIGINT)
    assert supervisor.wait(timeout=60) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.fixture
def redis_client(redis_server):
    import redis.asyncio as aioredis

    return aioredis.from_url(redis_server.url)


async def test_a_dead_workers_socket_records_are_swept(redis_client) -> None:
    from reflex.utils.token_manager import SocketRecord

    async def record(token: str, instance: str) -> None:
        await redis_client.set(RECORD_PREFIX + token, pickle.dumps(SocketRecord(instance_id=instance, sid="s")))

    try:
        await record("tab-of-dead", "dead-instance")
        await record("tab-of-live", "live-instance")
        await record("tab-of-self", "self-instance")
        await stamp_alive(redis_client, "live-instance")
        assert await sweep_dead_records(redis_client, own="self-instance") == ["tab-of-dead"]
        assert not await redis_client.exists(RECORD_PREFIX + "tab-of-dead")
        assert await redis_client.exists(RECORD_PREFIX + "tab-of-live")
        assert await redis_client.exists(RECORD_PREFIX + "tab-of-self")
        await redis_client.delete(INSTANCE_PREFIX + "live-instance")  # its stamp expired: it died too
        assert await sweep_dead_records(redis_client, own="self-instance") == ["tab-of-live"]
        # A stamp still fresh but naming a process of this host that is gone: swept at once.
        await record("tab-of-killed", "killed-instance")
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait(timeout=30)
        await stamp_alive(redis_client, "killed-instance", ProcessId(this_process().host, gone.pid, None).text)
        assert await sweep_dead_records(redis_client, own="self-instance") == ["tab-of-killed"]
    finally:
        await redis_client.flushdb()
        await redis_client.aclose()
