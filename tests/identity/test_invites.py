"""Invites: one-time, expiring, made by an admin with a role; used, expired or withdrawn links are refused."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from ai_registry.identity.errors import AccountError, InviteRefused, NotAllowed, PasswordPolicyError
from ai_registry.identity.invites import (
    NOT_VALID,
    REVOKED,
    USED,
    accept_invite,
    create_invite,
    open_invite,
    revoke_invite,
)
from ai_registry.identity.sign_in import sign_in
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.db import session_scope
from ai_registry.store.invites import claim_invite, list_invites
from ai_registry.store.tables import User, utcnow
from ai_registry.store.users import list_users
from tests.identity.conftest import PASSWORD


def emails(session: Session) -> list[str]:
    return [u.email for u in list_users(session=session)]


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_accepting_an_invite_creates_the_account_with_its_role(db: Session, admin: User, migrated_db: Path) -> None:
    invite, raw = create_invite(session=db, actor=admin, role="viewer")
    db.commit()
    with sqlite3.connect(migrated_db / "registry.db") as connection:
        assert raw not in "\n".join(connection.iterdump())  # only the hash is stored
    user = accept_invite(session=db, raw_token=raw, email="New.Person@Example.com", password=PASSWORD)
    db.commit()
    assert (user.email, user.role, user.active) == ("new.person@example.com", "viewer", True)
    assert invite.used_at is not None and invite.used_by == user.id
    assert sign_in(session=db, email="new.person@example.com", password=PASSWORD).ok
    assert [e.action for e in query_audit_events(session=db, actions=["invite_created", "invite_accepted"])] == [
        "invite_accepted",
        "invite_created",
    ]


def test_a_used_invite_is_refused(db: Session, admin: User) -> None:
    _invite, raw = create_invite(session=db, actor=admin, role="member")
    accept_invite(session=db, raw_token=raw, email="first@example.com", password=PASSWORD)
    db.commit()
    with pytest.raises(InviteRefused, match="already been used"):
        accept_invite(session=db, raw_token=raw, email="second@example.com", password=PASSWORD)
    db.rollback()
    assert emails(db) == ["admin@example.com", "first@example.com"]


def test_an_expired_invite_is_refused_with_its_date(db: Session, admin: User) -> None:
    start = utcnow()
    invite, raw = create_invite(session=db, actor=admin, role="member", lifetime=timedelta(hours=1), now=start)
    assert open_invite(session=db, raw_token=raw, now=start + timedelta(minutes=59)).id == invite.id
    with pytest.raises(InviteRefused, match=f"expired on {invite.expires_at:%Y-%m-%d %H:%M} UTC"):
        accept_invite(
            session=db, raw_token=raw, email="late@example.com", password=PASSWORD, now=start + timedelta(hours=1)
        )
    assert emails(db) == ["admin@example.com"]


@pytest.mark.parametrize("raw", [None, "", "made-up-token", "x" * 5000])
def test_unknown_links_are_refused(db: Session, admin: User, raw: str | None) -> None:
    with pytest.raises(InviteRefused, match=NOT_VALID):
        accept_invite(session=db, raw_token=raw, email="x@example.com", password=PASSWORD)


def test_a_withdrawn_invite_is_refused(db: Session, admin: User) -> None:
    invite, raw = create_invite(session=db, actor=admin, role="member")
    assert revoke_invite(session=db, actor=admin, invite_id=invite.id) is True
    assert revoke_invite(session=db, actor=admin, invite_id=invite.id) is False
    assert revoke_invite(session=db, actor=admin, invite_id=999) is False
    with pytest.raises(InviteRefused, match=REVOKED):
        accept_invite(session=db, raw_token=raw, email="x@example.com", password=PASSWORD)
    assert list_invites(session=db) == [] and len(list_invites(session=db, include_closed=True)) == 1


def test_an_invite_for_one_address_refuses_another(db: Session, admin: User) -> None:
    _invite, raw = create_invite(session=db, actor=admin, role="member", email="Zoe@Example.com")
    with pytest.raises(InviteRefused, match="This invite is for zoe@example.com"):
        accept_invite(session=db, raw_token=raw, email="mallory@example.com", password=PASSWORD)
    assert accept_invite(session=db, raw_token=raw, email="ZOE@example.com", password=PASSWORD).role == "member"


def test_a_bad_password_or_existing_email_leaves_the_invite_usable(db: Session, admin: User) -> None:
    _invite, raw = create_invite(session=db, actor=admin, role="member")
    db.commit()
    with pytest.raises(PasswordPolicyError):
        accept_invite(session=db, raw_token=raw, email="p@example.com", password="short")
    with pytest.raises(AccountError, match="already exists"):
        accept_invite(session=db, raw_token=raw, email="admin@example.com", password=PASSWORD)
    db.rollback()
    assert open_invite(session=db, raw_token=raw) is not None
    assert accept_invite(session=db, raw_token=raw, email="p@example.com", password=PASSWORD)


def test_only_active_admins_make_or_withdraw_invites(db: Session, admin: User, member: User) -> None:
    with pytest.raises(NotAllowed, match="Only an administrator"):
        create_invite(session=db, actor=member, role="member")
    invite, _raw = create_invite(session=db, actor=admin, role="admin")
    with pytest.raises(NotAllowed):
        revoke_invite(session=db, actor=member, invite_id=invite.id)


@pytest.mark.parametrize(
    ("role", "lifetime", "message"),
    [
        ("owner", timedelta(days=1), "Unknown role"),
        ("member", timedelta(minutes=1), "between 5 minutes and 30 days"),
        ("member", timedelta(days=31), "between 5 minutes and 30 days"),
    ],
)
def test_bad_invite_requests(db: Session, admin: User, role: str, lifetime: timedelta, message: str) -> None:
    with pytest.raises((AccountError, InviteRefused), match=message):
        create_invite(session=db, actor=admin, role=role, lifetime=lifetime)


def test_two_people_racing_for_one_invite_get_one_account(db: Session, admin: User) -> None:
    invite, raw = create_invite(session=db, actor=admin, role="member")
    db.commit()
    # The first claim wins in its own transaction; the second finds nothing left to claim.
    with session_scope() as other:
        assert claim_invite(session=other, invite_id=invite.id, now=utcnow()) is True
    with pytest.raises(InviteRefused, match=USED):
        accept_invite(session=db, raw_token=raw, email="late@example.com", password=PASSWORD)
    db.rollback()
    assert emails(db) == ["admin@example.com"]
