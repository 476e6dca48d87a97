"""Developer settings state, built directly: handlers against a real (temporary) database."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ai_registry.aggregator.runtime import upstream_api_key
from ai_registry.aggregator.service import SourceStatus
from ai_registry.settings import get_settings
from ai_registry.state.developer import (
    DeveloperState,
    upstream_check_message,
    validate_upstream_key,
)
from ai_registry.store.api_keys import KEY_PREFIX, hash_key, verify_api_key
from ai_registry.store.app_settings import UPSTREAM_API_KEY, get_app_setting, mask_secret
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey
from tests.support.accounts import sign_in_state

# Each test works on its own migrated database (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("migrated_db")

UPSTREAM_SECRET = "sk-live-0123456789abcdef"


@pytest.fixture
def state() -> DeveloperState:
    state = DeveloperState(_reflex_internal_init=True)
    sign_in_state(state, "admin", path="/dashboard/developer-settings")
    state.on_load()
    return state


def sent_to_browser(state: DeveloperState) -> str:
    """Everything the state would serialize, computed vars included."""
    return json.dumps(state.dict(), default=str)


def stored_rows() -> list[ApiKey]:
    with session_scope() as session:
        return list(session.exec(select(ApiKey)))


def create(state: DeveloperState, name: str) -> str:
    state.set_key_name(name)
    state.create_key({"name": name})
    return state.new_key


def test_starts_empty(state):
    assert state.api_keys == [] and state.new_key == ""
    assert state.upstream_in_use == "none" and not state.upstream_saved


def test_created_key_is_shown_once_and_stored_as_a_hash(state):
    raw = create(state, "  CI pipeline ")
    assert raw.startswith(KEY_PREFIX) and len(raw) > 40
    assert state.new_key_name == "CI pipeline" and state.key_name == "" and state.key_name_error == ""
    [row] = stored_rows()
    assert row.key_hash == hash_key(raw)
    assert raw not in json.dumps(row.model_dump(), default=str)
    [view] = state.api_keys
    assert (view.id, view.name, view.prefix) == (row.id, "CI pipeline", raw[:10] + "…")
    assert view.last_used == "Never" and view.created.endswith("UTC")
    assert raw not in json.dumps([k.__dict__ for k in state.api_keys])
    assert verify_api_key(raw)


def test_dismiss_forgets_the_full_key(state):
    raw = create(state, "script")
    assert raw in sent_to_browser(state)
    state.mark_copied()
    assert state.copied
    state.dismiss_new_key()
    assert state.new_key == "" and not state.copied
    assert raw not in sent_to_browser(state)
    assert [k.name for k in state.api_keys] == ["script"]


def test_a_reload_forgets_the_full_key(state):
    raw = create(state, "script")
    state.on_load()
    assert raw not in sent_to_browser(state)
    assert [k.name for k in state.api_keys] == ["script"]


def test_last_used_shows_after_the_key_is_used(state):
    raw = create(state, "used")
    assert verify_api_key(raw)
    state.on_load()
    assert state.api_keys[0].last_used.endswith("UTC")


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the key a name"), ("   ", "Give the key a name"), ("x" * 101, "at most 100")],
)
def test_invalid_names_are_reported_at_the_field(state, name, message):
    state.set_key_name(name)
    state.create_key({"name": name})
    assert message in state.key_name_error
    assert state.key_name == name  # what was typed stays, to be fixed
    assert state.new_key == "" and stored_rows() == []
    state.set_key_name("fixed")
    assert state.key_name_error == ""


def test_longest_name_is_accepted(state):
    create(state, "y" * 100)
    assert state.key_name_error == "" and state.api_keys[0].name == "y" * 100


def test_revoke_asks_first_then_works_at_once(state):
    raw_old = create(state, "old")
    state.dismiss_new_key()
    create(state, "new")
    state.dismiss_new_key()
    assert [k.name for k in state.api_keys] == ["new", "old"]
    old_id = next(k.id for k in state.api_keys if k.name == "old")
    state.ask_revoke(old_id)
    assert state.confirm_revoke_id == old_id
    state.cancel_revoke()
    assert state.confirm_revoke_id == 0 and len(state.api_keys) == 2
    state.ask_revoke(old_id)
    state.revoke_key(old_id)
    assert [k.name for k in state.api_keys] == ["new"]
    assert "Revoked “old”" in state.key_notice and state.confirm_revoke_id == 0
    assert not verify_api_key(raw_old)
    state.revoke_key(old_id)
    assert state.key_notice == "That key was already revoked."


def test_revoking_the_key_on_screen_hides_it(state):
    raw = create(state, "oops")
    state.revoke_key(state.new_key_id)
    assert state.new_key == "" and state.api_keys == []
    assert not verify_api_key(raw)


def test_upstream_key_is_write_only_saved_encrypted_and_never_sent_back(state, migrated_db):
    result = state.save_upstream_key({"upstream_key": f"  {UPSTREAM_SECRET}\n"})
    assert result == DeveloperState.check_upstream  # the sources are refetched with the new key
    assert state.upstream_error == "" and state.upstream_notice == "Key saved."
    assert state.upstream_saved and state.upstream_in_use == "saved"
    # Not the key, and not a masked form of it either: nothing of it reaches the browser.
    for part in (UPSTREAM_SECRET, mask_secret(UPSTREAM_SECRET), UPSTREAM_SECRET[-4:]):
        assert part not in sent_to_browser(state)
    with session_scope() as session:
        assert get_app_setting(session=session, key=UPSTREAM_API_KEY) == UPSTREAM_SECRET
    assert upstream_api_key() == UPSTREAM_SECRET
    state.on_load()
    assert state.upstream_saved and UPSTREAM_SECRET[-4:] not in sent_to_browser(state)
    # The database file (and its write-ahead log) holds the key only encrypted.
    for path in migrated_db.glob("registry.db*"):
        assert UPSTREAM_SECRET.encode() not in path.read_bytes(), path.name
    assert any(migrated_db.glob("registry.db*"))


def test_upstream_key_can_be_replaced_and_removed(state):
    state.save_upstream_key({"upstream_key": UPSTREAM_SECRET})
    state.save_upstream_key({"upstream_key": "sk-second-key-9999"})
    assert state.upstream_notice == "Key replaced." and state.upstream_saved
    assert upstream_api_key() == "sk-second-key-9999"
    state.ask_remove_upstream_key()
    assert state.confirm_upstream_removal
    state.cancel_remove_upstream_key()
    assert not state.confirm_upstream_removal and state.upstream_saved
    state.ask_remove_upstream_key()
    assert state.remove_upstream_key() == DeveloperState.check_upstream
    assert not state.upstream_saved and state.upstream_in_use == "none"
    assert upstream_api_key() is None
    assert state.upstream_notice == "Saved key removed."


def test_environment_key_is_never_shown_and_a_saved_key_takes_its_place(state, monkeypatch):
    monkeypatch.setenv("AINATIVE_API_KEY", "env-key-abcdef-1234")
    get_settings.cache_clear()
    state.on_load()
    assert state.upstream_in_use == "environment" and state.upstream_from_env
    assert "env-key-abcdef-1234" not in sent_to_browser(state) and "1234" not in sent_to_browser(state)
    state.save_upstream_key({"upstream_key": UPSTREAM_SECRET})
    assert state.upstream_in_use == "saved" and upstream_api_key() == UPSTREAM_SECRET
    state.remove_upstream_key()
    assert state.upstream_in_use == "environment" and upstream_api_key() == "env-key-abcdef-1234"
    assert "AINATIVE_API_KEY is in use again" in state.upstream_notice


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Paste the key first."),
        ("   ", "Paste the key first."),
        ("two words", "no spaces"),
        ("line\nbreak", "no spaces"),
        ("clé-secrète", "no spaces"),
        ("k" * 501, "at most 500"),
    ],
)
def test_invalid_upstream_keys_are_refused(state, value, message):
    assert state.save_upstream_key({"upstream_key": value}) is None
    assert message in state.upstream_error
    assert not state.upstream_saved and upstream_api_key() is None
    state.save_upstream_key({"upstream_key": UPSTREAM_SECRET})
    assert state.upstream_error == ""


def test_validate_upstream_key_trims():
    assert validate_upstream_key("\tabc-123 ") == ("abc-123", "")


def test_upstream_check_messages():
    ok = SourceStatus("chat", "Chat models", "ok")
    assert upstream_check_message((ok, SourceStatus("registry", "AI registry", "ok"))) == (
        "The upstream answered: all 2 sources OK.",
        True,
    )
    failed = SourceStatus("embeddings", "Embedding models", "failed", "HTTP 401 invalid_api_key")
    message, good = upstream_check_message((ok, failed))
    assert not good and "Embedding models: HTTP 401 invalid_api_key" in message
    skipped = SourceStatus("embeddings", "Embedding models", "skipped", "needs an upstream API key")
    message, good = upstream_check_message((ok, skipped))
    assert not good and "Embedding models" in message
