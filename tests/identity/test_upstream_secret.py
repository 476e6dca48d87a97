"""The upstream key is encrypted at rest; the data folder, key file and database are private to the owner."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session

from ai_registry.aggregator.runtime import upstream_api_key
from ai_registry.identity.errors import IdentityError
from ai_registry.identity.upstream_secret import remove_upstream_key, set_upstream_key, upstream_key_is_saved
from ai_registry.settings import get_settings
from ai_registry.store.app_settings import (
    ENCRYPTED_PREFIX,
    KEY_FILE_NAME,
    UPSTREAM_API_KEY,
    SecretKeyError,
    fernet_key_from_setting,
    get_app_setting,
    load_secret_box,
)
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.db import session_scope
from ai_registry.store.migrate import upgrade
from ai_registry.store.tables import AppSetting, User
from tests.support.app_process import set_upstream_key as set_upstream_key_like_the_e2e_tests

SECRET = "sk-live-upstream-7f3a9c2e5b1d4f60"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_bytes(data_dir: Path) -> bytes:
    """Every byte SQLite wrote: the file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in data_dir.glob("registry.db*"))


def stored_value(_data_dir: Path) -> str | None:
    """The stored value as it stands in the database (SQLite or PostgreSQL), not decrypted."""
    with session_scope() as session:
        row = session.get(AppSetting, UPSTREAM_API_KEY)
    return row.value if row else None


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_database_file_holds_no_upstream_key_in_clear(db: Session, admin: User, migrated_db: Path) -> None:
    set_upstream_key(session=db, value=f"  {SECRET} ", actor=admin, address="192.0.2.8")
    db.commit()
    assert SECRET.encode() not in database_bytes(migrated_db)
    assert stored_value(migrated_db).startswith(ENCRYPTED_PREFIX)
    assert get_app_setting(session=db, key=UPSTREAM_API_KEY) == SECRET  # reading it back decrypts
    assert upstream_api_key() == SECRET  # as the aggregator and the run service read it
    assert upstream_key_is_saved(session=db)
    [event] = query_audit_events(session=db, actions=["upstream_key_set"])
    assert event.actor_email == "admin@example.com" and SECRET not in event.details_json

    assert remove_upstream_key(session=db, actor=admin) is True
    assert remove_upstream_key(session=db, actor=admin) is False
    db.commit()
    assert not upstream_key_is_saved(session=db) and upstream_api_key() is None
    assert len(query_audit_events(session=db, actions=["upstream_key_removed"])) == 1


@pytest.mark.parametrize("value", ["", "   ", "two words", "k" * 501])
def test_bad_upstream_keys_are_refused(db: Session, value: str) -> None:
    with pytest.raises(IdentityError):
        set_upstream_key(session=db, value=value)
    assert not upstream_key_is_saved(session=db)


def test_data_folder_key_file_and_database_are_private(
    isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated_db = isolated_data_dir
    assert not migrated_db.exists()
    monkeypatch.chdir(migrated_db.parent)
    upgrade()  # `python -m ai_registry migrate` on a fresh machine
    with session_scope() as session:
        set_upstream_key(session=session, value=SECRET)
    assert mode(migrated_db) == 0o700
    assert mode(migrated_db / "registry.db") == 0o600
    assert mode(migrated_db / KEY_FILE_NAME) == 0o600
    for journal in migrated_db.glob("registry.db-*"):
        assert mode(journal) == 0o600, journal
    Fernet((migrated_db / KEY_FILE_NAME).read_bytes())  # a real Fernet key
    assert not list(migrated_db.glob(".secret-*"))  # no temporary file is left behind


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_a_plain_value_from_an_older_version_is_encrypted_on_first_read(migrated_db: Path) -> None:
    with sqlite3.connect(migrated_db / "registry.db") as connection:
        connection.execute(
            "INSERT INTO app_setting (key, value, updated_at) VALUES (?, ?, '2026-11-30 10:00:00.000000')",
            (UPSTREAM_API_KEY, SECRET),
        )
    assert upstream_api_key() == SECRET
    assert stored_value(migrated_db).startswith(ENCRYPTED_PREFIX)
    with sqlite3.connect(migrated_db / "registry.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the page as it stands once checkpointed
    assert SECRET.encode() not in database_bytes(migrated_db)
    assert upstream_api_key() == SECRET


def test_the_secret_key_setting_encrypts_instead_of_the_key_file(
    migrated_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AI_REGISTRY_SECRET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    with session_scope() as session:
        set_upstream_key(session=session, value=SECRET)
    assert not (migrated_db / KEY_FILE_NAME).exists()
    assert upstream_api_key() == SECRET
    # Another secret cannot read it: a clear error, never a wrong value.
    monkeypatch.setenv("AI_REGISTRY_SECRET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    with session_scope() as session, pytest.raises(SecretKeyError, match="Save the upstream key again"):
        get_app_setting(session=session, key=UPSTREAM_API_KEY)
    assert upstream_api_key() is None  # the aggregator carries on without it


def test_moving_from_the_key_file_to_the_secret_key_setting_re_encrypts(
    migrated_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope() as session:
        set_upstream_key(session=session, value=SECRET)
    file_box = load_secret_box(data_dir=migrated_db)
    before = stored_value(migrated_db)
    assert file_box.decrypt(before) == (SECRET, False)

    monkeypatch.setenv("AI_REGISTRY_SECRET_KEY", "a long passphrase that is not a fernet key at all")
    get_settings.cache_clear()
    assert upstream_api_key() == SECRET  # read with the old key file...
    after = stored_value(migrated_db)
    assert after != before
    with pytest.raises(SecretKeyError):
        file_box.decrypt(after)  # ...and written back under the new secret


@pytest.mark.parametrize("secret", ["short", " " * 40, "x" * 31])
def test_a_weak_secret_key_setting_is_refused(secret: str) -> None:
    with pytest.raises(SecretKeyError, match="at least 32 characters"):
        fernet_key_from_setting(secret)


def test_a_damaged_key_file_is_reported(migrated_db: Path) -> None:
    (migrated_db / KEY_FILE_NAME).write_text("not a key")
    with session_scope() as session, pytest.raises(SecretKeyError, match="does not hold a Fernet key"):
        set_upstream_key(session=session, value=SECRET)


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_e2e_helper_writes_the_key_as_the_app_would(migrated_db: Path) -> None:
    set_upstream_key_like_the_e2e_tests(migrated_db, SECRET)
    assert SECRET.encode() not in database_bytes(migrated_db)
    assert upstream_api_key() == SECRET
    set_upstream_key_like_the_e2e_tests(migrated_db, None)
    assert upstream_api_key() is None
    with session_scope() as session:
        assert session.get(AppSetting, UPSTREAM_API_KEY) is None
