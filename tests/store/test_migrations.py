"""Alembic on a temporary SQLite file and a fresh PostgreSQL database: up, down, up again, and the
schema matches the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import ai_registry.store.tables  # noqa: F401  (registers the tables)
from ai_registry.settings import get_settings
from ai_registry.store.migrate import alembic_config, downgrade, upgrade

TABLES = {"api_key", "app_setting", "catalog_model", "run", "source_status"}


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_diff(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@pytest.fixture
def url(database: str, database_url: str, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    return database_url if database == "postgresql" else f"sqlite:///{tmp_path / 'migrations.db'}"


def test_one_head_and_a_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None


def test_upgrade_downgrade_upgrade(url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    upgrade("head", url=url)
    assert tables(url) >= TABLES | {"alembic_version"}
    assert current_revision(url) == head

    downgrade("base", url=url)
    assert tables(url) == {"alembic_version"}
    assert current_revision(url) is None

    upgrade("head", url=url)
    assert tables(url) >= TABLES
    assert current_revision(url) == head
    assert schema_diff(url) == []


def test_migrated_schema_matches_the_models(url: str) -> None:
    upgrade("head", url=url)
    # Every table of the models is migrated, and nothing else: a new table needs a new migration.
    assert tables(url) - {"alembic_version"} == set(SQLModel.metadata.tables)
    assert set(SQLModel.metadata.tables) >= TABLES
    assert schema_diff(url) == []


def test_upgrade_twice_is_a_no_op(url: str) -> None:
    upgrade("head", url=url)
    upgrade("head", url=url)
    assert schema_diff(url) == []


def test_default_url_is_a_file_in_the_data_dir(isolated_data_dir: Path) -> None:
    assert not isolated_data_dir.exists()
    upgrade("head")
    db_file = isolated_data_dir / "registry.db"
    assert db_file.is_file()
    assert tables(get_settings().sqlalchemy_url) >= TABLES


def test_an_encoded_password_survives_the_alembic_config() -> None:
    url = "postgresql+psycopg://user:p%40ss%25word@db.example/registry"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_setting(monkeypatch: pytest.MonkeyPatch, database_url: str, expected: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    assert get_settings().sqlalchemy_url == expected


def test_the_comparison_would_notice_a_drift(url: str) -> None:
    upgrade("head", url=url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_run_model_slug"))
    engine.dispose()
    assert [d[0] for d in schema_diff(url)] == ["add_index"]
