"""A small process supervisor for `python -m ai_registry cluster`: starts children, replaces any that
exits, and stops them all on Ctrl-C or SIGTERM.

Chosen over a process manager from PyPI (supervisor, honcho, circus) because what is needed is
small and specific: start order with readiness checks (PostgreSQL and Redis before the apps), run
PostgreSQL as its own user, and a restart loop with backoff; honcho does not restart, supervisord
wants a config file and a daemon of its own. Each child runs in a process group of its own, so a
stop reaches what it started (Reflex's frontend build, granian's workers) and a terminal's Ctrl-C
reaches only the supervisor, which then stops the children in reverse order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

POLL_S = 0.5
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
HEALTHY_S = 60.0  # a child that ran this long starts again without waiting
STOP_TIMEOUT_S = 30.0


@dataclass
class Child:
    """One supervised command."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: Path | None = None
    user: str | None = None  # run as this system user (PostgreSQL refuses root)
    log: Path | None = None  # output goes here (appended); None: this terminal
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start: float = 0.0
    delay_s: float = FIRST_DELAY_S

    def start(self) -> None:
        out = self.log.open("ab") if self.log is not None else None
        options: dict = {"user": self.user, "group": self.user, "extra_groups": []} if self.user else {}
        try:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT if out else None,
                start_new_session=True, **options,
            )  # fmt: skip
        finally:
            if out is not None:
                out.close()
        self.started_at = time.monotonic()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM to the child's process group, SIGKILL after `timeout_s`."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout_s)


@dataclass
class Supervisor:
    """Keeps its children running until told to stop."""

    children: list[Child] = field(default_factory=list)
    say: Callable[[str], None] = print
    stopping: bool = False

    def add(self, child: Child) -> Child:
        """Start `child` now and supervise it from here on."""
        child.start()
        self.children.append(child)
        self.say(f"started {child.name} (pid {child.process.pid})")
        return child

    def _check(self, child: Child, now: float) -> None:
        if child.process is None or child.process.poll() is None:
            return
        if child.next_start == 0.0:
            ran = now - child.started_at
            child.delay_s = FIRST_DELAY_S if ran >= HEALTHY_S else min(MAX_DELAY_S, child.delay_s * 2)
            child.next_start = now + child.delay_s
            self.say(f"{child.name} exited with {child.process.returncode}; starting it again in {child.delay_s:.0f} s")
        elif now >= child.next_start:
            child.start()
            child.restarts += 1
            child.next_start = 0.0
            self.say(f"started {child.name} again (pid {child.process.pid})")

    def request_stop(self, *_args: object) -> None:
        self.stopping = True

    def run(self, *, max_seconds: float | None = None) -> None:
        """Supervise until SIGINT/SIGTERM (or `max_seconds`), then stop every child, last started first."""
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        try:
            while not self.stopping and (deadline is None or time.monotonic() < deadline):
                now = time.monotonic()
                for child in self.children:
                    self._check(child, now)
                time.sleep(POLL_S)
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop_all(self) -> None:
        self.say("stopping")
        for child in reversed(self.children):
            child.stop()
            self.say(f"stopped {child.name}")
