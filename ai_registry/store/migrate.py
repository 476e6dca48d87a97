"""Alembic, configured in code: the scripts live in the top-level `alembic/` folder.

Migrations run under a lock, so that several processes started at once (web workers, job workers,
`python -m ai_registry migrate` of a deploy) never race: on PostgreSQL a session-level advisory
lock on the database, on SQLite an exclusive `flock` on a lock file beside the database file (in
the data folder by default). The first process migrates; the others wait, then find the database
at head and do nothing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from sqlalchemy.engine import make_url

from ai_registry.settings import PROJECT_ROOT, get_settings
from ai_registry.store.db import prepare_database_file
from alembic import command

# The advisory lock's key: any fixed 64-bit number; advisory locks are per database.
MIGRATION_LOCK_KEY = 0x4149_5245_4749_5354  # "AIREGIST"
LOCK_TIMEOUT_S = 600.0  # a migration that takes longer than this is stuck, not slow
_POLL_S = 0.1


class MigrationLockTimeout(RuntimeError):
    """Another process held the migration lock for longer than `LOCK_TIMEOUT_S`."""


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # ConfigParser interpolates `%`: a URL-encoded password (`p%40ss`) must be escaped.
    config.set_main_option("sqlalchemy.url", (url or get_settings().sqlalchemy_url).replace("%", "%%"))
    return config


def sqlite_lock_path(url: str) -> Path | None:
    """The lock file of a SQLite database file (`<file>.migrate-lock`); None for an in-memory one."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".migrate-lock")


@contextmanager
def _file_lock(path: Path, timeout_s: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline, acquired = time.monotonic() + timeout_s, False
        for _ in range(int(timeout_s / _POLL_S) + 1):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(_POLL_S)
        if not acquired:
            raise MigrationLockTimeout(f"another process held {path} for {timeout_s:.0f} s")
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: str, timeout_s: float) -> Iterator[None]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            # pg_advisory_lock waits like any lock: `lock_timeout` bounds the wait.
            connection.execute(sa.text(f"SET lock_timeout = '{int(timeout_s * 1000)}ms'"))
            try:
                connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            except sa.exc.OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available: the timeout
                    message = f"another process held the migration lock for {timeout_s:.0f} s"
                    raise MigrationLockTimeout(message) from exc
                raise
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        engine.dispose()


@contextmanager
def migration_lock(url: str, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the database's migration lock (PostgreSQL advisory lock, or a file lock for SQLite)."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        with _advisory_lock(url, timeout_s):
            yield
    elif backend == "sqlite" and (path := sqlite_lock_path(url)) is not None:
        with _file_lock(path, timeout_s):
            yield
    else:
        yield


def upgrade(revision: str = "head", *, url: str | None = None) -> None:
    """Bring the database to `revision` (creating the SQLite file when needed), under the migration lock."""
    if url is None:
        prepare_database_file()
    target = url or get_settings().sqlalchemy_url
    with migration_lock(target):
        command.upgrade(alembic_config(target), revision)


def downgrade(revision: str, *, url: str | None = None) -> None:
    target = url or get_settings().sqlalchemy_url
    with migration_lock(target):
        command.downgrade(alembic_config(target), revision)
