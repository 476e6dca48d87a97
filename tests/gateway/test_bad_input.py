"""Every bad input of issue 13 gets a clear error in the route's shape (`{"detail": ...}`), with
nothing sent upstream that should not be: no key, a revoked key, a viewer's key, a disabled owner,
an unknown model, a model the role may not use, a body the schema refuses, an upstream that fails,
hangs or is not there."""

from __future__ import annotations

import socket

import httpx
import pytest

from ai_registry.identity.accounts import disable_user
from ai_registry.settings import get_settings
from ai_registry.store.api_keys import revoke_api_key
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.gateway.test_openai_client import records
from tests.support.contract_server import Fault

CHAT = {"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}


def post(gateway, path: str, body: dict, key: str | None = "member", **headers: str) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {gateway.keys[key]}"
    return httpx.post(f"{gateway.base_url}{path}", json=body, headers=headers, timeout=30)


def upstream_posts(gateway) -> list[str]:
    return [r.path for r in gateway.upstream.requests if r.method == "POST"]


def test_no_key_wrong_key_and_cookies_are_401(gateway) -> None:
    answer = post(gateway, "/chat/completions", CHAT, key=None)
    assert answer.status_code == 401 and "Missing API key" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"
    assert post(gateway, "/chat/completions", CHAT, key=None, Authorization="Bearer air_nope").status_code == 401
    assert httpx.get(f"{gateway.base_url}/models").status_code == 401
    assert upstream_posts(gateway) == []


def test_x_api_key_works_like_bearer(gateway) -> None:
    answer = httpx.post(
        f"{gateway.base_url}/chat/completions", json=CHAT, headers={"X-API-Key": gateway.keys["member"]}, timeout=30
    )
    assert answer.status_code == 200 and answer.json()["choices"][0]["message"]["content"]


def test_a_revoked_key_and_a_disabled_owner_are_401(gateway) -> None:
    with session_scope() as session:
        revoke_api_key(session=session, key_id=gateway.key_ids["member2"])
    assert post(gateway, "/chat/completions", CHAT, key="member2").status_code == 401
    with session_scope() as session:
        disable_user(session=session, user=get_user_by_email(session=session, email="member@example.org"))
    answer = post(gateway, "/chat/completions", CHAT)
    assert answer.status_code == 401 and "disabled" in answer.json()["detail"]
    assert upstream_posts(gateway) == []


def test_a_viewers_key_is_403(gateway) -> None:
    answer = post(gateway, "/chat/completions", CHAT, key="viewer")
    assert answer.status_code == 403 and "viewer" in answer.json()["detail"]
    assert httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["viewer"]}).status_code == 403
    assert upstream_posts(gateway) == []


def test_an_unknown_model_is_404_and_a_model_at_the_wrong_route_is_422(gateway) -> None:
    answer = post(gateway, "/chat/completions", {**CHAT, "model": "gpt-17"})
    assert answer.status_code == 404 and "gpt-17" in answer.json()["detail"]
    wrong = post(gateway, "/chat/completions", {**CHAT, "model": "tts-1"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "model"]
    assert "/v1/audio/speech" in wrong.json()["detail"][0]["msg"]
    several = post(gateway, "/multimodal/video/i2v", {"image_url": "https://example.com/a.png", "motion_prompt": "go"})
    assert several.status_code == 422 and "Name the model" in several.json()["detail"][0]["msg"]
    assert upstream_posts(gateway) == []


def test_a_premium_model_needs_the_role_the_setting_names(gateway, monkeypatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_GATEWAY_PREMIUM_ROLE", "admin")
    get_settings.cache_clear()
    answer = post(gateway, "/multimodal/video/t2v", {"prompt": "a cat", "duration": 5})
    assert answer.status_code == 403 and "premium" in answer.json()["detail"]
    listed = httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["member"]}).json()
    admin = httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["admin"]}).json()
    assert "t2v-premium" not in {m["id"] for m in listed["data"]}
    assert "t2v-premium" in {m["id"] for m in admin["data"]}
    assert upstream_posts(gateway) == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/chat/completions", {"model": "gpt-4"}, ["body", "messages"]),
        ("/chat/completions", {"model": "gpt-4", "messages": "[{oops"}, ["body", "messages"]),
        ("/chat/completions", {**CHAT, "temperature": 9}, ["body", "temperature"]),
        ("/multimodal/image", {"prompt": "a cat", "width": 10}, ["body", "width"]),
        ("/multimodal/image", {"prompt": "x" * 2001}, ["body", "prompt"]),
        ("/multimodal/video/cogvideox", {"prompt": "a cat", "num_frames": 20}, ["body", "num_frames"]),
        ("/audio/speech", {"model": "tts-1", "input": ""}, ["body", "input"]),
    ],
)
def test_a_body_the_schema_refuses_is_422_with_the_field_before_any_upstream_call(gateway, path, body, field) -> None:
    answer = post(gateway, path, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == field
    assert upstream_posts(gateway) == []


def test_not_json_and_a_missing_file_are_422(gateway) -> None:
    headers = {"Authorization": f"Bearer {gateway.keys['member']}", "Content-Type": "application/json"}
    answer = httpx.post(f"{gateway.base_url}/chat/completions", content=b"{nope", headers=headers)
    assert answer.status_code == 422 and "Not valid JSON" in answer.json()["detail"][0]["msg"]
    form = httpx.post(
        f"{gateway.base_url}/audio/transcriptions", data={"model": "whisper-1"},
        files={"other": ("a.txt", b"x", "text/plain")}, headers={"Authorization": headers["Authorization"]},
    )  # fmt: skip
    assert form.status_code == 422 and form.json()["detail"][0]["loc"] == ["body", "file"]


@pytest.mark.parametrize("status", [401, 402, 429, 500, 503])
def test_upstream_errors_keep_their_status_as_detail(gateway, status) -> None:
    gateway.upstream.set_fault("/chat/completions", Fault(status=status, times=1))
    answer = post(gateway, "/chat/completions", CHAT)
    assert answer.status_code == status
    assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]
    (row,) = records(1)
    assert row.status == "error" and row.http_status == status and row.usd is None


