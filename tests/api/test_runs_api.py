"""The runs API (`/api/runs`) through the real backend: keys, validation, running to the end on the
loopback contract server as the upstream, listing, cancelling, and who may see what."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ai_registry.backend import build_backend
from ai_registry.identity.accounts import change_role
from ai_registry.identity.keys import create_key_for
from ai_registry.inference import rate_limit
from ai_registry.settings import get_settings
from ai_registry.store.api_keys import create_api_key, revoke_api_key
from ai_registry.store.db import session_scope
from ai_registry.store.tables import Run
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token
from tests.support.contract_server import ContractServer

pytestmark = pytest.mark.usefixtures("migrated_db")
UPSTREAM_KEY = "test-key"
CHAT = {"model": "gpt-4", "input": {"messages": [{"role": "user", "content": "Say hi"}], "stream": False}}


@pytest.fixture(scope="module")
def contract() -> Iterator[ContractServer]:
    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as server:
        yield server


@pytest.fixture
def upstream(contract: ContractServer, monkeypatch: pytest.MonkeyPatch) -> ContractServer:
    contract.reset()
    monkeypatch.setenv("AINATIVE_API_BASE", contract.url)
    monkeypatch.setenv("AINATIVE_API_KEY", UPSTREAM_KEY)
    get_settings.cache_clear()
    rate_limit.LIMITER.reset()
    return contract


def key_of(email: str, role: str = "member") -> str:
    session_token(role, email)
    with session_scope() as session:
        _row, raw = create_key_for(session=session, owner=get_user_by_email(session=session, email=email), name="t")
        return raw


@pytest.fixture
def keys(upstream) -> dict[str, str]:
    """Keys of an admin and two members."""
    return {who: key_of(f"{who}@example.org", role) for who, role in (("admin", "admin"), ("mo", "member"),
                                                                      ("al", "member"))}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url="http://testserver") as client:
        yield client


def auth(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def wait_until_done(client: TestClient, run_id: str, key: str, limit_s: float = 30) -> dict:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}", headers=auth(key)).json()
        if run["status"] in ("succeeded", "failed", "canceled", "interrupted"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not end within {limit_s} s")


def run_count() -> int:
    with session_scope() as session:
        return len(session.exec(select(Run)).all())


def test_a_run_is_answered_at_once_then_runs_to_the_end(client, keys, upstream) -> None:
    answer = client.post("/api/runs", json=CHAT, headers=auth(keys["mo"]))
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert run["status"] in ("queued", "running") and run["model"] == "gpt-4" and run["created_at"]
    assert run["urls"]["get"] == f"http://testserver/api/runs/{run['id']}"
    assert run["urls"]["cancel"] == f"http://testserver/api/runs/{run['id']}/cancel"
    assert run["urls"]["web"] == f"http://testserver/dashboard/ai-settings/gpt-4/runs?run={run['id']}"
    assert answer.headers["location"] == run["urls"]["get"]
    done = wait_until_done(client, run["id"], keys["mo"])
    assert done["status"] == "succeeded", done
    assert done["output"]["kind"] == "chat" and done["output"]["text"]
    assert done["metrics"]["duration_ms"] >= 0 and done["error"] is None and done["source"] == "api"
    # The upstream got the admin's stored key, never the caller's.
    chat_calls = [r for r in upstream.requests if r.path.endswith("/chat/completions")]
    assert len(chat_calls) == 1 and chat_calls[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    # Finished: cancel is a clear 409.
    again = client.post(f"/api/runs/{run['id']}/cancel", headers=auth(keys["mo"]))
    assert again.status_code == 409 and "already ended (succeeded)" in again.json()["detail"]


def test_an_image_run_gives_a_signed_link_anyone_may_open(client, keys, upstream) -> None:
    body = {"model": "qwen-image-edit", "input": {"prompt": "a red square", "width": 512, "height": 512}}
    run = client.post("/api/runs", json=body, headers=auth(keys["mo"])).json()
    done = wait_until_done(client, run["id"], keys["mo"])
    assert done["status"] == "succeeded", done
    (link,) = done["output"]["files"]
    assert link.startswith("http://testserver/media/") and "sig=" in link
    client.cookies.clear()
    image = client.get(link.removeprefix("http://testserver"))
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"model": "gpt-4", "input": {"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}},
         ["body", "input", "temperature"], "Not a number"),
        ({"model": "gpt-4", "input": {}}, ["body", "input", "messages"], "Required"),
        ({"input": {}}, ["body", "model"], "Required"),
        ({"model": "gpt-4", "input": "hi"}, ["body", "input"], "object"),
        ({"model": "gpt-4", "input": {}, "version": "1"}, ["body", "version"], "Unknown field"),
        ({"model": "text-to-video", "input": {"prompt": "a cat", "duration": 99}}, ["body", "input", "duration"], ""),
        ({**CHAT, "webhook": "http://127.0.0.1:9/hook"}, ["body", "webhook"], "inside the network"),
        ({**CHAT, "webhook": "http://10.0.0.5/hook"}, ["body", "webhook"], "a private address"),
        ({**CHAT, "webhook": "ftp://example.com/hook"}, ["body", "webhook"], "http or https"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_created(client, keys, body, loc, words) -> None:
    answer = client.post("/api/runs", json=body, headers=auth(keys["mo"]))
    assert answer.status_code == 422, answer.text
    (entry,) = [e for e in answer.json()["detail"] if e["loc"] == loc]
    assert words in entry["msg"]
    assert run_count() == 0


def test_a_body_that_is_not_json_and_an_unknown_model(client, keys) -> None:
    headers = {**auth(keys["mo"]), "Content-Type": "application/json"}
    answer = client.post("/api/runs", content=b"{nope", headers=headers)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body"]
    unknown = client.post("/api/runs", json={"model": "no-such-model", "input": {}}, headers=auth(keys["mo"]))
    assert unknown.status_code == 404 and "no-such-model" in unknown.json()["detail"]
    assert run_count() == 0


def test_a_file_parameter_takes_a_url_never_a_server_path(client, keys) -> None:
    body = {"model": "alibaba-wan-22-i2v-720p",
            "input": {"prompt": "waves", "image": {"path": "/etc/passwd", "filename": "x.png"}}}
    answer = client.post("/api/runs", json=body, headers=auth(keys["mo"]))
    assert answer.status_code == 422
    assert any(e["loc"] == ["body", "input", "image"] and "URL" in e["msg"] for e in answer.json()["detail"])


def test_keys_that_may_not_run(client, keys) -> None:
    for method, path in (("POST", "/api/runs"), ("GET", "/api/runs"), ("GET", "/api/runs/x"),
                         ("POST", "/api/runs/x/cancel"), ("GET", "/api/webhook-secret")):
        assert client.request(method, path, json=CHAT).status_code == 401
        assert client.request(method, path, json=CHAT, headers=auth("air_wrong")).status_code == 401
    with session_scope() as session:  # a key from before accounts: no one to own the runs
        _row, ownerless = create_api_key(session=session, name="old")
    refused = client.post("/api/runs", json=CHAT, headers=auth(ownerless))
    assert refused.status_code == 403 and "belongs to no one" in refused.json()["detail"]
    raw = key_of("vi@example.org", "member")
    with session_scope() as session:
        change_role(session=session, user=get_user_by_email(session=session, email="vi@example.org"), role="viewer")
    viewer = client.post("/api/runs", json=CHAT, headers=auth(raw))
    assert viewer.status_code == 403 and "viewer" in viewer.json()["detail"]
    with session_scope() as session:
        owner = get_user_by_email(session=session, email="mo@example.org")
        row, revoked = create_key_for(session=session, owner=owner, name="soon revoked")
        key_id = row.id
    assert client.get("/api/runs", headers=auth(revoked)).status_code == 200
    with session_scope() as session:
        revoke_api_key(session=session, key_id=key_id)
    gone = client.get("/api/runs", headers=auth(revoked))
    assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
    assert run_count() == 0


def test_another_owners_run_is_a_404_and_lists_hold_only_your_own(client, keys) -> None:
    mine = [client.post("/api/runs", json=CHAT, headers=auth(keys["mo"])).json()["id"] for _ in range(3)]
    theirs = client.post("/api/runs", json=CHAT, headers=auth(keys["al"])).json()["id"]
    for run_id in mine + [theirs]:
        wait_until_done(client, run_id, keys["admin"])
    assert client.get(f"/api/runs/{theirs}", headers=auth(keys["mo"])).status_code == 404
    assert client.post(f"/api/runs/{theirs}/cancel", headers=auth(keys["mo"])).status_code == 404
    assert client.get("/api/runs/nope", headers=auth(keys["mo"])).status_code == 404
    listed = client.get("/api/runs", headers=auth(keys["mo"])).json()
    assert [r["id"] for r in listed["results"]] == list(reversed(mine)) and listed["total"] == 3
    # Paged with a cursor: two, then the last one, then nothing more.
    first = client.get("/api/runs?per_page=2", headers=auth(keys["mo"])).json()
    assert len(first["results"]) == 2 and first["next_cursor"] and first["next"].startswith("http://testserver/api/")
    second = client.get(first["next"].removeprefix("http://testserver"), headers=auth(keys["mo"])).json()
    assert [r["id"] for r in first["results"] + second["results"]] == list(reversed(mine))
    assert second["next_cursor"] is None
    by_page = client.get("/api/runs?per_page=2&page=2", headers=auth(keys["mo"])).json()
    assert [r["id"] for r in by_page["results"]] == [mine[0]]
    # Filters.
    assert client.get("/api/runs?status=succeeded&model=gpt-4", headers=auth(keys["mo"])).json()["total"] == 3
    assert client.get("/api/runs?status=failed", headers=auth(keys["mo"])).json()["total"] == 0
    assert client.get("/api/runs?model=tts", headers=auth(keys["mo"])).json()["total"] == 0
    bad = client.get("/api/runs?status=cancelled", headers=auth(keys["mo"]))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]
    assert client.get("/api/runs?cursor=zzz", headers=auth(keys["mo"])).status_code == 422
    # Admins see everyone's with all=1; members may not ask.
    assert client.get("/api/runs?all=1", headers=auth(keys["admin"])).json()["total"] == 4
    assert client.get("/api/runs", headers=auth(keys["admin"])).json()["total"] == 0
    assert client.get(f"/api/runs/{theirs}", headers=auth(keys["admin"])).status_code == 200
    assert client.get("/api/runs?all=1", headers=auth(keys["mo"])).status_code == 403


def test_cancel_a_running_run(client, keys, upstream) -> None:
    upstream.latency = 5.0  # the upstream takes its time: the run is still going when it is cancelled
    run = client.post("/api/runs", json=CHAT, headers=auth(keys["mo"])).json()
    deadline = time.monotonic() + 10
    while client.get(f"/api/runs/{run['id']}", headers=auth(keys["mo"])).json()["status"] != "running":
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    started = time.monotonic()
    answer = client.post(f"/api/runs/{run['id']}/cancel", headers=auth(keys["mo"]))
    assert answer.status_code == 200
    done = wait_until_done(client, run["id"], keys["mo"])
    assert done["status"] == "canceled" and done["output"] is None
    assert time.monotonic() - started < 4.0, "the cancel stopped the run before the upstream answered"
    assert client.post(f"/api/runs/{run['id']}/cancel", headers=auth(keys["mo"])).status_code == 409


def test_the_webhook_secret_is_the_callers_own(client, keys) -> None:
    mo = client.get("/api/webhook-secret", headers=auth(keys["mo"])).json()
    al = client.get("/api/webhook-secret", headers=auth(keys["al"])).json()
    assert mo["secret"].startswith("whsec_") and mo["secret"] != al["secret"] and mo["header"] == "Webhook-Signature"
    assert client.get("/api/webhook-secret", headers=auth(keys["mo"])).json()["secret"] == mo["secret"]


def test_the_api_is_in_the_openapi_document(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/cancel", "/api/webhook-secret"} <= set(paths)
