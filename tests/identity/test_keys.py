"""Keys belong to people: they act with the owner's role, members manage their own, a disabled owner's key fails."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from ai_registry.identity.accounts import change_role, disable_user
from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.keys import create_key_for, keys_visible_to, revoke_key_as
from ai_registry.store.api_keys import authenticate_api_key, create_api_key, verify_api_key
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.tables import User
from tests.identity.conftest import make_user


def test_a_key_acts_for_its_owner(db: Session, member: User) -> None:
    row, raw = create_key_for(session=db, owner=member, name="notebook", actor=member)
    db.commit()
    identity = authenticate_api_key(raw)
    assert identity is not None
    assert (identity.key_id, identity.key_name, identity.owner_id, identity.owner_email, identity.owner_role) == (
        row.id, "notebook", member.id, "member@example.com", "member",
    )
    change_role(session=db, user=member, role="admin", actor=None)
    db.commit()
    assert authenticate_api_key(raw).owner_role == "admin"  # the owner's role now, not when the key was made
    [event] = query_audit_events(session=db, actions=["key_created"])
    assert event.target == "member@example.com" and row.prefix in event.details_json


def test_keys_without_an_owner_keep_working(db: Session) -> None:
    _row, raw = create_api_key(session=db, name="from before accounts")
    db.commit()
    identity = authenticate_api_key(raw)
    assert identity is not None and identity.owner_id is None and identity.owner_role is None
    assert verify_api_key(raw)


def test_a_disabled_owners_key_stops_at_once(db: Session, admin: User, member: User) -> None:
    _row, raw = create_key_for(session=db, owner=member, name="ci")
    db.commit()
    assert verify_api_key(raw)
    disable_user(session=db, user=member, actor=admin)
    db.commit()
    assert authenticate_api_key(raw) is None and not verify_api_key(raw)


def test_members_see_and_revoke_only_their_own_keys(db: Session, admin: User, member: User) -> None:
    other = make_user(db, "other@example.com")
    mine, _ = create_key_for(session=db, owner=member, name="mine")
    theirs, theirs_raw = create_key_for(session=db, owner=other, name="theirs")
    legacy, _ = create_api_key(session=db, name="legacy")
    assert [k.name for k in keys_visible_to(session=db, actor=member)] == ["mine"]
    assert {k.name for k in keys_visible_to(session=db, actor=admin)} == {"mine", "theirs", "legacy"}
    assert revoke_key_as(session=db, actor=member, key_id=theirs.id) is False
    assert revoke_key_as(session=db, actor=member, key_id=legacy.id) is False
    db.commit()
    assert verify_api_key(theirs_raw)
    assert revoke_key_as(session=db, actor=member, key_id=mine.id) is True
    assert revoke_key_as(session=db, actor=member, key_id=mine.id) is False
    assert revoke_key_as(session=db, actor=admin, key_id=theirs.id) is True
    db.commit()
    assert not verify_api_key(theirs_raw)
    assert len(query_audit_events(session=db, actions=["key_revoked"])) == 2


def test_who_may_make_keys(db: Session, admin: User, member: User) -> None:
    viewer = make_user(db, "viewer@example.com", "viewer")
    with pytest.raises(NotAllowed, match="viewers cannot call models"):
        create_key_for(session=db, owner=viewer, name="v")
    with pytest.raises(NotAllowed, match="Only an administrator can make keys for someone else"):
        create_key_for(session=db, owner=admin, name="x", actor=member)
    row, _ = create_key_for(session=db, owner=member, name="for you", actor=admin)
    assert row.owner_id == member.id


def test_keys_are_never_made_for_a_disabled_account(db: Session, admin: User, member: User) -> None:
    disable_user(session=db, user=member, actor=admin)
    with pytest.raises(ValueError, match="active account"):
        create_key_for(session=db, owner=member, name="late", actor=admin)
