"""Runs left `running` by a dead process become `interrupted` on start; live ones and other hosts' stay.

On SQLite and on PostgreSQL (tests/conftest.py parametrizes this module like the store tests).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ai_registry.inference.interrupted import (
    ProcessId,
    interrupted_runs_on_start,
    is_alive,
    mark_interrupted_runs,
    process_start,
    this_process,
)
from ai_registry.inference.record import record_started
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope

pytestmark = pytest.mark.usefixtures("migrated_db")


def a_dead_process() -> ProcessId:
    """The identity a real process of this host had, after it exited."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = process_start(child.pid)
    finally:
        child.kill()
        child.wait(timeout=30)
    return ProcessId(socket.gethostname(), child.pid, started)


def add_run(run_id: str, worker: ProcessId | str | None, status: str = "running") -> None:
    text = worker.text if isinstance(worker, ProcessId) else worker
    with session_scope() as session:
        run_store.create_run(session=session, run_id=run_id, model_slug="gpt-4", inputs={"x": 1}, worker=text)
        if status != "running":
            run_store.get_run(session=session, run_id=run_id).status = status


def stored(run_id: str):
    with session_scope() as session:
        return run_store.get_run(session=session, run_id=run_id)


def test_this_process_is_named_by_host_pid_and_start_time() -> None:
    me = this_process()
    assert (me.host, me.pid) == (socket.gethostname(), os.getpid())
    assert me.started is not None and me.started == process_start(os.getpid())
    assert ProcessId.parse(me.text) == me
    assert is_alive(me)
    assert ProcessId.parse(None) is None and ProcessId.parse("garbage") is None
    assert ProcessId.parse("host:12:") == ProcessId("host", 12, None)


def test_a_run_of_a_dead_process_becomes_interrupted_with_the_reason() -> None:
    dead = a_dead_process()
    assert not is_alive(dead)
    add_run("dead-run", dead)
    assert mark_interrupted_runs() == ["dead-run"]
    row = stored("dead-run")
    assert row.status == "interrupted"
    assert row.error == (
        f"The server process running this run stopped (pid {dead.pid} on host {dead.host}) before it finished."
    )
    assert mark_interrupted_runs() == []  # once


def test_a_reused_pid_is_not_the_process_that_ran_the_run() -> None:
    me = this_process()
    earlier = dataclasses.replace(me, started=me.started - 100)  # same pid, another process's start time
    assert not is_alive(earlier)
    add_run("reused-pid", earlier)
    assert mark_interrupted_runs() == ["reused-pid"]
    assert stored("reused-pid").status == "interrupted"


def test_runs_of_live_processes_other_hosts_and_unknown_workers_are_left_alone() -> None:
    dead = a_dead_process()
    add_run("mine-live", this_process())
    add_run("other-host", dataclasses.replace(dead, host=socket.gethostname() + "-elsewhere"))
    add_run("no-worker", None)
    add_run("damaged-worker", "not an identity")
    add_run("finished", dead, status="succeeded")
    assert mark_interrupted_runs() == []
    assert {r: stored(r).status for r in ("mine-live", "other-host", "no-worker", "damaged-worker", "finished")} == {
        "mine-live": "running",
        "other-host": "running",
        "no-worker": "running",
        "damaged-worker": "running",
        "finished": "succeeded",
    }


async def test_a_started_run_records_the_process_running_it() -> None:
    await record_started(run_id="recorded", model_slug="gpt-4", values={"prompt": "hi"})
    assert stored("recorded").worker == this_process().text


async def test_the_start_hook_marks_runs_and_never_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    add_run("left-running", a_dead_process())
    async with interrupted_runs_on_start():
        assert stored("left-running").status == "interrupted"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{Path('/nonexistent-folder/db.sqlite')}")
    from tests.conftest import clear_process_caches

    clear_process_caches()
    async with interrupted_runs_on_start():  # an unreadable database is logged, not raised
        pass
