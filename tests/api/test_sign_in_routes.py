"""Sign-in over plain HTTP: `/sign-in`, `/auth/sign-in`, `/auth/sign-out` on the backend the app mounts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ai_registry.backend import build_backend
from ai_registry.identity.accounts import create_user, disable_user
from ai_registry.identity.first_admin import FIRST_ADMIN_COMMAND, first_admin_hint, startup_hint
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.sign_in import WRONG_CREDENTIALS
from ai_registry.identity.tokens import hash_token
from ai_registry.identity.web import SESSION_COOKIE, safe_next, token_from_cookie_header
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent, UserSession
from ai_registry.store.users import get_user_by_email

pytestmark = pytest.mark.usefixtures("migrated_db")

PASSWORD = "correct horse battery staple"
BASE = "http://testserver"


def make_user(email: str = "ann@example.org", role: str = "admin") -> None:
    with session_scope() as session:
        create_user(session=session, email=email, password=PASSWORD, role=role)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url=BASE, follow_redirects=False) as client:
        yield client


def post(client: TestClient, email: str, password: str, next_path: str = "/dashboard/ai-settings/gpt-4", **headers):
    return client.post(
        "/auth/sign-in", data={"email": email, "password": password, "next": next_path},
        headers={"Origin": BASE, **headers},
    )


def sessions() -> list[UserSession]:
    with session_scope() as session:
        return list(session.exec(select(UserSession)))


def test_the_page_is_a_plain_form_posting_to_the_route(client: TestClient) -> None:
    page = client.get("/sign-in", params={"next": "/dashboard/developer-settings"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<form method="post" action="/auth/sign-in"' in html
    assert 'name="password" type="password" autocomplete="current-password"' in html
    assert 'name="next" value="/dashboard/developer-settings"' in html
    assert "<script" not in html  # nothing on this page talks to the websocket
    assert 'value="https://evil.example"' not in client.get("/sign-in?next=https://evil.example").text


def test_a_good_password_sets_an_httponly_lax_cookie_whose_hash_alone_is_stored(client: TestClient) -> None:
    make_user()
    answer = post(client, " Ann@Example.org ", PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/ai-settings/gpt-4"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    token = token_from_cookie_header(cookie.split(";")[0])
    [row] = sessions()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.address == "testclient"
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token)[1].email == "ann@example.org"
        assert get_user_by_email(session=session, email="ann@example.org").last_sign_in_at is not None
    # Signed in, the sign-in page forwards to where the person was going.
    again = client.get("/sign-in", params={"next": "/dashboard/developer-settings"})
    assert again.status_code == 303 and again.headers["location"] == "/dashboard/developer-settings"


def test_secure_cookie_behind_https(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_PUBLIC_URL", "https://models.example.com")
    get_settings.cache_clear()
    make_user()
    refused = post(client, "ann@example.org", PASSWORD)  # the test client's origin is not the public one
    assert refused.status_code == 403
    answer = post(client, "ann@example.org", PASSWORD, Origin="https://models.example.com")
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_unknown_email_and_wrong_password_get_the_same_refusal(client: TestClient) -> None:
    make_user()
    wrong = post(client, "ann@example.org", "not the password at all")
    unknown = post(client, "nobody@example.org", "not the password at all")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert WRONG_CREDENTIALS in answer.text and 'role="alert"' in answer.text
        assert "set-cookie" not in answer.headers
        assert "not the password at all" not in answer.text  # the password is never echoed
    assert wrong.text.replace("ann@example.org", "X") == unknown.text.replace("nobody@example.org", "X")
    assert post(client, "", "").status_code == 400
    assert client.post("/auth/sign-in", json={"email": "ann@example.org", "password": PASSWORD}).status_code == 400
    assert sessions() == []


def test_repeated_failures_are_throttled_even_for_the_right_password(client: TestClient) -> None:
    make_user()
    for _ in range(5):
        assert post(client, "ann@example.org", "wrong password number").status_code == 401
    blocked = post(client, "ann@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in blocked.text
    assert 800 < int(blocked.headers["retry-after"]) <= 900
    assert sessions() == []


def test_a_disabled_account_cannot_sign_in(client: TestClient) -> None:
    make_user()
    make_user("bob@example.org", "member")
    with session_scope() as session:
        disable_user(session=session, user=get_user_by_email(session=session, email="bob@example.org"))
    answer = post(client, "bob@example.org", PASSWORD)
    assert answer.status_code == 403 and "disabled" in answer.text
    assert sessions() == []


def test_a_foreign_origin_cannot_sign_anyone_in_or_out(client: TestClient) -> None:
    make_user()
    answer = post(client, "ann@example.org", PASSWORD, Origin="https://evil.example")
    assert answer.status_code == 403 and "another site" in answer.text
    assert sessions() == []
    token = token_from_cookie_header(post(client, "ann@example.org", PASSWORD).headers["set-cookie"].split(";")[0])
    out = client.post("/auth/sign-out", headers={"Origin": "https://evil.example"}, cookies={SESSION_COOKIE: token})
    assert out.status_code == 403
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is not None


def test_sign_out_ends_the_session_and_clears_the_cookie(client: TestClient) -> None:
    make_user()
    token = token_from_cookie_header(post(client, "ann@example.org", PASSWORD).headers["set-cookie"].split(";")[0])
    out = client.post("/auth/sign-out", headers={"Origin": BASE}, cookies={SESSION_COOKIE: token})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in?signed_out=1"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is None
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["sign_in", "sign_out"]
    assert "You are signed out." in client.get("/sign-in?signed_out=1").text
    # The old cookie, replayed, is no session: the page asks to sign in again.
    assert client.get("/sign-in", cookies={SESSION_COOKIE: token}).status_code == 200
    assert client.get("/auth/sign-out").status_code == 405


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard/ai-settings/gpt-4?tab=api", "/dashboard/ai-settings/gpt-4?tab=api"),
        ("//evil.example/x", "/dashboard/ai-settings"),
        ("https://evil.example", "/dashboard/ai-settings"),
        ("/\\evil.example", "/dashboard/ai-settings"),
        ("/sign-in?next=/x", "/dashboard/ai-settings"),
        ("", "/dashboard/ai-settings"),
    ],
)
def test_next_stays_on_this_site(target: str, expected: str) -> None:
    assert safe_next(target) == expected


def test_forged_cookies_are_no_session() -> None:
    assert token_from_cookie_header(None) is None
    assert token_from_cookie_header("other=1") is None
    assert token_from_cookie_header(f'{SESSION_COOKIE}=abc; x="') in (None, "abc")
    with session_scope() as session:
        for forged in ("abc", "x" * 500, hash_token("abc")):
            assert session_for_token(session=session, raw_token=forged) is None


def test_the_console_says_how_to_make_the_first_admin() -> None:
    hint = startup_hint()
    assert hint is not None and FIRST_ADMIN_COMMAND in hint
    make_user("mo@example.org", "member")
    assert FIRST_ADMIN_COMMAND in (startup_hint() or "")  # a member cannot administer
    make_user()
    with session_scope() as session:
        assert first_admin_hint(session=session) is None
    assert startup_hint() is None


def test_the_lifespan_task_prints_the_hint(capsys: pytest.CaptureFixture) -> None:
    from ai_registry.ai_registry import tell_how_to_get_in

    asyncio.run(tell_how_to_get_in())
    assert FIRST_ADMIN_COMMAND in capsys.readouterr().out
    make_user()
    asyncio.run(tell_how_to_get_in())
    assert capsys.readouterr().out == ""
