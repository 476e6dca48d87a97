"""Password sign-in: one answer for unknown emails and wrong passwords, throttled per account and address."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select

from ai_registry.identity import passwords
from ai_registry.identity.accounts import create_user, disable_user
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.sign_in import DISABLED, MISSING_CREDENTIALS, WRONG_CREDENTIALS, sign_in
from ai_registry.identity.throttle import ThrottlePolicy
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.tables import SignInFailure, User, utcnow
from tests.identity.conftest import PASSWORD

POLICY = ThrottlePolicy(account_limit=3, address_limit=5, window=timedelta(minutes=10))


def test_a_good_sign_in_opens_a_session_and_records_it(db: Session, member: User) -> None:
    outcome = sign_in(
        session=db, email=" MEMBER@example.com", password=PASSWORD, address="198.51.100.4", user_agent="Chromium"
    )
    db.commit()
    assert outcome.ok and outcome.error is None
    assert outcome.user.id == member.id and outcome.token
    assert session_for_token(session=db, raw_token=outcome.token)[1].id == member.id
    assert outcome.user_session.address == "198.51.100.4" and outcome.user_session.user_agent == "Chromium"
    assert member.last_sign_in_at is not None
    [event] = query_audit_events(session=db, actions=["sign_in"])
    assert (event.actor_id, event.address) == (member.id, "198.51.100.4")


def test_unknown_email_and_wrong_password_get_the_same_answer(db: Session, member: User) -> None:
    unknown = sign_in(session=db, email="nobody@example.com", password=PASSWORD)
    wrong = sign_in(session=db, email="member@example.com", password="not the password")
    assert unknown.error == wrong.error == WRONG_CREDENTIALS
    assert unknown.token is None and wrong.token is None and unknown.user is None and wrong.user is None
    assert "exist" not in WRONG_CREDENTIALS
    events = query_audit_events(session=db, actions=["sign_in_failed"])
    assert {e.target for e in events} == {"nobody@example.com", "member@example.com"}


class CountingHasher(PasswordHasher):
    verifies = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 (argon2's name)
        CountingHasher.verifies += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("email", ["nobody@example.com", "sso@example.com", "member@example.com"])
def test_every_refusal_costs_one_real_verification(
    db: Session, member: User, monkeypatch: pytest.MonkeyPatch, email: str
) -> None:
    create_user(session=db, email="sso@example.com", password=None, role="member")
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    CountingHasher.verifies = 0
    assert sign_in(session=db, email=email, password="a wrong passphrase").error == WRONG_CREDENTIALS
    assert CountingHasher.verifies == 1


@pytest.mark.parametrize(("email", "password"), [("", PASSWORD), ("member@example.com", ""), ("  ", "")])
def test_missing_fields(db: Session, member: User, email: str, password: str) -> None:
    assert sign_in(session=db, email=email, password=password).error == MISSING_CREDENTIALS


def test_a_disabled_account_is_refused_even_with_the_right_password(db: Session, admin: User, member: User) -> None:
    disable_user(session=db, user=member, actor=admin)
    assert sign_in(session=db, email="member@example.com", password=PASSWORD).error == DISABLED
    # The wrong password still gets the generic answer: the disabled state is told only to the password's owner.
    assert sign_in(session=db, email="member@example.com", password="not the password").error == WRONG_CREDENTIALS


def test_sign_in_rehashes_an_outdated_hash(db: Session, member: User, monkeypatch: pytest.MonkeyPatch) -> None:
    old_hash = member.password_hash
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert sign_in(session=db, email="member@example.com", password=PASSWORD).ok
    assert member.password_hash != old_hash and "m=2048,t=2,p=1" in member.password_hash
    assert sign_in(session=db, email="member@example.com", password=PASSWORD).ok


def test_the_account_is_throttled_after_its_limit(db: Session, member: User) -> None:
    now = utcnow()
    for minute in range(POLICY.account_limit):
        outcome = sign_in(
            session=db, email="member@example.com", password="wrong guess!", policy=POLICY,
            address=f"203.0.113.{minute}", now=now + timedelta(minutes=minute),
        )
        assert outcome.error == WRONG_CREDENTIALS
    later = now + timedelta(minutes=3)
    # Even the right password is refused now, from any address, and the wait is told.
    locked = sign_in(session=db, email="member@example.com", password=PASSWORD, policy=POLICY, now=later)
    assert locked.error == "Too many failed sign-ins. Try again in 7 minutes."
    assert locked.retry_after_s == 7 * 60 and locked.token is None
    # Refused attempts do not extend the lock: once the first failure is 10 minutes old, one more try is allowed.
    assert sign_in(
        session=db, email="member@example.com", password=PASSWORD, policy=POLICY, now=now + timedelta(minutes=10)
    ).ok
    reasons = [e.details_json for e in query_audit_events(session=db, actions=["sign_in_failed"])]
    assert sum('"throttled"' in r for r in reasons) == 1


def test_an_unknown_email_is_throttled_the_same_way(db: Session) -> None:
    now = utcnow()
    for _ in range(POLICY.account_limit):
        sign_in(session=db, email="ghost@example.com", password="wrong guess!", policy=POLICY, now=now)
    assert sign_in(session=db, email="ghost@example.com", password="x", policy=POLICY, now=now).error.startswith(
        "Too many failed sign-ins"
    )


def test_an_address_guessing_many_accounts_is_throttled(db: Session, member: User) -> None:
    now = utcnow()
    for n in range(POLICY.address_limit):
        outcome = sign_in(
            session=db, email=f"guess{n}@example.com", password="wrong guess!", address="203.0.113.66",
            policy=POLICY, now=now,
        )
        assert outcome.error == WRONG_CREDENTIALS
    from_there = sign_in(
        session=db, email="member@example.com", password=PASSWORD, address="203.0.113.66", policy=POLICY, now=now
    )
    assert from_there.error.startswith("Too many failed sign-ins")
    # The real owner signing in from elsewhere is not locked out by someone else's guessing.
    assert sign_in(
        session=db, email="member@example.com", password=PASSWORD, address="192.0.2.1", policy=POLICY, now=now
    ).ok


def test_a_good_sign_in_clears_the_accounts_failures_but_not_the_addresss(db: Session, member: User) -> None:
    now = utcnow()
    for _ in range(POLICY.account_limit - 1):
        sign_in(session=db, email="member@example.com", password="wrong guess!", address="a1", policy=POLICY, now=now)
    assert sign_in(session=db, email="member@example.com", password=PASSWORD, address="a1", policy=POLICY, now=now).ok
    scopes = sorted(row.scope for row in db.exec(select(SignInFailure)))
    assert scopes == ["address"] * (POLICY.account_limit - 1)


def test_old_failures_are_pruned(db: Session) -> None:
    start = utcnow()
    sign_in(session=db, email="a@example.com", password="wrong guess!", address="x", policy=POLICY, now=start)
    sign_in(
        session=db, email="b@example.com", password="wrong guess!", address="y", policy=POLICY,
        now=start + POLICY.window + timedelta(seconds=1),
    )
    assert {row.subject for row in db.exec(select(SignInFailure))} == {"b@example.com", "y"}


FAIL_FROM_ANOTHER_PROCESS = """
import sys
from argon2 import PasswordHasher
from ai_registry.identity import passwords
from ai_registry.identity.sign_in import sign_in
from ai_registry.store.db import session_scope
passwords.PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
for _ in range(5):
    with session_scope() as session:
        assert not sign_in(session=session, email="member@example.com", password="wrong guess!").ok
"""


def test_failures_counted_by_another_process_lock_this_one(db: Session, member: User, migrated_db: Path) -> None:
    db.commit()
    subprocess.run([sys.executable, "-c", FAIL_FROM_ANOTHER_PROCESS], check=True, timeout=60, cwd=migrated_db)
    outcome = sign_in(session=db, email="member@example.com", password=PASSWORD)
    assert outcome.error.startswith("Too many failed sign-ins. Try again in 1")  # 14 or 15 minutes

