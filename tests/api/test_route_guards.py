"""Every HTTP route the app mounts is public on purpose, or refuses an anonymous caller.

The routes are read from the backend itself (FastAPI's routes and included routers), so a route
added tomorrow that fits no rule below fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from ai_registry.backend import build_backend, require_sign_in_for_pages
from ai_registry.identity.accounts import create_user, disable_user
from ai_registry.identity.keys import create_key_for
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")

# For people's browsers before they are signed in, and the document describing the API.
PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/sign-in", "/auth/sign-in", "/auth/sign-out"}
# Single sign-on: start only redirects to the configured provider; the callback opens a session only for
# an ID token the provider signed for this browser's own attempt (tests/api/test_sso_routes.py).
PUBLIC |= {"/auth/sso/start", "/auth/sso/callback"}
# Swagger UI's and ReDoc's own files, served from the package so /docs works offline.
PUBLIC |= {"/static-offline-docs/{path}"}
# The local engine mirrors CONTRACT.md, whose model lists and health answer without a key (the
# catalog reads them so); they name models and say whether they are up, nothing else.
# The gateway's `/v1/models` lists what the caller's key may call, so it needs a key like every model route.
PUBLIC_BY_CONTRACT = {"/v1/public/ai-registry/models", "/v1/public/embeddings/models", "/v1/multimodal/health"}
# The gateway (issue 13): every catalog model's routes, opened by a person's registry key only.
GATEWAY_ROUTES = {
    "/v1/models", "/v1/models/{model_id:path}", "/v1/chat/completions", "/v1/embeddings", "/v1/audio/speech",
    "/v1/audio/transcriptions", "/v1/audio/translations", "/v1/multimodal/image", "/v1/multimodal/video/i2v",
    "/v1/multimodal/video/t2v", "/v1/multimodal/video/cogvideox", "/v1/wan-2-2-i2v-720/run",
}
# Upstream models' own published thumbnails as this server cached and re-encoded them (issue 15):
# only pixels, named by a hash, public and cacheable like any image of the gallery.
PUBLIC |= {"/thumbs/{name}"}
# Opened by a secret in the address itself (a share link's token): anything else is a 404.
TOKEN_ROUTES = {"/share/{token}"}
# An invite's form: a signed-out browser opens it with the invite's token; a forged one is a 404 for
# both the page and the form's post (which also refuses a foreign origin, like every cookie route).
INVITE_ROUTES = {"/invite/{token}"}
# Open sign-up: the page and its post answer 403 "closed" unless an admin opened it (tested in
# tests/api/test_invite_pages.py); the post refuses a foreign origin.
SIGN_UP_ROUTES = {"/sign-up"}
# For an administrator's browser session only: 401 without one, 403 for a member or viewer.
ADMIN_SESSION_ROUTES = {"/audit.jsonl"}
KEY_PREFIXES = ("/api/", "/v1/")  # scripts, with a personal key; cookies open nothing here
SESSION_PREFIXES = ("/media/", "/runs/")  # a signed-in browser (a run's file, a run's JSON record)
SESSION_ROUTES = {"/usage.csv"}  # a signed-in browser: the usage page's export
BASE = "http://testserver"


def backend_routes() -> list[tuple[str, str]]:
    app = build_backend()
    found = []
    for route in app.routes:
        if isinstance(route, Mount):  # static files (the offline Swagger UI): every path below it, read-only
            found.append((route.path + "/{path}", "GET"))
            continue
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else None
        entries = [(c.path, c.methods) for c in contexts] if contexts is not None else [(route.path, route.methods)]
        for path, methods in entries:
            found.extend((path, method) for method in sorted(methods or ()) if method != "HEAD")
    return found


ROUTES = backend_routes()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "gpt-4", path)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url=BASE, follow_redirects=False) as client:
        yield client


def test_the_enumeration_sees_the_routes() -> None:
    paths = {path for path, _ in ROUTES}
    assert {"/api/models", "/v1/chat/completions", "/v1/embeddings", "/media/{name}", "/auth/sign-in"} <= paths
    assert len(ROUTES) >= 12


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
def test_every_route_is_public_on_purpose_or_refuses_anonymous_callers(client, path: str, method: str) -> None:
    if path in PUBLIC | PUBLIC_BY_CONTRACT:
        assert method == "GET" or path.startswith(("/auth/", "/sign-in")), f"{method} {path} changes state"
        return
    if path in TOKEN_ROUTES:
        assert method == "GET" and client.request(method, concrete(path)).status_code == 404
        return
    if path in INVITE_ROUTES:
        assert client.request(method, concrete(path), headers={"Origin": BASE}).status_code == 404
        if method == "POST":
            foreign = client.post(concrete(path), headers={"Origin": "https://evil.example"})
            assert foreign.status_code == 403
        return
    if path in SIGN_UP_ROUTES:
        assert client.request(method, path, headers={"Origin": BASE}).status_code == 403
        if method == "POST":
            assert client.post(path, headers={"Origin": "https://evil.example"}).status_code == 403
        return
    if path in ADMIN_SESSION_ROUTES:
        assert method == "GET"
        for cookies, status in (({}, 401), ({SESSION_COOKIE: "forged"}, 401),
                                ({SESSION_COOKIE: session_token("member")}, 403),
                                ({SESSION_COOKIE: session_token("viewer")}, 403),
                                ({SESSION_COOKIE: session_token("admin")}, 200)):
            client.cookies.clear()
            client.cookies.update(cookies)
            assert client.get(path).status_code == status, f"{path} with {list(cookies)}"
        return
    allowed = path.startswith(KEY_PREFIXES + SESSION_PREFIXES) or path in SESSION_ROUTES
    assert allowed, f"{method} {path} fits no access rule"
    admin_cookie = {SESSION_COOKIE: session_token("admin")}
    for cookies in ({}, {SESSION_COOKIE: "forged"}, admin_cookie if path.startswith(KEY_PREFIXES) else {}):
        client.cookies.clear()
        client.cookies.update(cookies)
        answer = client.request(method, concrete(path), json={}, headers={"Origin": BASE})
        assert answer.status_code == 401, f"{method} {path} with cookies {list(cookies)}: {answer.status_code}"
        assert answer.status_code != 500


@pytest.mark.parametrize("path", ["/auth/sso/start", "/auth/sso/callback?code=abc&state=xyz"])
def test_single_sign_on_routes_open_no_session_for_an_anonymous_caller(client, path: str, monkeypatch) -> None:
    from ai_registry.settings import get_settings

    answer = client.get(path)  # SSO not configured: the sign-in page says so
    assert answer.status_code == 404 and "Single sign-on is not set up" in answer.text
    monkeypatch.setenv("AI_REGISTRY_SSO_ISSUER", "http://127.0.0.1:9")  # configured, provider unreachable
    monkeypatch.setenv("AI_REGISTRY_SSO_CLIENT_ID", "registry")
    get_settings.cache_clear()
    answer = client.get(path)
    assert answer.status_code in (400, 502) and 'role="alert"' in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "").split("=")[0]


def test_a_disabled_owners_key_opens_nothing(client) -> None:
    with session_scope() as session:
        create_user(session=session, email="admin@example.org", password="correct horse battery", role="admin")
        owner = create_user(session=session, email="mo@example.org", password="correct horse battery", role="member")
        _row, raw = create_key_for(session=session, owner=owner, name="ci")
    assert client.get("/api/models", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    with session_scope() as session:
        disable_user(session=session, user=get_user_by_email(session=session, email="mo@example.org"))
    assert client.get("/api/models", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert client.post("/v1/embeddings", headers={"X-API-Key": raw}, json={"input": "x"}).status_code == 401


async def _echo(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"page"})


@pytest.mark.parametrize(
    "path", ["/", "/dashboard/ai-settings", "/dashboard/ai-settings/gpt-4?tab=api", "/dashboard/developer-settings"]
)
def test_pages_go_only_to_a_signed_in_browser(path: str) -> None:
    gate = TestClient(require_sign_in_for_pages(_echo), base_url=BASE, follow_redirects=False)
    anonymous = gate.get(path)
    assert anonymous.status_code == 303 and anonymous.text == ""
    assert anonymous.headers["location"].startswith("/sign-in?next=/")
    gate.cookies.update({SESSION_COOKIE: "forged"})
    assert gate.get(path).status_code == 303
    gate.cookies.update({SESSION_COOKIE: session_token("viewer")})
    signed_in = gate.get(path)
    assert signed_in.status_code == 200 and signed_in.text == "page"
    gate.cookies.clear()
    # Scripts, styles and the websocket are not pages: the gate leaves them alone.
    for other in ("/_next/static/app.js", "/styles.css", "/ping", "/sign-in"):
        assert gate.get(other).status_code == 200


def test_a_key_acts_with_its_owners_role(client) -> None:
    from ai_registry.identity.accounts import change_role

    with session_scope() as session:
        create_user(session=session, email="admin@example.org", password="correct horse battery", role="admin")
        owner = create_user(session=session, email="mo@example.org", password="correct horse battery", role="member")
        _row, raw = create_key_for(session=session, owner=owner, name="ci")
    assert client.get("/api/models", headers={"X-API-Key": raw}).status_code == 200
    with session_scope() as session:  # demoted to viewer: viewers call no models, so the key stops
        change_role(session=session, user=get_user_by_email(session=session, email="mo@example.org"), role="viewer")
    assert client.get("/api/models", headers={"X-API-Key": raw}).status_code == 401
    # The gateway tells a viewer's key apart from a wrong one: known, but not allowed to call models.
    assert client.post("/v1/embeddings", headers={"X-API-Key": raw}, json={"input": "x"}).status_code == 403
    with session_scope() as session:
        change_role(session=session, user=get_user_by_email(session=session, email="mo@example.org"), role="member")
    assert client.get("/api/models", headers={"X-API-Key": raw}).status_code == 200


# The runs API (`api/runs_api.py`): a personal key like every /api/ route, and its owner must be
# allowed to run models: a viewer's key (or one from before accounts) is refused with 403, not 401.
RUNS_API = {
    ("/api/runs", "POST"), ("/api/runs", "GET"), ("/api/runs/{run_id}", "GET"),
    ("/api/runs/{run_id}/cancel", "POST"), ("/api/webhook-secret", "GET"),
}  # fmt: skip


def test_the_runs_api_refuses_viewer_and_ownerless_keys(client) -> None:
    from ai_registry.identity.accounts import change_role
    from ai_registry.store.api_keys import create_api_key

    assert RUNS_API <= set(ROUTES)
    assert {(p, m) for p, m in ROUTES if p.startswith(("/api/runs", "/api/webhook"))} == RUNS_API
    with session_scope() as session:
        owner = create_user(session=session, email="vi@example.org", password="correct horse battery", role="member")
        _row, raw = create_key_for(session=session, owner=owner, name="ci")
        change_role(session=session, user=owner, role="viewer")
        _row, ownerless = create_api_key(session=session, name="old")
    for path, method in sorted(RUNS_API):
        for key in (raw, ownerless):
            answer = client.request(method, concrete(path), json={}, headers={"X-API-Key": key})
            assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"


def test_the_gateway_routes_are_all_there_and_key_only() -> None:
    paths = {path for path, _ in ROUTES}
    assert GATEWAY_ROUTES <= paths
    assert all(path.startswith(KEY_PREFIXES) for path in GATEWAY_ROUTES)


@pytest.mark.parametrize("path", sorted(GATEWAY_ROUTES - {"/v1/models", "/v1/models/{model_id:path}"}))
def test_gateway_routes_answer_a_foreign_origin_without_credentials(client, path: str) -> None:
    """Scripts call the gateway with a key; a browser on another site gets no credentialed CORS answer
    and its cookies open nothing (401), so a page elsewhere cannot spend a signed-in person's budget."""
    client.cookies.update({SESSION_COOKIE: session_token("admin")})
    answer = client.post(concrete(path), json={}, headers={"Origin": "https://elsewhere.example"})
    client.cookies.clear()
    assert answer.status_code == 401
    assert answer.headers.get("access-control-allow-credentials") is None
    assert answer.headers.get("access-control-allow-origin") in (None, "*")