def test_an_upstream_422_keeps_its_fields_and_a_429_its_retry_after(gateway) -> None:
    body = b'{"detail": [{"loc": ["body", "prompt"], "msg": "too long", "type": "value_error"}]}'
    gateway.upstream.set_fault("/multimodal/image", Fault(status=422, body=body, times=1))
    answer = post(gateway, "/multimodal/image", {"prompt": "a cat"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "prompt"]
    gateway.upstream.enforce_rate_limits = True
    gateway.upstream.rate_limits = {**gateway.upstream.rate_limits, "tts": 1}
    speech = {"model": "tts-1", "voice": "alloy", "input": "hello"}
    assert post(gateway, "/audio/speech", speech).status_code == 201
    limited = post(gateway, "/audio/speech", speech)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert isinstance(limited.json()["detail"], str)


def test_an_upstream_that_hangs_is_504_and_one_that_is_not_there_502(gateway, monkeypatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_GATEWAY_TIMEOUT_S", "0.5")
    get_settings.cache_clear()
    gateway.upstream.set_fault("/chat/completions", Fault(delay=5, times=1))
    answer = post(gateway, "/chat/completions", CHAT)
    assert answer.status_code == 504 and "within 0.5 s" in answer.json()["detail"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("AINATIVE_API_BASE", f"http://127.0.0.1:{closed_port}")
    get_settings.cache_clear()
    gone = post(gateway, "/chat/completions", CHAT)
    assert gone.status_code == 502 and "Cannot reach the upstream" in gone.json()["detail"]


def test_a_key_rate_limit_and_a_model_rate_limit_are_429_with_retry_after(gateway, monkeypatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_GATEWAY_KEY_RATE_LIMIT", "2")
    get_settings.cache_clear()
    assert [post(gateway, "/chat/completions", CHAT).status_code for _ in range(2)] == [200, 200]
    limited = post(gateway, "/chat/completions", CHAT)
    assert limited.status_code == 429 and "for this key" in limited.json()["detail"]
    assert int(limited.headers["retry-after"]) >= 1
    assert post(gateway, "/chat/completions", CHAT, key="member2").status_code == 200  # another key
    monkeypatch.delenv("AI_REGISTRY_GATEWAY_KEY_RATE_LIMIT")
    get_settings.cache_clear()
    image = {"prompt": "a cat", "width": 512, "height": 512}
    codes = [post(gateway, "/multimodal/image", image, key="admin").status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]  # Qwen Image Edit: 5 a minute, shared with the playground
    assert len(gateway.upstream.requests_to("/multimodal/image")) == 5


def test_a_local_engine_that_cannot_load_is_503_and_releases_nothing_held(gateway, monkeypatch) -> None:
    def missing():
        raise ImportError("No module named 'onnxruntime'")

    monkeypatch.setattr("ai_registry.inference.transport.local_engine_app", missing)
    answer = post(gateway, "/embeddings", {"model": "all-minilm-l6-v2", "input": "hello"})
    assert answer.status_code == 503 and "local engine is not available" in answer.json()["detail"]
    assert "onnxruntime" in answer.json()["detail"]
    (row,) = records(1)
    assert row.status == "refused" and row.http_status == 503


def test_a_model_the_curation_hides_is_not_there_for_members_but_is_for_admins(gateway) -> None:
    from ai_registry.catalog.curation import Curation
    from ai_registry.store.curation import save_curation

    with session_scope() as session:
        save_curation(session=session, entry=Curation("gpt-4", hidden=True))
    answer = post(gateway, "/chat/completions", CHAT)
    assert answer.status_code == 404 and "gpt-4" in answer.json()["detail"]
    listed = httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["member"]}).json()
    assert "gpt-4" not in {m["id"] for m in listed["data"]}
    assert upstream_posts(gateway) == []
    admin = httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["admin"]}).json()
    assert "gpt-4" in {m["id"] for m in admin["data"]}
    assert post(gateway, "/chat/completions", CHAT, key="admin").status_code == 200
