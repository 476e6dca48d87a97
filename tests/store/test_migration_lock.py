"""Migrations run once, never racing: `python -m ai_registry migrate` started three times at once on a
fresh database, three rounds, on SQLite and on PostgreSQL; and a migration waits for the lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from ai_registry.store.migrate import alembic_config, migration_lock, sqlite_lock_path
from tests.store.test_migrations import current_revision, schema_diff
from tests.support.app_process import ROOT

ROUNDS = 3
PROCESSES = 3
MIGRATE_TIMEOUT_S = 180


def migrate_process(*, data_dir: Path, database_url: str | None) -> subprocess.Popen:
    """`python -m ai_registry migrate` of this tree, run from the data folder so no `.env` leaks in."""
    env = {**os.environ, "AI_REGISTRY_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "ai_registry", "migrate"],
        cwd=data_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def head() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_three_migrations_at_once_on_a_fresh_database_all_succeed(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    for round_ in range(ROUNDS):
        data_dir = tmp_path / f"round-{round_}"
        if database == "postgresql":
            server = request.getfixturevalue("postgres_server")
            name = server.create_database()
            url, database_url = server.url(name), server.url(name)
        else:  # the default: no DATABASE_URL, the SQLite file made in the data folder by the first one
            url, database_url = f"sqlite:///{data_dir / 'registry.db'}", None
        processes = [migrate_process(data_dir=data_dir, database_url=database_url) for _ in range(PROCESSES)]
        outputs = [p.communicate(timeout=MIGRATE_TIMEOUT_S)[0] for p in processes]
        codes = [p.returncode for p in processes]
        assert codes == [0] * PROCESSES, f"round {round_}: exit codes {codes}\n" + "\n---\n".join(outputs)
        assert current_revision(url) == head()
        assert schema_diff(url) == []
        if database == "postgresql":
            server.drop_database(name)


def _waiting_on_the_lock(process: subprocess.Popen, url: str) -> bool:
    """Whether the migrate process is waiting for the lock we hold (not merely still importing)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                waiting = connection.execute(
                    sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                ).scalar_one()
        finally:
            engine.dispose()
        return waiting > 0
    lock_file = str(sqlite_lock_path(url))
    fds = Path(f"/proc/{process.pid}/fd")
    try:
        return any(os.readlink(fd) == lock_file for fd in fds.iterdir())
    except OSError:
        return False


def test_a_migration_waits_while_another_holds_the_lock(database: str, database_url: str, tmp_path: Path) -> None:
    url = database_url if database == "postgresql" else f"sqlite:///{tmp_path / 'data' / 'registry.db'}"
    (tmp_path / "data").mkdir()
    with migration_lock(url):
        process = migrate_process(data_dir=tmp_path / "data", database_url=url)
        try:
            deadline = time.monotonic() + 60
            for _ in range(600):
                if _waiting_on_the_lock(process, url) or process.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert process.poll() is None, process.communicate()[0]
            assert _waiting_on_the_lock(process, url), "the migrate process never reached the lock"
            time.sleep(0.5)
            assert process.poll() is None  # still waiting: it has not migrated behind the lock's back
            assert current_revision(url) is None
        except BaseException:
            process.kill()
            process.wait(timeout=30)
            raise
    output = process.communicate(timeout=MIGRATE_TIMEOUT_S)[0]
    assert process.returncode == 0, output
    assert current_revision(url) == head()
