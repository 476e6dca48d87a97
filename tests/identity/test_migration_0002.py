"""Migration 0002 on a database that already holds keys and a plain upstream key from 0001."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from ai_registry.aggregator.runtime import upstream_api_key
from ai_registry.store.api_keys import KEY_PREFIX, authenticate_api_key, hash_key
from ai_registry.store.migrate import downgrade, upgrade

OLD_KEY = KEY_PREFIX + "made-before-accounts-existed-0123456789abcdef"


@pytest.fixture
def database_at_0001(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolated_data_dir.mkdir(parents=True)
    monkeypatch.chdir(isolated_data_dir)
    upgrade("0001")
    with sqlite3.connect(isolated_data_dir / "registry.db") as connection:
        connection.execute(
            "INSERT INTO api_key (name, prefix, key_hash, created_at) VALUES ('old', ?, ?, '2026-11-30 09:00:00')",
            (OLD_KEY[:10], hash_key(OLD_KEY)),
        )
        connection.execute(
            "INSERT INTO app_setting (key, value, updated_at) VALUES ('upstream_api_key', 'sk-plain', "
            "'2026-11-30 09:00:00')"
        )
    return isolated_data_dir / "registry.db"


def test_existing_keys_keep_working_without_an_owner(database_at_0001: Path) -> None:
    upgrade("head")
    identity = authenticate_api_key(OLD_KEY)
    assert identity is not None and identity.owner_id is None and identity.key_name == "old"
    assert upstream_api_key() == "sk-plain"
    with sqlite3.connect(database_at_0001) as connection:
        stored = connection.execute("SELECT value FROM app_setting").fetchone()[0]
    assert stored.startswith("fernet:")


def test_downgrade_to_0001_keeps_the_keys(database_at_0001: Path) -> None:
    upgrade("head")
    downgrade("0001")
    engine = sa.create_engine(f"sqlite:///{database_at_0001}")
    try:
        inspector = sa.inspect(engine)
        assert "user" not in inspector.get_table_names()
        assert "owner_id" not in {c["name"] for c in inspector.get_columns("api_key")}
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT name FROM api_key")).scalars().all() == ["old"]
    finally:
        engine.dispose()
    upgrade("head")
    assert authenticate_api_key(OLD_KEY) is not None
