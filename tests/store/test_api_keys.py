"""The app's own API keys (stored as hashes, shown once, revocable) and the saved upstream key."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from ai_registry.settings import get_settings
from ai_registry.store.api_keys import (
    KEY_PREFIX,
    MAX_NAME_LENGTH,
    create_api_key,
    find_active_key,
    hash_key,
    list_api_keys,
    revoke_api_key,
    verify_api_key,
)
from ai_registry.store.app_settings import (
    UPSTREAM_API_KEY,
    delete_app_setting,
    get_app_setting,
    mask_secret,
    set_app_setting,
)
from ai_registry.store.db import get_engine, session_scope


@pytest.fixture
def session(migrated_db: Path) -> Iterator[Session]:
    with session_scope() as s:
        yield s


def test_the_database_lives_in_the_test_data_dir(isolated_data_dir: Path) -> None:
    assert get_settings().sqlalchemy_url == f"sqlite:///{isolated_data_dir / 'registry.db'}"
    get_engine()
    assert isolated_data_dir.is_dir()


@pytest.mark.sqlite_only
def test_create_returns_the_full_key_once_and_stores_only_its_hash(
    session: Session, isolated_data_dir: Path
) -> None:
    row, raw = create_api_key(session=session, name="  ci script  ")
    assert raw.startswith(KEY_PREFIX)
    assert len(raw) > 40
    assert row.name == "ci script"
    assert row.prefix == raw[: len(KEY_PREFIX) + 6]
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest() == hash_key(raw)
    assert row.id is not None and row.created_at is not None
    assert row.revoked_at is None and row.last_used_at is None
    session.commit()
    # Nothing in the database file holds the full key.
    with sqlite3.connect(isolated_data_dir / "registry.db") as db:
        dump = "\n".join(db.iterdump())
    assert raw not in dump
    assert row.key_hash in dump


def test_keys_are_unique(session: Session) -> None:
    raws = {create_api_key(session=session, name=f"k{i}")[1] for i in range(20)}
    assert len(raws) == 20


@pytest.mark.parametrize("name", ["", "   ", "x" * (MAX_NAME_LENGTH + 1)])
def test_create_rejects_bad_names(session: Session, name: str) -> None:
    with pytest.raises(ValueError):
        create_api_key(session=session, name=name)
    assert list_api_keys(session=session) == []


def test_name_at_the_limit_fits(session: Session) -> None:
    row, _ = create_api_key(session=session, name="n" * MAX_NAME_LENGTH)
    assert len(row.name) == MAX_NAME_LENGTH


def test_list_newest_first_and_revoked_hidden(session: Session) -> None:
    first, _ = create_api_key(session=session, name="first")
    second, _ = create_api_key(session=session, name="second")
    third, _ = create_api_key(session=session, name="third")
    assert [k.name for k in list_api_keys(session=session)] == ["third", "second", "first"]
    assert revoke_api_key(session=session, key_id=second.id) is True
    session.flush()
    assert [k.name for k in list_api_keys(session=session)] == ["third", "first"]
    assert [k.name for k in list_api_keys(session=session, include_revoked=True)] == ["third", "second", "first"]


def test_revoke(session: Session) -> None:
    row, raw = create_api_key(session=session, name="temp")
    assert find_active_key(session=session, raw_key=raw) is not None
    assert revoke_api_key(session=session, key_id=row.id) is True
    assert row.revoked_at is not None
    assert revoke_api_key(session=session, key_id=row.id) is False  # already revoked
    assert revoke_api_key(session=session, key_id=999_999) is False
    assert find_active_key(session=session, raw_key=raw) is None


def test_find_active_key(session: Session) -> None:
    row, raw = create_api_key(session=session, name="app")
    found = find_active_key(session=session, raw_key=raw)
    assert found is not None and found.id == row.id
    assert found.last_used_at is not None
    for wrong in ("", raw[:-1], raw + "x", raw.replace(KEY_PREFIX, "sk_", 1), KEY_PREFIX, row.key_hash):
        assert find_active_key(session=session, raw_key=wrong) is None


def test_verify_api_key_uses_its_own_session(session: Session) -> None:
    _, raw = create_api_key(session=session, name="http")
    _, revoked_raw = create_api_key(session=session, name="old")
    session.commit()
    revoked = next(k for k in list_api_keys(session=session) if k.name == "old")
    revoke_api_key(session=session, key_id=revoked.id)
    session.commit()
    assert verify_api_key(raw) is True
    assert verify_api_key(revoked_raw) is False
    assert verify_api_key("air_nope") is False
    assert verify_api_key("") is False


# -- the upstream key saved from developer settings ---------------------------------------------------


def test_app_settings_roundtrip(session: Session) -> None:
    assert get_app_setting(session=session, key=UPSTREAM_API_KEY) is None
    set_app_setting(session=session, key=UPSTREAM_API_KEY, value="sk-first")
    session.flush()
    set_app_setting(session=session, key=UPSTREAM_API_KEY, value="sk-second")
    session.flush()
    assert get_app_setting(session=session, key=UPSTREAM_API_KEY) == "sk-second"
    assert delete_app_setting(session=session, key=UPSTREAM_API_KEY) is True
    session.flush()
    assert get_app_setting(session=session, key=UPSTREAM_API_KEY) is None
    assert delete_app_setting(session=session, key=UPSTREAM_API_KEY) is False


def test_saved_upstream_key_wins_over_the_environment(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_registry.aggregator.runtime import upstream_api_key

    monkeypatch.setenv("AINATIVE_API_KEY", "from-env")
    get_settings.cache_clear()
    assert upstream_api_key() == "from-env"
    set_app_setting(session=session, key=UPSTREAM_API_KEY, value="from-ui")
    session.commit()
    assert upstream_api_key() == "from-ui"


def test_upstream_key_without_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from ai_registry.aggregator.runtime import upstream_api_key

    assert upstream_api_key() is None  # no tables yet, no environment: no key, no crash
    monkeypatch.setenv("AINATIVE_API_KEY", "from-env")
    get_settings.cache_clear()
    assert upstream_api_key() == "from-env"


@pytest.mark.parametrize(
    ("secret", "masked"),
    [(None, ""), ("", ""), ("short", "•••••"), ("12345678", "••••••••"), ("sk-abcdefghijkl", "sk-…ijkl")],
)
def test_mask_secret(secret: str | None, masked: str) -> None:
    assert mask_secret(secret) == masked


def test_settings_never_print_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AINATIVE_API_KEY", "sk-very-secret")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.api_key.get_secret_value() == "sk-very-secret"
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in str(settings.model_dump())


# -- keys belong to people ----------------------------------------------------------------------------


def _person(session: Session, email: str, *, active: bool = True) -> int:
    from ai_registry.store.users import insert_user

    user = insert_user(session=session, email=email, display_name="", role="member", password_hash=None)
    user.active = active
    session.flush()
    return user.id


def test_a_key_can_have_an_owner(session: Session) -> None:
    from ai_registry.store.api_keys import authenticate_api_key, find_active_key_and_owner

    owner_id = _person(session, "Owner@Example.com")
    row, raw = create_api_key(session=session, name="mine", owner_id=owner_id)
    assert row.owner_id == owner_id
    key, owner = find_active_key_and_owner(session=session, raw_key=raw)
    assert key.id == row.id and owner.email == "owner@example.com"
    session.commit()
    identity = authenticate_api_key(raw)
    assert (identity.owner_id, identity.owner_role, identity.key_name) == (owner_id, "member", "mine")


def test_keys_are_listed_per_owner(session: Session) -> None:
    first, second = _person(session, "a@example.com"), _person(session, "b@example.com")
    create_api_key(session=session, name="a1", owner_id=first)
    create_api_key(session=session, name="b1", owner_id=second)
    create_api_key(session=session, name="legacy")
    assert [k.name for k in list_api_keys(session=session, owner_id=first)] == ["a1"]
    assert {k.name for k in list_api_keys(session=session)} == {"a1", "b1", "legacy"}


def test_revoke_every_key_of_one_owner(session: Session) -> None:
    from ai_registry.store.api_keys import revoke_owner_keys

    owner, other = _person(session, "a@example.com"), _person(session, "b@example.com")
    raws = [create_api_key(session=session, name=f"k{i}", owner_id=owner)[1] for i in range(3)]
    kept = create_api_key(session=session, name="other", owner_id=other)[1]
    assert revoke_owner_keys(session=session, owner_id=owner) == 3
    assert revoke_owner_keys(session=session, owner_id=owner) == 0
    assert all(find_active_key(session=session, raw_key=raw) is None for raw in raws)
    assert find_active_key(session=session, raw_key=kept) is not None


def test_a_disabled_owners_key_does_not_authenticate(session: Session) -> None:
    owner_id = _person(session, "a@example.com")
    _row, raw = create_api_key(session=session, name="k", owner_id=owner_id)
    session.commit()
    assert verify_api_key(raw)
    from ai_registry.store.tables import User

    user = session.get(User, owner_id)
    user.active = False  # even without revoking the key
    session.commit()
    assert find_active_key(session=session, raw_key=raw) is None
    assert verify_api_key(raw) is False


def test_keys_are_made_only_for_active_owners(session: Session) -> None:
    disabled = _person(session, "gone@example.com", active=False)
    for owner_id in (disabled, 999_999):
        with pytest.raises(ValueError, match="active account"):
            create_api_key(session=session, name="k", owner_id=owner_id)
    assert list_api_keys(session=session) == []
