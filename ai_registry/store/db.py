"""Engine and sessions, created on first use from the settings."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from ai_registry.settings import get_settings


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # WAL lets readers and one writer overlap
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # freed space is zeroed: no old secret lingers in the file
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by this user only (0700); an existing folder is left as it is."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    return path


def prepare_database_file() -> None:
    """For the default SQLite database: a 0700 data folder and a 0600 file, made before SQLite makes them.

    SQLite gives its -wal and -shm files the mode of the database file, so they stay private too.
    """
    settings = get_settings()
    if not settings.sqlalchemy_url.startswith("sqlite:///"):
        return
    ensure_private_dir(settings.data_dir)
    if settings.database_url:  # a SQLite file the operator chose is theirs to place and protect
        return
    database = settings.data_dir / "registry.db"
    if not database.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def get_engine() -> Engine:
    """The engine for the configured database (SQLite file in the data folder by default)."""
    prepare_database_file()
    return _engine_for(get_settings().sqlalchemy_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
