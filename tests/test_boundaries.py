"""Browser boundaries: foreign origins refused at the websocket and on state changes, security headers."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from ai_registry.boundaries import CONTENT_SECURITY_POLICY, guard_origins, security_headers
from ai_registry.settings import get_settings

BASE = "http://testserver"
EVIL = "https://evil.example"


async def page(request):
    return HTMLResponse("<p>page</p>")


async def change(request):
    return JSONResponse({"changed": True})


async def events(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def client() -> TestClient:
    inner = Starlette(routes=[
        Route("/dashboard/ai-settings", page), Route("/_upload", change, methods=["POST"]),
        Route("/v1/embeddings", change, methods=["POST"]), Route("/_event/", page, methods=["GET", "POST"]),
        WebSocketRoute("/_event/", events),
    ])
    return TestClient(security_headers(guard_origins(inner)), base_url=BASE)


def test_the_event_socket_refuses_a_foreign_origin() -> None:
    with client().websocket_connect("/_event/?EIO=4&transport=websocket", headers={"Origin": BASE}) as ws:
        assert ws.receive_text() == "hello"
    with pytest.raises(WebSocketDisconnect) as refused, client().websocket_connect(
        "/_event/?EIO=4&transport=websocket", headers={"Origin": EVIL}
    ):
        pass
    assert refused.value.code == 1008
    # The polling fallback of the same socket too.
    assert client().get("/_event/?EIO=4&transport=polling", headers={"Origin": EVIL}).status_code == 403


def test_state_changes_from_a_foreign_origin_are_refused_but_key_routes_serve_scripts() -> None:
    http = client()
    refused = http.post("/_upload", headers={"Origin": EVIL})
    assert refused.status_code == 403 and "another site" in refused.json()["detail"]
    assert http.post("/_upload", headers={"Origin": BASE}).status_code == 200
    assert http.post("/_upload").status_code == 200  # no Origin: not a browser page of another site
    assert http.post("/v1/embeddings", headers={"Origin": EVIL}).status_code == 200  # a key authenticates it
    assert http.get("/dashboard/ai-settings", headers={"Origin": EVIL}).status_code == 200  # reading is no change


def test_the_public_url_decides_the_allowed_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_PUBLIC_URL", "https://models.example.com/")
    get_settings.cache_clear()
    http = client()
    assert http.post("/_upload", headers={"Origin": "https://models.example.com"}).status_code == 200
    assert http.post("/_upload", headers={"Origin": BASE}).status_code == 403  # the bare host is not it now


def test_every_answer_carries_the_security_headers() -> None:
    for answer in (client().get("/dashboard/ai-settings"), client().post("/_upload", headers={"Origin": EVIL})):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "access-control-allow-origin" not in answer.headers
