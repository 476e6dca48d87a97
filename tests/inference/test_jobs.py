"""Runs as jobs on a real PostgreSQL (Procrastinate): a run deferred by this process is executed by a
`python -m ai_registry worker` subprocess and followed here through its row, streamed text included;
a worker SIGKILLed mid-run has its run taken over by another worker within 30 s (then finished), and a
run whose worker dies on the retry too is marked failed with the reason, never left `running`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_registry.inference import jobs
from ai_registry.inference.interrupted import ProcessId
from ai_registry.inference.result import new_run_id
from ai_registry.settings import get_settings
from tests.conftest import clear_process_caches
from tests.support.contract_server import ContractServer, Fault

ROOT = Path(__file__).resolve().parents[2]
TAKEN_OVER_S = 30.0  # the bound: retried or failed within 30 s of the kill
WAIT_S = 120.0
POLL_S = 0.2
IMAGE = {"prompt": "a cat"}


@pytest.fixture
def queue_db(postgres_server, upstream: ContractServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated PostgreSQL database with the job tables, the queue on, for this test."""
    name = postgres_server.migrated_database()
    monkeypatch.setenv("DATABASE_URL", postgres_server.url(name))
    monkeypatch.setenv("AI_REGISTRY_QUEUE", "procrastinate")
    clear_process_caches()
    assert jobs.ensure_schema() is True
    assert jobs.ensure_schema() is False  # a second migrate finds the tables
    yield name
    from ai_registry.store.db import get_engine

    get_engine().dispose()
    postgres_server.drop_database(name)


class Workers:
    """Job worker subprocesses started with this test's environment; all stopped at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir, self.started = log_dir, []

    def start(self) -> subprocess.Popen:
        log = (self.log_dir / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "ai_registry", "worker"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.started.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


def wait_for(condition, *, timeout_s: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / POLL_S) + 1):
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s\n{workers.logs()}")


def row(run_id: str):
    return jobs.read_run(run_id)


def executed_by(run_id: str) -> int | None:
    found = row(run_id)
    process = ProcessId.parse(found.worker) if found is not None else None
    return process.pid if process is not None and found.status == "running" else None


async def test_a_deferred_run_is_executed_by_a_worker_process_and_streams(
    queue_db: str, upstream: ContractServer, catalog, workers: Workers
) -> None:
    assert get_settings().queue == "procrastinate"
    worker = workers.start()
    pieces: list[str] = []

    async def on_text(delta: str) -> None:
        pieces.append(delta)

    upstream.stream_delay = 0.1
    words = " ".join(f"word{i}" for i in range(30))  # echoed back in about 30 chunks, 0.1 s apart
    values = {"messages": [{"role": "user", "content": words}], "stream": True}
    result = await asyncio.wait_for(
        jobs.run_and_record(catalog["gpt-4"], values, run_id="job-chat", on_text=on_text), WAIT_S
    )
    assert result.status == "succeeded", (result.error, workers.logs())
    assert len(pieces) >= 2, pieces  # followed while it streamed, not only at the end
    assert "".join(pieces) == result.text and result.text
    stored = row("job-chat")
    assert stored.status == "succeeded" and ProcessId.parse(stored.worker).pid == worker.pid != os.getpid()
    assert len(upstream.requests_to("/chat/completions")) == 1


async def test_stop_reaches_the_worker(queue_db: str, upstream: ContractServer, catalog, workers: Workers) -> None:
    upstream.set_fault("/multimodal/image", Fault(delay=60))
    workers.start()
    cancel = asyncio.Event()
    run_id = new_run_id()
    following = asyncio.ensure_future(
        jobs.run_and_record(catalog["qwen-image-edit"], IMAGE, run_id=run_id, cancel=cancel)
    )
    await asyncio.to_thread(wait_for, lambda: executed_by(run_id), timeout_s=WAIT_S, what="run taken", workers=workers)
    cancel.set()
    result = await asyncio.wait_for(following, WAIT_S)
    assert result.status == "cancelled" and row(run_id).status == "cancelled"


def test_a_killed_workers_run_is_taken_over_then_finishes(
    queue_db: str, upstream: ContractServer, catalog, workers: Workers
) -> None:
    upstream.set_fault("/multimodal/image", Fault(delay=60, times=1))  # the first try hangs; the retry answers
    run_id = new_run_id()
    asyncio.run(jobs.submit(catalog["qwen-image-edit"], IMAGE, run_id=run_id))
    first = workers.start()
    wait_for(
        lambda: executed_by(run_id) == first.pid, timeout_s=WAIT_S, what="first worker took the run", workers=workers
    )
    wait_for(lambda: upstream.requests_to("/multimodal/image"), timeout_s=WAIT_S, what="upstream call", workers=workers)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    second = workers.start()  # what a supervisor does
    killed_at = time.monotonic()
    wait_for(lambda: executed_by(run_id) == second.pid or row(run_id).status != "running",
             timeout_s=TAKEN_OVER_S, what="the run taken over", workers=workers)  # fmt: skip
    assert time.monotonic() - killed_at <= TAKEN_OVER_S
    finished = wait_for(lambda: row(run_id).status != "running" and row(run_id), timeout_s=WAIT_S,
                        what="the retried run finishing", workers=workers)  # fmt: skip
    assert finished.status == "succeeded", (finished.error, workers.logs())
    assert len(upstream.requests_to("/multimodal/image")) == 2


def test_a_run_whose_worker_dies_twice_is_failed_with_the_reason(
    queue_db: str, upstream: ContractServer, catalog, workers: Workers
) -> None:
    upstream.set_fault("/multimodal/image", Fault(delay=120))
    run_id = new_run_id()
    asyncio.run(jobs.submit(catalog["qwen-image-edit"], IMAGE, run_id=run_id))
    for attempt in range(2):
        worker = workers.start()
        wait_for(lambda w=worker: executed_by(run_id) == w.pid, timeout_s=WAIT_S, what=f"try {attempt + 1} taken",
                 workers=workers)  # fmt: skip
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    workers.start()
    ended = wait_for(lambda: row(run_id).status != "running" and row(run_id), timeout_s=TAKEN_OVER_S,
                     what="the run marked failed", workers=workers)  # fmt: skip
    assert ended.status == "failed"
    assert ended.error.startswith("The job worker running this run stopped before it finished"), ended.error
