"""Sessions: the raw token is given once, only its hash is stored, and dead sessions never come back."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from ai_registry.identity.accounts import disable_user, enable_user
from ai_registry.identity.sessions import (
    LAST_SEEN_RESOLUTION,
    create_session,
    end_all_sessions,
    end_session,
    session_for_token,
)
from ai_registry.store.tables import User, utcnow
from ai_registry.store.user_sessions import list_user_sessions
from tests.identity.conftest import make_user


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_database_holds_only_the_tokens_hash(db: Session, member: User, migrated_db: Path) -> None:
    row, raw = create_session(session=db, user=member, address="192.0.2.7", user_agent="Firefox/140")
    db.commit()
    assert len(raw) >= 43
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert (row.address, row.user_agent, row.ended_at) == ("192.0.2.7", "Firefox/140", None)
    assert row.expires_at - row.created_at == timedelta(days=14)
    with sqlite3.connect(migrated_db / "registry.db") as connection:
        dump = "\n".join(connection.iterdump())
    assert raw not in dump and row.token_hash in dump


def test_lookup_by_raw_token(db: Session, member: User) -> None:
    row, raw = create_session(session=db, user=member)
    found_row, found_user = session_for_token(session=db, raw_token=raw)
    assert (found_row.id, found_user.id) == (row.id, member.id)
    for forged in (None, "", raw[:-1], raw + "A", row.token_hash, "x" * 5000):
        assert session_for_token(session=db, raw_token=forged) is None


def test_expired_sessions_are_refused(db: Session, member: User) -> None:
    start = utcnow()
    _row, raw = create_session(session=db, user=member, lifetime=timedelta(hours=1), now=start)
    assert session_for_token(session=db, raw_token=raw, now=start + timedelta(minutes=59)) is not None
    assert session_for_token(session=db, raw_token=raw, now=start + timedelta(hours=1)) is None


def test_a_disabled_users_sessions_stay_dead_after_re_enabling(db: Session, admin: User, member: User) -> None:
    _row, raw = create_session(session=db, user=member)
    disable_user(session=db, user=member, actor=admin)
    assert session_for_token(session=db, raw_token=raw) is None
    enable_user(session=db, user=member, actor=admin)
    assert session_for_token(session=db, raw_token=raw) is None  # ended, not merely hidden


def test_an_inactive_user_is_refused_even_with_an_open_session_row(db: Session, member: User) -> None:
    _row, raw = create_session(session=db, user=member)
    member.active = False  # as a direct database edit would leave it
    db.add(member)
    db.flush()
    assert session_for_token(session=db, raw_token=raw) is None


def test_sign_out_ends_one_session(db: Session, member: User) -> None:
    _a, first = create_session(session=db, user=member)
    _b, second = create_session(session=db, user=member)
    assert end_session(session=db, raw_token=first) is not None
    assert end_session(session=db, raw_token=first) is None  # already ended
    assert end_session(session=db, raw_token="forged") is None
    assert session_for_token(session=db, raw_token=first) is None
    assert session_for_token(session=db, raw_token=second) is not None


def test_end_all_sessions_of_one_user(db: Session, member: User) -> None:
    other = make_user(db, "other@example.com")
    tokens = [create_session(session=db, user=member)[1] for _ in range(2)]
    other_token = create_session(session=db, user=other)[1]
    assert len(list_user_sessions(session=db, user_id=member.id)) == 2
    assert end_all_sessions(session=db, user_id=member.id) == 2
    assert end_all_sessions(session=db, user_id=member.id) == 0
    assert all(session_for_token(session=db, raw_token=t) is None for t in tokens)
    assert session_for_token(session=db, raw_token=other_token) is not None
    assert list_user_sessions(session=db, user_id=member.id) == []


def test_last_seen_is_written_at_most_once_a_minute(db: Session, member: User) -> None:
    start = utcnow()
    row, raw = create_session(session=db, user=member, now=start)
    session_for_token(session=db, raw_token=raw, now=start + timedelta(seconds=30))
    assert row.last_seen_at == start
    later = start + LAST_SEEN_RESOLUTION
    session_for_token(session=db, raw_token=raw, now=later)
    assert row.last_seen_at == later


def test_disabled_accounts_cannot_open_sessions(db: Session, admin: User, member: User) -> None:
    disable_user(session=db, user=member, actor=admin)
    with pytest.raises(ValueError, match="disabled account cannot have sessions"):
        create_session(session=db, user=member)
