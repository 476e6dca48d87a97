"""Queries on people's accounts. Emails are compared lower-cased, so `Ann@X.org` and `ann@x.org` are one."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from ai_registry.store.tables import User


def normalize_email(email: str) -> str:
    """The stored form of an email address: trimmed and lower-cased."""
    return email.strip().lower()


def get_user(*, session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_user_by_email(*, session: Session, email: str) -> User | None:
    """The user with this email (any case), or None."""
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def list_users(*, session: Session, include_disabled: bool = True) -> list[User]:
    """Users, oldest first."""
    query = select(User).order_by(User.created_at, User.id)
    if not include_disabled:
        query = query.where(User.active.is_(True))
    return list(session.exec(query))


def count_active_admins(*, session: Session) -> int:
    """How many active administrators there are."""
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return session.exec(query).one()


def count_users(*, session: Session) -> int:
    """How many accounts exist, active or not."""
    return session.exec(select(func.count()).select_from(User)).one()


def insert_user(
    *, session: Session, email: str, display_name: str, role: str, password_hash: str | None
) -> User:
    """Add a user row (validation is the caller's); flushed, so it has an id."""
    row = User(email=normalize_email(email), display_name=display_name, role=role, password_hash=password_hash)
    session.add(row)
    session.flush()
    return row
