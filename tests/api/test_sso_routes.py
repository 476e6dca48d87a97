"""Single sign-on over plain HTTP: `/auth/sso/start` and `/auth/sso/callback` against a real loopback provider.

The browser's part is played by hand: the app's client follows start to the provider (a real HTTP
server on 127.0.0.1), the provider's redirect comes back to the callback. Every bad input answers
the sign-in page with its reason and leaves no account and no session behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ai_registry.backend import build_backend
from ai_registry.boundaries import guard_origins
from ai_registry.identity.accounts import create_user, disable_user
from ai_registry.identity.oidc import PENDING_COOKIE
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent, User, UserSession
from ai_registry.store.users import get_user_by_email
from tests.support.oidc_provider import OidcProvider

pytestmark = pytest.mark.usefixtures("migrated_db")

BASE = "http://testserver"
NEXT = "/dashboard/ai-settings/gpt-4?tab=api"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(client_id="registry-test", client_secret="loopback-secret") as provider:
        yield provider


@pytest.fixture(autouse=True)
def sso_settings(provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    from ai_registry.settings import get_settings

    provider.misbehave = None
    provider.sign_in_as("sam@sso.example", name="Sam Sso")
    monkeypatch.setenv("AI_REGISTRY_SSO_ISSUER", provider.url)
    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_SECRET", provider.client_secret)
    monkeypatch.setenv("AI_REGISTRY_SSO_DOMAINS", "sso.example,example.org")
    monkeypatch.setenv("AI_REGISTRY_SSO_ROLE", "viewer")
    monkeypatch.setenv("AI_REGISTRY_SSO_LABEL", "Loopback ID")
    get_settings.cache_clear()


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url=BASE, follow_redirects=False) as client:
        yield client


def start(client: TestClient, next_path: str = NEXT) -> str:
    """`/auth/sso/start`, as the button's link; returns the provider's authorize URL it redirects to."""
    answer = client.get("/auth/sso/start", params={"next": next_path})
    assert answer.status_code == 303, answer.text
    assert PENDING_COOKIE in answer.headers["set-cookie"] and "HttpOnly" in answer.headers["set-cookie"]
    return answer.headers["location"]


def at_provider(authorize_url: str) -> str:
    """The provider's authorize step (auto-approved); returns where it sends the browser back."""
    answer = httpx.get(authorize_url, follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in_round(client: TestClient, next_path: str = NEXT) -> httpx.Response:
    back = at_provider(start(client, next_path))
    assert back.startswith(BASE + "/auth/sso/callback?")
    return client.get(back.removeprefix(BASE))


def users() -> list[str]:
    with session_scope() as session:
        return sorted(user.email for user in session.exec(select(User)))


def sessions() -> list[UserSession]:
    with session_scope() as session:
        return list(session.exec(select(UserSession)))


class Line:
    """An audit log line with its details read."""

    def __init__(self, event: AuditEvent) -> None:
        self.actor_email, self.target, self.details = event.actor_email, event.target, json.loads(event.details_json)


def audit_lines(action: str) -> list[Line]:
    with session_scope() as session:
        return [Line(e) for e in session.exec(select(AuditEvent).where(AuditEvent.action == action))]


def test_the_sign_in_page_offers_the_provider_only_when_configured(client: TestClient, monkeypatch) -> None:
    from ai_registry.settings import get_settings

    page = client.get("/sign-in", params={"next": "/dashboard/compare"}).text
    assert 'href="/auth/sso/start?next=/dashboard/compare"' in page and "Sign in with Loopback ID" in page
    assert '<form method="post" action="/auth/sign-in"' in page  # passwords stay beside it
    monkeypatch.delenv("AI_REGISTRY_SSO_CLIENT_ID")
    get_settings.cache_clear()
    page = client.get("/sign-in").text
    assert "Sign in with" not in page and "/auth/sso/start" not in page
    refused = client.get("/auth/sso/start")
    assert refused.status_code == 404 and "Single sign-on is not set up on this server" in refused.text


def test_start_sends_state_nonce_and_a_pkce_challenge_to_the_providers_authorize_endpoint(
    client: TestClient, provider: OidcProvider
) -> None:
    url = httpx.URL(start(client))
    assert str(url).startswith(provider.url + "/authorize?")
    params = url.params
    assert params["client_id"] == "registry-test" and params["response_type"] == "code"
    assert params["redirect_uri"] == BASE + "/auth/sso/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 40 and len(params["nonce"]) >= 40 and params["state"] != params["nonce"]
    # The verifier and nonce are sealed in the cookie, not readable in it.
    sealed = client.cookies.get(PENDING_COOKIE)
    assert sealed and params["state"] not in sealed and params["nonce"] not in sealed


def test_a_good_sign_in_creates_the_account_with_the_configured_role_and_a_session(
    client: TestClient, provider: OidcProvider
) -> None:
    answer = sign_in_round(client)
    assert answer.status_code == 303 and answer.headers["location"] == NEXT, answer.text[-700:]
    cookie = [c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with session_scope() as session:
        _row, user = session_for_token(session=session, raw_token=token)
        assert (user.email, user.role, user.display_name) == ("sam@sso.example", "viewer", "Sam Sso")
        assert user.password_hash is None and user.last_sign_in_at is not None
    [signed_in] = audit_lines("sign_in")
    assert signed_in.actor_email == "sam@sso.example" and signed_in.details["method"] == "sso"
    [created] = audit_lines("user_created")
    assert created.details == {"role": "viewer", "via": "sso"}
    assert "POST /token" in provider.requests and "GET /jwks" in provider.requests
    # The signed-in browser now opens pages; the pending cookie is gone (one attempt per start).
    assert client.cookies.get(PENDING_COOKIE) is None
    assert client.get("/sign-in", params={"next": "/dashboard/compare"}).headers["location"] == "/dashboard/compare"


def test_an_account_sso_made_keeps_its_role(client: TestClient, provider: OidcProvider) -> None:
    with session_scope() as session:
        create_user(session=session, email="bo@example.org", password=None, role="member")
    provider.sign_in_as("bo@example.org")
    assert sign_in_round(client).status_code == 303
    with session_scope() as session:
        assert get_user_by_email(session=session, email="bo@example.org").role == "member"
    assert users() == ["bo@example.org"] and len(sessions()) == 1


def test_a_password_account_is_not_entered_by_sso_unless_merging_is_on(
    client: TestClient, provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_registry.settings import get_settings

    with session_scope() as session:
        create_user(session=session, email="ann@example.org", password="correct horse battery", role="admin")
    provider.sign_in_as("ann@example.org")
    refused = sign_in_round(client)
    assert refused.status_code == 409 and "signs in with a password" in refused.text
    assert sessions() == []
    [failed] = audit_lines("sign_in_failed")
    assert failed.details == {"method": "sso", "reason": "password_account"}

    monkeypatch.setenv("AI_REGISTRY_SSO_MERGE_BY_EMAIL", "true")
    get_settings.cache_clear()
    answer = sign_in_round(client)
    assert answer.status_code == 303
    with session_scope() as session:
        ann = get_user_by_email(session=session, email="ann@example.org")
        # Linked by the provider's verified email; the role and password stay as they were.
        assert ann.role == "admin" and ann.password_hash is not None and ann.last_sign_in_at is not None
    assert users() == ["ann@example.org"] and len(sessions()) == 1


def assert_refused_and_nothing_changed(answer: httpx.Response, status: int, words: str, reason: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text[-600:])
    assert 'role="alert"' in answer.text and words in answer.text, answer.text[-800:]
    assert "Sign in with Loopback ID" in answer.text  # the page offers another try
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "").split("=")[0]
    assert users() == [] and sessions() == []
    [failed] = audit_lines("sign_in_failed")
    assert failed.details == {"method": "sso", "reason": reason}


BAD_TOKENS = [
    ("other-key", 401, "not signed by Loopback ID", "bad_signature"),
    ("wrong-aud", 401, "issued for another application", "wrong_audience"),
    ("wrong-aud-with-azp", 401, "issued for another application", "wrong_audience"),
    ("expired", 401, "has expired", "expired"),
    ("wrong-iss", 401, "another issuer", "wrong_issuer"),
    ("wrong-nonce", 401, "does not belong to this sign-in attempt", "wrong_nonce"),
    ("unverified", 403, "has not verified sam@sso.example", "email_unverified"),
    ("garbage-token", 502, "is not JSON", "provider_invalid"),
    ("discovery-down", 502, "could not be reached (discovery document: HTTP 503)", "provider_unreachable"),
    ("discovery-garbage", 502, "the discovery document is not JSON", "provider_invalid"),
]


@pytest.mark.parametrize(("misbehave", "status", "words", "reason"), BAD_TOKENS, ids=[b[0] for b in BAD_TOKENS])
def test_a_provider_that_lies_is_refused_and_changes_nothing(
    client: TestClient, provider: OidcProvider, misbehave: str, status: int, words: str, reason: str
) -> None:
    back = at_provider(start(client))
    provider.misbehave = misbehave  # after start: the lie comes with the answer the callback reads
    assert_refused_and_nothing_changed(client.get(back.removeprefix(BASE)), status, words, reason)


def test_a_domain_not_allowed_is_refused(client: TestClient, provider: OidcProvider) -> None:
    provider.sign_in_as("eve@elsewhere.example")
    answer = sign_in_round(client)
    assert_refused_and_nothing_changed(
        answer, 403, "eve@elsewhere.example may not sign in here: single sign-on is open to addresses at "
        "example.org, sso.example only", "domain_not_allowed",
    )


def test_a_disabled_account_is_refused(client: TestClient, provider: OidcProvider) -> None:
    with session_scope() as session:
        create_user(session=session, email="admin@example.org", password="correct horse battery", role="admin")
        gone = create_user(session=session, email="gone@example.org", password=None, role="member")
        session.flush()
        disable_user(session=session, user=gone)
    provider.sign_in_as("gone@example.org")
    answer = sign_in_round(client)
    assert answer.status_code == 403 and "This account is disabled" in answer.text
    assert sessions() == []
    [failed] = audit_lines("sign_in_failed")
    assert failed.details["reason"] == "disabled" and failed.target == "gone@example.org"


def test_a_forged_missing_or_reused_state_is_refused(client: TestClient, provider: OidcProvider) -> None:
    back = at_provider(start(client))
    forged = back.replace("state=", "state=x")
    assert_refused_and_nothing_changed(client.get(forged.removeprefix(BASE)), 400, "state does not match",
                                       "bad_state")
    # The refusal ended the attempt: the genuine redirect no longer works either.
    again = client.get(back.removeprefix(BASE))
    assert again.status_code == 400 and "state does not match" in again.text and sessions() == []
    # A callback from a browser that never started one (no cookie), e.g. a link someone was sent.
    client.cookies.clear()
    other = at_provider(start(client))
    client.cookies.clear()
    assert client.get(other.removeprefix(BASE)).status_code == 400 and users() == []


def test_a_used_callback_cannot_be_replayed(client: TestClient) -> None:
    back = at_provider(start(client))
    sealed = client.cookies.get(PENDING_COOKIE)
    assert client.get(back.removeprefix(BASE)).status_code == 303
    client.cookies.set(PENDING_COOKIE, sealed, path="/auth/sso")
    replay = client.get(back.removeprefix(BASE))  # the provider's code works once
    assert replay.status_code == 400 and "refused to complete the sign-in (invalid_grant)" in replay.text
    assert len(sessions()) == 1


def test_declining_at_the_provider_says_so(client: TestClient, provider: OidcProvider) -> None:
    provider.sign_in_as(None)
    assert_refused_and_nothing_changed(sign_in_round(client), 400, "did not sign you in: The person declined",
                                       "provider_refused")


def test_a_wrong_client_secret_is_refused_by_the_provider(client: TestClient, provider: OidcProvider, monkeypatch):
    from ai_registry.settings import get_settings

    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_SECRET", "not-the-secret")
    get_settings.cache_clear()
    answer = sign_in_round(client)
    assert_refused_and_nothing_changed(answer, 400, "refused to complete the sign-in (invalid_client)",
                                       "token_refused")
    assert provider.token_refusals[-1] == "client authentication failed"


def test_a_provider_that_is_down_is_a_clear_page_not_a_500(client: TestClient, monkeypatch) -> None:
    from ai_registry.settings import get_settings
    from tests.support.app_process import free_port

    monkeypatch.setenv("AI_REGISTRY_SSO_ISSUER", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    answer = client.get("/auth/sso/start", params={"next": NEXT})
    assert answer.status_code == 502
    assert "Loopback ID could not be reached (discovery document: ConnectError)" in answer.text
    assert client.cookies.get(PENDING_COOKIE) is None  # no attempt was started
    assert 'name="next" value="/dashboard/ai-settings/gpt-4?tab=api"' in answer.text


def test_a_fault_of_this_server_is_a_clear_page_not_a_500(client: TestClient, monkeypatch) -> None:
    from ai_registry.settings import get_settings

    back = at_provider(start(client))
    monkeypatch.setenv("AI_REGISTRY_SECRET_KEY", "too short")  # the sealing key can no longer be made
    get_settings.cache_clear()
    for path in ("/auth/sso/start", back.removeprefix(BASE)):
        answer = client.get(path)
        assert answer.status_code == 503 and "Single sign-on failed on this server" in answer.text, path
    assert users() == [] and sessions() == []


@pytest.mark.parametrize("target", ["//evil.example/steal", "https://evil.example/", "/auth/sso/start", "/sign-in"])
def test_only_same_site_pages_are_followed_after_sign_in(client: TestClient, target: str) -> None:
    answer = sign_in_round(client, next_path=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/ai-settings"


def test_an_overlong_code_is_refused_not_cut(client: TestClient) -> None:
    back = at_provider(start(client))
    answer = client.get(back.removeprefix(BASE).replace("code=", "code=" + "x" * 3000))
    assert answer.status_code == 400 and "no usable authorization code" in answer.text and sessions() == []


def test_the_origin_guard_lets_the_providers_redirect_back_in(provider: OidcProvider) -> None:
    guarded = TestClient(guard_origins(build_backend()), base_url=BASE, follow_redirects=False)
    back = at_provider(start(guarded))
    # Browsers send no Origin on a top-level GET; even one naming the provider is no state-changing request.
    answer = guarded.get(back.removeprefix(BASE), headers={"Origin": provider.url, "Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 303 and len(sessions()) == 1
