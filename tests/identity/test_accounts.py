"""Accounts: create, validate, change role, reset the password, disable (ending sessions and keys), enable."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ai_registry.identity.accounts import (
    change_role,
    create_user,
    disable_user,
    enable_user,
    find_user,
    set_password,
)
from ai_registry.identity.errors import AccountError, PasswordPolicyError
from ai_registry.identity.passwords import verify_password
from ai_registry.identity.sessions import create_session, session_for_token
from ai_registry.store.api_keys import create_api_key, find_active_key, list_api_keys, verify_api_key
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.tables import User
from ai_registry.store.users import get_user_by_email, insert_user, list_users
from tests.identity.conftest import PASSWORD, make_user


def test_create_stores_a_lower_cased_email_and_an_argon2_hash(db: Session) -> None:
    user = create_user(session=db, email="  Ann.Lee@Example.COM ", password=PASSWORD, role="Admin")
    assert (user.email, user.role, user.active, user.display_name) == ("ann.lee@example.com", "admin", True, "ann.lee")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)[0]
    assert user.created_at is not None and user.last_sign_in_at is None
    assert get_user_by_email(session=db, email="ANN.LEE@example.com").id == user.id


def test_email_is_unique_whatever_the_case(db: Session) -> None:
    make_user(db, "bob@example.com")
    with pytest.raises(AccountError, match="An account for bob@example.com already exists"):
        create_user(session=db, email="BOB@Example.com", password=PASSWORD, role="member")
    # The database refuses it too, for a caller that skips the check.
    with pytest.raises(IntegrityError):
        insert_user(session=db, email="Bob@EXAMPLE.com", display_name="", role="member", password_hash=None)
    db.rollback()
    assert [u.email for u in list_users(session=db)] == ["bob@example.com"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter an email address"),
        ("   ", "Enter an email address"),
        ("no-at-sign", "is not an email address"),
        ("two@@example.com", "is not an email address"),
        ("spaces in@example.com", "is not an email address"),
        ("ann@localhost", "is not an email address"),
        ("ann@example.", "is not an email address"),
        ("a" * 250 + "@example.com", "longer than 254"),
    ],
)
def test_bad_emails_are_refused_and_nothing_is_stored(db: Session, email: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        create_user(session=db, email=email, password=PASSWORD, role="member")
    assert list_users(session=db) == []


def test_bad_role_name_and_password_are_refused(db: Session) -> None:
    with pytest.raises(AccountError, match="Unknown role 'owner'; choose admin, member or viewer"):
        create_user(session=db, email="c@example.com", password=PASSWORD, role="owner")
    with pytest.raises(AccountError, match="at most 100 fit"):
        create_user(session=db, email="c@example.com", password=PASSWORD, role="member", display_name="n" * 101)
    with pytest.raises(PasswordPolicyError, match="use at least 12"):
        create_user(session=db, email="c@example.com", password="short", role="member")
    assert list_users(session=db) == []


def test_sso_accounts_have_no_password(db: Session) -> None:
    user = create_user(session=db, email="sso@example.com", password=None, role="viewer", display_name="  Sam   Oh ")
    assert user.password_hash is None and user.display_name == "Sam Oh"


def test_disable_ends_every_session_and_revokes_every_key_at_once(db: Session, admin: User) -> None:
    user = make_user(db, "dana@example.com")
    other = make_user(db, "eve@example.com")
    tokens = [create_session(session=db, user=user)[1] for _ in range(3)]
    other_token = create_session(session=db, user=other)[1]
    keys = [create_api_key(session=db, name=f"k{i}", owner_id=user.id)[1] for i in range(2)]
    other_key = create_api_key(session=db, name="eve", owner_id=other.id)[1]
    legacy_key = create_api_key(session=db, name="no owner")[1]
    db.commit()

    assert disable_user(session=db, user=user, actor=admin, address="10.0.0.9") == (3, 2)
    db.commit()
    assert not user.active
    assert all(session_for_token(session=db, raw_token=t) is None for t in tokens)
    assert all(not verify_api_key(k) for k in keys)
    assert all(row.revoked_at is not None for row in list_api_keys(session=db, include_revoked=True, owner_id=user.id))
    # Nobody else is touched.
    assert session_for_token(session=db, raw_token=other_token) is not None
    assert verify_api_key(other_key) and verify_api_key(legacy_key)
    [event] = query_audit_events(session=db, actions=["user_disabled"])
    assert (event.actor_email, event.target, event.address) == ("admin@example.com", "dana@example.com", "10.0.0.9")
    assert '"keys_revoked": 2' in event.details_json and '"sessions_ended": 3' in event.details_json

    with pytest.raises(AccountError, match="already disabled"):
        disable_user(session=db, user=user, actor=admin)


def test_enable_lets_the_person_sign_in_again_but_old_keys_stay_revoked(db: Session, admin: User) -> None:
    user = make_user(db, "fay@example.com")
    raw_key = create_api_key(session=db, name="old", owner_id=user.id)[1]
    disable_user(session=db, user=user, actor=admin)
    enable_user(session=db, user=user, actor=admin)
    db.commit()
    assert user.active
    assert find_active_key(session=db, raw_key=raw_key) is None
    assert create_session(session=db, user=user)[1]
    with pytest.raises(AccountError, match="already enabled"):
        enable_user(session=db, user=user)


def test_the_last_active_admin_cannot_be_disabled_or_demoted(db: Session, admin: User) -> None:
    with pytest.raises(AccountError, match="only active administrator"):
        disable_user(session=db, user=admin)
    with pytest.raises(AccountError, match="only active administrator"):
        change_role(session=db, user=admin, role="member")
    second = make_user(db, "second-admin@example.com", "admin")
    assert change_role(session=db, user=admin, role="member", actor=second) == "member"
    db.commit()
    with pytest.raises(AccountError, match="only active administrator"):
        disable_user(session=db, user=second)
    [event] = query_audit_events(session=db, actions=["role_changed"])
    assert event.actor_email == "second-admin@example.com" and '"from": "admin"' in event.details_json


def test_disabled_admins_do_not_count_as_the_remaining_admin(db: Session, admin: User) -> None:
    other = make_user(db, "other-admin@example.com", "admin")
    disable_user(session=db, user=other, actor=admin)
    with pytest.raises(AccountError, match="only active administrator"):
        disable_user(session=db, user=admin)


def test_reset_password_ends_sessions_and_replaces_the_hash(db: Session, admin: User) -> None:
    user = make_user(db, "gil@example.com")
    token = create_session(session=db, user=user)[1]
    old_hash = user.password_hash
    assert set_password(session=db, user=user, password="a brand new passphrase", actor=admin) == 1
    db.commit()
    assert user.password_hash != old_hash
    assert verify_password(user.password_hash, "a brand new passphrase")[0]
    assert not verify_password(user.password_hash, PASSWORD)[0]
    assert session_for_token(session=db, raw_token=token) is None
    with pytest.raises(PasswordPolicyError):
        set_password(session=db, user=user, password="tiny")


def test_find_user_names_the_missing_address(db: Session) -> None:
    with pytest.raises(AccountError, match="There is no account for nobody@example.com"):
        find_user(session=db, email=" Nobody@Example.com ")


def test_every_account_change_is_audited(db: Session, admin: User) -> None:
    user = make_user(db, "hal@example.com")
    change_role(session=db, user=user, role="viewer", actor=admin)
    disable_user(session=db, user=user, actor=admin)
    enable_user(session=db, user=user, actor=admin)
    set_password(session=db, user=user, password="another passphrase", actor=admin)
    db.commit()
    actions = [e.action for e in query_audit_events(session=db, person="hal@example.com")]
    assert actions == ["password_reset", "user_enabled", "user_disabled", "role_changed", "user_created"]
