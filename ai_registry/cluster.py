"""`python -m ai_registry cluster` (`make cluster`): the scaled mode on one machine.

PostgreSQL and Redis from Debian's packages, on loopback, their data in `data/cluster/`; one migration;
then the local engine as its own service, one job worker and the web app with two granian workers
(`GRANIAN_WORKERS=2`, Reflex state in Redis), all under `supervisor.Supervisor`: a child that exits
is started again, and Ctrl-C stops everything. PostgreSQL runs as the `postgres` system user when
this runs as root (it refuses root) and trusts connections from 127.0.0.1 only; Redis appends every
write to its log (`appendonly yes`), so a restart keeps the sessions.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ai_registry.settings import PROJECT_ROOT, get_settings
from ai_registry.supervisor import Child, Supervisor

READY_TIMEOUT_S = 60.0
DATABASE = "registry"


@dataclass
class Ports:
    web: int = int(os.environ.get("PORT", "3000"))
    engine: int = int(os.environ.get("AI_REGISTRY_CLUSTER_ENGINE_PORT", "8001"))
    postgres: int = int(os.environ.get("AI_REGISTRY_CLUSTER_POSTGRES_PORT", "54329"))
    redis: int = int(os.environ.get("AI_REGISTRY_CLUSTER_REDIS_PORT", "63799"))


def postgres_bin_dir() -> Path:
    """Debian keeps `initdb` and `postgres` in /usr/lib/postgresql/<version>/bin (newest first)."""
    if (found := shutil.which("initdb")) and shutil.which("postgres"):
        return Path(found).parent
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True)
    for folder in dirs:
        if (folder / "initdb").is_file():
            return folder
    raise SystemExit("PostgreSQL is not installed: `make cluster` installs Debian's postgresql package")


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    pwd.getpwnam("postgres")  # Debian's package creates it
    return "postgres"


def postgres_child(folder: Path, port: int) -> Child:
    """initdb once (trust on loopback), then `postgres` as a supervised child."""
    bin_dir, user = postgres_bin_dir(), _server_user()
    folder.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(folder, user=user, group=user)
        for parent in (folder.parent, folder.parent.parent):  # the postgres user must pass through (not list)
            parent.chmod(parent.stat().st_mode | 0o711)
    data = folder / "data"
    as_user = {"user": user, "group": user, "extra_groups": []} if user else {}
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
            cwd=folder, check=True, capture_output=True, timeout=READY_TIMEOUT_S, **as_user,
        )  # fmt: skip
    argv = [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(folder)]
    return Child("postgres", argv, cwd=folder, user=user, log=folder.parent / "postgres.log")


def redis_child(folder: Path, port: int) -> Child:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: `make cluster` installs Debian's redis-server package")
    folder.mkdir(parents=True, exist_ok=True)
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--appendonly", "yes",
            "--save", "", "--daemonize", "no", "--protected-mode", "yes"]  # fmt: skip
    return Child("redis", argv, cwd=folder, log=folder.parent / "redis.log")


def _wait(ready, what: str, child: Child) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.process is not None and child.process.poll() is not None:
            raise SystemExit(f"{what} exited with {child.process.returncode}; see {child.log}")
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer within {READY_TIMEOUT_S:.0f} s; see {child.log}")


def _postgres_ready(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _ensure_database(port: int) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            db.execute(f'CREATE DATABASE "{DATABASE}"')


def _redis_ready(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _engine_key(folder: Path) -> str:
    path = folder / "engine.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def cluster_environment(ports: Ports, folder: Path) -> dict[str, str]:
    """What every app process of the cluster is given."""
    return {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{ports.postgres}/{DATABASE}",
        "REFLEX_REDIS_URL": f"redis://127.0.0.1:{ports.redis}/0",
        "AI_REGISTRY_QUEUE": "procrastinate",
        "AI_REGISTRY_ENGINE_URL": f"http://127.0.0.1:{ports.engine}",
        "AI_REGISTRY_ENGINE_KEY": _engine_key(folder),
        "PYTHONUNBUFFERED": "1",
    }


def run_cluster(*, web_workers: int = 2) -> None:
    """Start the whole scaled mode on this machine and supervise it until Ctrl-C."""
    ports, folder = Ports(), get_settings().data_dir / "cluster"
    folder.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    try:
        postgres = supervisor.add(postgres_child(folder / "postgres", ports.postgres))
        redis_server = supervisor.add(redis_child(folder / "redis", ports.redis))
        _wait(lambda: _postgres_ready(ports.postgres), "postgres", postgres)
        _wait(lambda: _redis_ready(ports.redis), "redis", redis_server)
        _ensure_database(ports.postgres)
        env = cluster_environment(ports, folder)
        python = [sys.executable, "-m", "ai_registry"]
        subprocess.run([*python, "migrate"], env=env, cwd=PROJECT_ROOT, check=True)  # once per start, under a lock
        logs = folder / "logs"
        logs.mkdir(exist_ok=True)
        supervisor.add(Child("engine", [*python, "engine", "--port", str(ports.engine)], env=env, cwd=PROJECT_ROOT,
                             log=logs / "engine.log"))  # fmt: skip
        supervisor.add(Child("worker", [*python, "worker"], env=env, cwd=PROJECT_ROOT, log=logs / "worker.log"))
        web = [*python, "web", "--port", str(ports.web), "--workers", str(web_workers)]
        supervisor.add(Child("web", web, env=env, cwd=PROJECT_ROOT))
        print(f"the registry: http://127.0.0.1:{ports.web}  (logs in {folder}; Ctrl-C stops everything)")
    except BaseException:
        supervisor.stop_all()
        raise
    supervisor.run()
