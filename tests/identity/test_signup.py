"""Open sign-up: off by default, limited to the exact domains in `AI_REGISTRY_SIGNUP_DOMAINS`."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from ai_registry.identity.errors import SignUpRefused
from ai_registry.identity.signup import sign_up, signup_allowed
from ai_registry.settings import get_settings
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.users import list_users
from tests.identity.conftest import PASSWORD


@pytest.mark.parametrize(
    ("email", "domains", "allowed"),
    [
        ("ann@example.com", ["example.com"], True),
        ("Ann@EXAMPLE.com", [" Example.COM "], True),
        ("ann@example.com", ["@example.com"], True),
        ("ann@example.com", [], False),
        ("ann@example.com", ["", " "], False),
        ("ann@sub.example.com", ["example.com"], False),
        ("ann@example.com.evil.test", ["example.com"], False),
        ("ann@notexample.com", ["example.com"], False),
        ("ann@example.com@evil.test", ["example.com"], False),
        ("no-at-sign", ["example.com"], False),
        ("ann@b.org", ["example.com", "b.org"], True),
    ],
)
def test_signup_allowed(email: str, domains: list[str], allowed: bool) -> None:
    assert signup_allowed(email, domains=domains) is allowed


def test_sign_up_is_closed_by_default(db: Session) -> None:
    assert get_settings().signup_domains == ()
    with pytest.raises(SignUpRefused, match="Sign-up is closed"):
        sign_up(session=db, email="ann@example.com", password=PASSWORD)
    assert list_users(session=db) == []


def test_sign_up_with_the_domains_setting(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_SIGNUP_DOMAINS", "Example.com, @team.example.org")
    monkeypatch.setenv("AI_REGISTRY_SIGNUP_ROLE", "viewer")
    get_settings.cache_clear()
    assert get_settings().signup_domains == ("example.com", "team.example.org")
    user = sign_up(session=db, email="Ann@example.com", password=PASSWORD, display_name="Ann", address="192.0.2.3")
    assert (user.email, user.role, user.display_name) == ("ann@example.com", "viewer", "Ann")
    assert [e.action for e in query_audit_events(session=db, person="ann@example.com")] == [
        "signed_up",
        "user_created",
    ]
    with pytest.raises(SignUpRefused, match="open only to addresses at example.com, team.example.org"):
        sign_up(session=db, email="eve@evil.test", password=PASSWORD)
    assert [u.email for u in list_users(session=db)] == ["ann@example.com"]


def test_sign_up_never_makes_an_admin(db: Session) -> None:
    with pytest.raises(SignUpRefused, match="never makes administrators"):
        sign_up(session=db, email="ann@example.com", password=PASSWORD, domains=["example.com"], role="admin")


def test_the_signup_role_setting_refuses_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_SIGNUP_ROLE", "admin")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="signup_role"):
        get_settings()
