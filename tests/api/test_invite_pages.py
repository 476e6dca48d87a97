"""`/invite/<token>`, `/sign-up` and `/audit.jsonl` on the backend the app mounts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from ai_registry.backend import build_backend
from ai_registry.identity import audit
from ai_registry.identity.accounts import create_user
from ai_registry.identity.invites import NOT_VALID, REVOKED, USED, create_invite, revoke_invite
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.signup_setting import save_signup_setting
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent, Invite, User, utcnow
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")

BASE = "http://testserver"
PASSWORD = "a long enough password"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url=BASE, follow_redirects=False) as client:
        yield client


def admin() -> User:
    with session_scope() as session:
        user = get_user_by_email(session=session, email="boss@example.org")
        return user or create_user(session=session, email="boss@example.org", password=PASSWORD, role="admin")


def invite(role: str = "member", email: str | None = None, **kwargs) -> str:
    boss = admin()
    with session_scope() as session:
        _row, raw = create_invite(session=session, actor=boss, role=role, email=email, **kwargs)
    return raw


def counts() -> dict[str, int]:
    with session_scope() as session:
        return {
            "users": session.exec(select(func.count()).select_from(User)).one(),
            "audit": session.exec(select(func.count()).select_from(AuditEvent)).one(),
            "used": session.exec(select(func.count()).select_from(Invite).where(Invite.used_at.is_not(None))).one(),
        }


def accept(client: TestClient, raw: str, email: str = "new@example.org", password: str = PASSWORD,
           password2: str | None = None, **headers):
    return client.post(
        f"/invite/{raw}",
        data={"email": email, "display_name": "New Person", "password": password,
              "password2": password if password2 is None else password2},
        headers={"Origin": BASE, **headers},
    )


def signed_in_user(token: str | None) -> User | None:
    with session_scope() as session:
        found = session_for_token(session=session, raw_token=token)
        return found[1] if found else None


def test_an_invite_page_is_a_plain_form_and_accepting_signs_the_person_in(client: TestClient) -> None:
    raw = invite(role="viewer")
    page = client.get(f"/invite/{raw}")
    assert page.status_code == 200
    assert f'<form method="post" action="/invite/{raw}"' in page.text
    assert "as a viewer" in page.text
    assert page.headers["referrer-policy"] == "same-origin" and page.headers["cache-control"] == "no-store"
    answer = accept(client, raw)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/ai-settings"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    user = signed_in_user(answer.cookies.get(SESSION_COOKIE))
    assert user is not None and user.email == "new@example.org" and user.role == "viewer"
    assert user.display_name == "New Person" and user.last_sign_in_at is not None
    with session_scope() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id))]
    assert {audit.INVITE_ACCEPTED, audit.SIGN_IN} <= set(actions)


def test_a_used_invite_is_refused_and_changes_nothing(client: TestClient) -> None:
    raw = invite()
    assert accept(client, raw).status_code == 303
    client.cookies.clear()
    before = counts()
    assert client.get(f"/invite/{raw}").status_code == 410
    again = accept(client, raw, email="second@example.org")
    assert again.status_code == 410 and USED in again.text and SESSION_COOKIE not in again.headers.get("set-cookie", "")
    assert counts() == before


def test_an_expired_invite_is_refused(client: TestClient) -> None:
    raw = invite(lifetime=timedelta(minutes=5))
    with session_scope() as session:
        row = session.exec(select(Invite)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    before = counts()
    page = client.get(f"/invite/{raw}")
    assert page.status_code == 410 and "expired on" in page.text
    assert accept(client, raw).status_code == 410
    assert counts() == before


def test_a_revoked_invite_is_refused(client: TestClient) -> None:
    raw = invite()
    with session_scope() as session:
        row = session.exec(select(Invite)).one()
        assert revoke_invite(session=session, actor=admin(), invite_id=row.id)
    before = counts()
    assert REVOKED in client.get(f"/invite/{raw}").text
    assert accept(client, raw).status_code == 410
    assert counts() == before


@pytest.mark.parametrize("forged", ["x" * 43, "not-a-token", "A" * 300])
def test_a_forged_token_gets_a_clear_404(client: TestClient, forged: str) -> None:
    invite()
    before = counts()
    page = client.get(f"/invite/{forged}")
    assert page.status_code == 404 and NOT_VALID in page.text
    assert accept(client, forged).status_code == 404
    assert counts() == before


def test_an_invite_for_one_address_fixes_the_email(client: TestClient) -> None:
    raw = invite(email="Named@Example.org")
    page = client.get(f"/invite/{raw}")
    assert 'value="named@example.org" readonly' in page.text
    # Whatever the form says, the account is the invite's address.
    answer = accept(client, raw, email="someone.else@example.org")
    assert answer.status_code == 303
    assert signed_in_user(answer.cookies.get(SESSION_COOKIE)).email == "named@example.org"


@pytest.mark.parametrize(
    ("password", "password2", "message"),
    [(PASSWORD, PASSWORD + "x", "not the same"), ("short", "short", "use at least 12")],
)
def test_bad_passwords_keep_the_invite_open(client: TestClient, password: str, password2: str, message: str) -> None:
    raw = invite()
    before = counts()
    answer = accept(client, raw, password=password, password2=password2)
    assert answer.status_code == 400 and message in answer.text
    assert 'value="new@example.org"' in answer.text and password not in answer.text.replace(PASSWORD, "")
    assert counts() == before
    assert accept(client, raw).status_code == 303  # still usable


def test_a_foreign_origin_cannot_accept_an_invite(client: TestClient) -> None:
    raw = invite()
    before = counts()
    assert accept(client, raw, Origin="https://evil.example").status_code == 403
    assert counts() == before


# --- Open sign-up -------------------------------------------------------------------------------


def open_signup(domains: str = "example.com", *, open_: bool = True) -> None:
    with session_scope() as session:
        save_signup_setting(session=session, actor=admin(), open=open_, domains_text=domains)


def sign_up(client: TestClient, email: str, **headers):
    return client.post(
        "/sign-up", data={"email": email, "display_name": "", "password": PASSWORD, "password2": PASSWORD},
        headers={"Origin": BASE, **headers},
    )


def test_sign_up_is_closed_by_default(client: TestClient) -> None:
    admin()
    before = counts()
    page = client.get("/sign-up")
    assert page.status_code == 403 and "Sign-up is closed" in page.text
    assert sign_up(client, "ann@example.com").status_code == 403
    assert counts() == before
    assert 'href="/sign-up"' not in client.get("/sign-in").text


def test_open_sign_up_makes_members_of_allowed_domains_only(client: TestClient) -> None:
    open_signup("example.com, team.example.org")
    assert 'href="/sign-up"' in client.get("/sign-in").text
    page = client.get("/sign-up")
    assert page.status_code == 200 and "example.com, team.example.org" in page.text
    before = counts()
    wrong = sign_up(client, "eve@evil.example")
    assert wrong.status_code == 400 and "open only to addresses at" in wrong.text
    assert sign_up(client, "eve@sub.example.com").status_code == 400
    assert counts() == before
    answer = sign_up(client, "Ann@Example.com")
    assert answer.status_code == 303
    user = signed_in_user(answer.cookies.get(SESSION_COOKIE))
    assert user.email == "ann@example.com" and user.role == "member"
    client.cookies.clear()
    taken = sign_up(client, "ann@example.com")
    assert taken.status_code == 400 and "already exists" in taken.text


def test_sign_up_turned_off_again_is_closed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_SIGNUP_DOMAINS", "example.com")  # the admin's saved choice wins
    from ai_registry.settings import get_settings

    get_settings.cache_clear()
    assert client.get("/sign-up").status_code == 200
    open_signup("example.com", open_=False)
    assert client.get("/sign-up").status_code == 403
    assert sign_up(client, "ann@example.com").status_code == 403
    assert sign_up(client, "ann@example.com", Origin="https://evil.example").status_code == 403


# --- The audit log export -----------------------------------------------------------------------


def test_the_export_needs_an_admin_session(client: TestClient) -> None:
    assert client.get("/audit.jsonl").status_code == 401
    client.cookies.set(SESSION_COOKIE, "forged")
    assert client.get("/audit.jsonl").status_code == 401
    for role in ("member", "viewer"):
        client.cookies.set(SESSION_COOKIE, session_token(role))
        refused = client.get("/audit.jsonl")
        assert refused.status_code == 403 and "administrator" in refused.json()["detail"]


def test_the_export_is_an_attachment_honouring_the_filters(client: TestClient) -> None:
    raw = invite(email="ann@example.org")
    accept(client, raw, email="ann@example.org")
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_token("admin", "boss@example.org"))
    everything = client.get("/audit.jsonl")
    assert everything.status_code == 200
    assert everything.headers["content-disposition"].startswith('attachment; filename="audit-log-')
    lines = [json.loads(line) for line in everything.text.splitlines()]
    assert {audit.USER_CREATED, audit.INVITE_CREATED, audit.INVITE_ACCEPTED} <= {e["action"] for e in lines}
    answer = client.get("/audit.jsonl", params={"action": "invite_created"})
    invites_only = [json.loads(line) for line in answer.text.splitlines()]
    assert [e["action"] for e in invites_only] == ["invite_created"]
    assert invites_only[0]["actor_email"] == "boss@example.org" and invites_only[0]["target"] == "ann@example.org"
    anns = [json.loads(x) for x in client.get("/audit.jsonl", params={"person": "ANN@example.org"}).text.splitlines()]
    assert anns and all("ann@example.org" in (e["actor_email"], e["target"]) for e in anns)
    bad = client.get("/audit.jsonl", params={"action": "drop_table"})
    assert bad.status_code == 400 and "Unknown action" in bad.json()["detail"]
