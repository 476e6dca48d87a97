"""Real PostgreSQL and Redis servers for the tests: Debian's binaries on loopback, in temporary folders.

Hand-written rather than pytest-postgresql 10 / pytest-redis 5: pytest-postgresql runs `initdb` and
`pg_ctl` as the user running pytest, and PostgreSQL refuses to run as root, which is who runs the tests
here and in CI; it has no setting to start the server as another system user. Here, when pytest runs
as root, `initdb` and `postgres` run as the `postgres` system user (Debian's package creates it) in a
temporary folder owned by it; as a normal user they run directly. Both servers listen on 127.0.0.1 on
a free port, keep their unix sockets inside their temporary folder, persist nothing beyond it, and are
stopped (and the folder removed) at the end of the session. Every wait is bounded in tries and time.

`make test` installs the `postgresql` and `redis-server` packages when the binaries are missing; a
missing binary fails the test with that hint rather than skipping it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
START_TRIES = 3  # a free port can be taken between choosing it and binding it: try another
POLL_S = 0.1
MISSING_HINT = "`make test` installs Debian's postgresql and redis-server packages when they are missing"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin_dir() -> Path | None:
    """The folder of `initdb` and `postgres`: on PATH, else Debian's `/usr/lib/postgresql/<ver>/bin` (newest)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).parent
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    return found[0] if found else None


def _server_user() -> str | None:
    """The system user to run PostgreSQL as: `postgres` when we are root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(f"PostgreSQL cannot run as root and there is no `postgres` user: {MISSING_HINT}") from None
    return "postgres"


def _wait_until(ready, *, process: subprocess.Popen, timeout_s: float, what: str, log: Path) -> None:
    """Poll `ready()` until it is true; fail when the process exits or the time or tries run out."""
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / POLL_S) + 1):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{_tail(log)}")
        if ready():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    raise RuntimeError(f"{what} did not answer within {timeout_s:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # PostgreSQL: smart shutdown; Redis: exits (nothing to save)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


# ---------- PostgreSQL ----------


@dataclass
class PostgresServer:
    """A running PostgreSQL: trust authentication for the `postgres` role, on 127.0.0.1 only."""

    port: int
    folder: Path
    process: subprocess.Popen
    host: str = "127.0.0.1"
    user: str = "postgres"
    _names: Iterator[int] = field(default_factory=itertools.count)
    _template_ready: bool = False

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `database` (psycopg 3, the driver the app ships)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True, connect_timeout=10
        ) as connection:
            connection.execute(sql)

    def create_database(self, *, template: str = "template0") -> str:
        """A new, empty database (or a copy of `template`); returns its name."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def migrated_database(self) -> str:
        """A new database at the latest migration: a copy of a template migrated once per session."""
        if not self._template_ready:
            from ai_registry.store.migrate import upgrade

            self._admin('CREATE DATABASE "registry_head" TEMPLATE template0')
            upgrade("head", url=self.url("registry_head"))
            self._template_ready = True
        return self.create_database(template="registry_head")

    def drop_database(self, name: str) -> None:
        """Drop `name`, closing any connection a test left open to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(
                host=self.host, port=self.port, user=self.user, dbname="postgres", connect_timeout=2
            ) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False


def start_postgres() -> PostgresServer:
    """initdb in a fresh temporary folder and start `postgres` on a free loopback port."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL's initdb and postgres were not found: {MISSING_HINT}")
    run_as = _server_user()
    # Under /tmp (not pytest's 0700 root-owned folder) so that the `postgres` user can reach it.
    folder = Path(tempfile.mkdtemp(prefix="ai-registry-pg-"))
    if run_as is not None:
        shutil.chown(folder, user=run_as, group=run_as)
    data, log = folder / "data", folder / "postgres.log"
    as_user = {"user": run_as, "group": run_as, "extra_groups": []} if run_as else {}
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            cwd=folder, check=True, capture_output=True, timeout=START_TIMEOUT_S, **as_user,
        )  # fmt: skip
        for _ in range(START_TRIES):
            port = free_port()
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
                     "-k", str(folder), "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=200"],
                    cwd=folder, stdout=out, stderr=subprocess.STDOUT, **as_user,
                )  # fmt: skip
            server = PostgresServer(port=port, folder=folder, process=process)
            try:
                _wait_until(
                    server.accepts_connections, process=process, timeout_s=START_TIMEOUT_S, what="postgres", log=log
                )
                return server
            except RuntimeError:
                _stop(process)
                if "already in use" not in _tail(log):
                    raise
        raise RuntimeError(f"postgres found no free port in {START_TRIES} tries:\n{_tail(log)}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def stop_postgres(server: PostgresServer) -> None:
    _stop(server.process)
    shutil.rmtree(server.folder, ignore_errors=True)


# ---------- Redis ----------


@dataclass
class RedisServer:
    """A running redis-server on 127.0.0.1 with no persistence."""

    port: int
    folder: Path
    process: subprocess.Popen
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False


def start_redis() -> RedisServer:
    """redis-server on a free loopback port, its working folder temporary, saving nothing."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(f"redis-server was not found: {MISSING_HINT}")
    folder = Path(tempfile.mkdtemp(prefix="ai-registry-redis-"))
    log = folder / "redis.log"
    try:
        for _ in range(START_TRIES):
            port = free_port()
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
                     "--unixsocket", str(folder / "redis.sock")],
                    cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            server = RedisServer(port=port, folder=folder, process=process)
            try:
                _wait_until(server.answers_ping, process=process, timeout_s=START_TIMEOUT_S, what="redis", log=log)
                return server
            except RuntimeError:
                _stop(process)
                if "Address already in use" not in _tail(log):
                    raise
        raise RuntimeError(f"redis-server found no free port in {START_TRIES} tries:\n{_tail(log)}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def stop_redis(server: RedisServer) -> None:
    _stop(server.process)
    shutil.rmtree(server.folder, ignore_errors=True)


# ---------- fixtures (imported by tests/conftest.py) ----------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the whole session; tests take a fresh database each."""
    try:
        server = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    stop_postgres(server)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real Redis for the whole session."""
    try:
        server = start_redis()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server
    stop_redis(server)


def restart_postgres(server: PostgresServer) -> None:
    """Stop the server (fast shutdown: open connections are cut) and start it again on its port and data."""
    bin_dir, run_as = postgres_bin_dir(), _server_user()
    as_user = {"user": run_as, "group": run_as, "extra_groups": []} if run_as else {}
    server.process.send_signal(signal.SIGINT)  # fast shutdown
    server.process.wait(timeout=STOP_TIMEOUT_S)
    log = server.folder / "postgres.log"
    with log.open("ab") as out:
        server.process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(server.folder / "data"), "-h", "127.0.0.1", "-p", str(server.port),
             "-k", str(server.folder), "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            cwd=server.folder, stdout=out, stderr=subprocess.STDOUT, **as_user,
        )  # fmt: skip
    _wait_until(server.accepts_connections, process=server.process, timeout_s=START_TIMEOUT_S, what="postgres", log=log)


def restart_redis(server: RedisServer) -> None:
    """Stop Redis (it saves nothing) and start it again on its port."""
    _stop(server.process)
    log = server.folder / "redis.log"
    with log.open("ab") as out:
        server.process = subprocess.Popen(
            [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(server.port), "--dir",
             str(server.folder), "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"],
            cwd=server.folder, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    _wait_until(server.answers_ping, process=server.process, timeout_s=START_TIMEOUT_S, what="redis", log=log)
