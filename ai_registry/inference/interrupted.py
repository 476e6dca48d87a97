"""Runs left `running` by a process that died become `interrupted`, with a reason the request log shows.

Every run row records the process executing it as `host:pid:start`, where `start` is when that
process started (Linux: boot time plus `/proc/<pid>/stat`'s start ticks, so it also changes across
reboots). A process that starts executing runs (the web app's backend, a job worker) calls
`mark_interrupted_runs` first: a `running` run of THIS host whose pid is gone, or now belongs to a
process started at another time (the pid was reused), is marked `interrupted`. Runs of live
processes and of other hosts are left alone: only their own host can tell whether they still run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessId:
    """A process on a host, told apart from a later one that got the same pid by its start time."""

    host: str
    pid: int
    started: int | None  # clock ticks since the epoch; None where the system does not say

    @property
    def text(self) -> str:
        return f"{self.host}:{self.pid}:{'' if self.started is None else self.started}"

    @classmethod
    def parse(cls, text: str | None) -> ProcessId | None:
        """The identity stored in a run row; None for rows without one or with a damaged one."""
        parts = (text or "").rsplit(":", 2)
        if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
            return None
        started = int(parts[2]) if parts[2].isdigit() else None
        return cls(parts[0], int(parts[1]), started)


@lru_cache(maxsize=1)
def _boot_ticks() -> int | None:
    """The boot time in clock ticks since the epoch (`btime` of /proc/stat)."""
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) * os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        pass
    return None


def process_start(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since the epoch; None if unknown or no such process."""
    boot = _boot_ticks()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return None if boot is None else boot + int(fields[19])  # field 22: starttime
    except (IndexError, ValueError):
        return None


@lru_cache(maxsize=8)
def _identity_of(pid: int) -> ProcessId:
    return ProcessId(socket.gethostname(), pid, process_start(pid))


def this_process() -> ProcessId:
    """The identity of the calling process (per pid, so a forked worker gets its own)."""
    return _identity_of(os.getpid())


def is_alive(process: ProcessId) -> bool:
    """Whether `process` (of this host) still runs: its pid exists and, where known, started when recorded."""
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    if process.started is None:
        return True
    now_started = process_start(process.pid)
    return now_started is None or now_started == process.started


def interrupted_reason(process: ProcessId) -> str:
    return (
        f"The server process running this run stopped (pid {process.pid} on host {process.host}) "
        "before it finished."
    )


def mark_interrupted_runs() -> list[str]:
    """Mark `interrupted` the running runs of this host's dead processes; returns their ids. Blocking."""
    host = socket.gethostname()
    marked: list[str] = []
    with session_scope() as session:
        for run in run_store.running_runs(session=session):
            owner = ProcessId.parse(run.worker)
            if owner is None or owner.host != host or is_alive(owner):
                continue
            if run_store.interrupt_run(session=session, run_id=run.id, reason=interrupted_reason(owner)):
                marked.append(run.id)
    return marked


@contextlib.asynccontextmanager
async def interrupted_runs_on_start() -> AsyncIterator[None]:
    """A lifespan task: before serving, mark the runs a dead process left `running`.

    A database that cannot be read (not migrated yet, unreachable) is logged and never stops the start.
    """
    try:
        marked = await asyncio.to_thread(mark_interrupted_runs)
    except Exception:
        log.exception("could not check for runs left running by a stopped process")
    else:
        if marked:
            log.warning("marked %d run(s) interrupted: their process stopped: %s", len(marked), ", ".join(marked))
    yield
