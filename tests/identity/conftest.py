"""Identity tests run on a migrated SQLite database (the real migrations, triggers included).

Passwords are hashed with cheap argon2 parameters here so that dozens of sign-ins stay quick; the
production parameters are exercised in tests/identity/test_passwords.py and by the CLI tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session

from ai_registry.identity import passwords
from ai_registry.identity.accounts import create_user
from ai_registry.store.db import session_scope
from ai_registry.store.tables import User

PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", FAST_HASHER)
    return FAST_HASHER


@pytest.fixture
def db(migrated_db: Path) -> Iterator[Session]:
    """A session on the migrated database; committed at the end of the test like a request would."""
    with session_scope() as session:
        yield session


def make_user(session: Session, email: str, role: str = "member", password: str | None = PASSWORD) -> User:
    user = create_user(session=session, email=email, password=password, role=role)
    session.commit()
    return user


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, "admin@example.com", "admin")


@pytest.fixture
def member(db: Session) -> User:
    return make_user(db, "member@example.com", "member")
