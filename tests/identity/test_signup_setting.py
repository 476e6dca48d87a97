"""Open sign-up as an admin saves it: the domains parsed, the environment as the default, audited changes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ai_registry.identity.accounts import create_user
from ai_registry.identity.errors import SignUpRefused
from ai_registry.identity.signup_setting import (
    SIGNUP_CHANGED,
    parse_domains,
    read_signup_setting,
    save_signup_setting,
)
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(
    ("text", "domains"),
    [
        ("", ()),
        ("Example.com", ("example.com",)),
        ("@example.com, team.example.org\nexample.com", ("example.com", "team.example.org")),
        ("a.b.c.example  x-y.example;z.example", ("a.b.c.example", "x-y.example", "z.example")),
    ],
)
def test_parse_domains(text: str, domains: tuple[str, ...]) -> None:
    assert parse_domains(text) == domains


@pytest.mark.parametrize("bad", ["localhost", "exa_mple.com", "-x.example", "ann@example.com", "example..com"])
def test_parse_domains_names_the_bad_one(bad: str) -> None:
    with pytest.raises(SignUpRefused, match="is not an email domain"):
        parse_domains(f"example.org, {bad}")


def test_too_many_domains_are_refused() -> None:
    with pytest.raises(SignUpRefused, match="at most 20"):
        parse_domains(" ".join(f"d{n}.example" for n in range(21)))


@pytest.mark.usefixtures("migrated_db")
def test_the_environment_decides_until_an_admin_saves(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_SIGNUP_DOMAINS", "example.com")
    get_settings.cache_clear()
    with session_scope() as session:
        admin = create_user(session=session, email="boss@example.org", password=PASSWORD, role="admin")
        member = create_user(session=session, email="mo@example.org", password=PASSWORD, role="member")
        setting = read_signup_setting(session=session)
        assert (setting.open, setting.domains, setting.saved) == (True, ("example.com",), False)
        with pytest.raises(SignUpRefused, match="Only an administrator"):
            save_signup_setting(session=session, actor=member, open=False, domains_text="")
        with pytest.raises(SignUpRefused, match="at least one email domain"):
            save_signup_setting(session=session, actor=admin, open=True, domains_text=" , ")
        save_signup_setting(session=session, actor=admin, open=False, domains_text="example.com", address="10.0.0.9")
    with session_scope() as session:
        setting = read_signup_setting(session=session)
        assert (setting.open, setting.domains_in_force, setting.saved) == (False, (), True)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == SIGNUP_CHANGED)).one()
        assert event.actor_email == "boss@example.org" and event.address == "10.0.0.9"
