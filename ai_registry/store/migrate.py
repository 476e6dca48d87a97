"""Alembic, configured in code: the scripts live in the top-level `alembic/` folder."""

from __future__ import annotations

from alembic.config import Config

from ai_registry.settings import PROJECT_ROOT, get_settings
from ai_registry.store.db import prepare_database_file
from alembic import command


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # ConfigParser interpolates `%`: a URL-encoded password (`p%40ss`) must be escaped.
    config.set_main_option("sqlalchemy.url", (url or get_settings().sqlalchemy_url).replace("%", "%%"))
    return config


def upgrade(revision: str = "head", *, url: str | None = None) -> None:
    """Bring the database to `revision` (creating the SQLite file when needed)."""
    if url is None:
        prepare_database_file()
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str, *, url: str | None = None) -> None:
    command.downgrade(alembic_config(url), revision)
