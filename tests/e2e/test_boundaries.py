"""Browser boundaries against the production server: a foreign-origin websocket is refused, no CORS,
and pages carry their security headers (which the whole app runs under: see the other e2e tests)."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

EVIL = "https://evil.example"


def websocket_handshake(url: str, origin: str) -> str:
    """The status line the server answers a websocket upgrade of the event socket with."""
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_event/?EIO=4&transport=websocket&token=boundary-test HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as conn:
        conn.sendall(request.encode())
        return conn.recv(4096).split(b"\r\n", 1)[0].decode()


def test_a_foreign_origin_websocket_is_refused(app_server):
    assert " 101 " in websocket_handshake(app_server.url, app_server.url)
    refused = websocket_handshake(app_server.url, EVIL)
    assert " 101 " not in refused and " 403 " in refused, refused


def test_no_route_answers_another_origins_preflight(app_server):
    for path in ("/auth/sign-in", "/auth/sign-out", "/_upload", "/v1/embeddings", "/api/models", "/media/x.png"):
        answer = httpx.options(
            app_server.url + path,
            headers={"Origin": EVIL, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"},
            timeout=10,
        )
        # Refused (Starlette answers 400), and without Access-Control-Allow-Origin no browser goes on.
        assert answer.status_code == 400 and "access-control-allow-origin" not in answer.headers, path
    simple = httpx.get(app_server.url + "/sign-in", headers={"Origin": EVIL}, timeout=10)
    assert "access-control-allow-origin" not in simple.headers


def test_pages_send_their_security_headers(app_server):
    cookies = app_server.cookies("viewer")
    for path in ("/sign-in", "/dashboard/ai-settings", "/dashboard/ai-settings/gpt-4"):
        headers = httpx.get(app_server.url + path, cookies=cookies, timeout=10).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] in ("same-origin", "no-referrer")
        assert headers["x-frame-options"] == "DENY"


def test_the_app_runs_under_its_content_security_policy(browser, app_server):
    context = app_server.signed_in_context(browser, "member")
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto("/dashboard/ai-settings")
        page.get_by_test_id("account-role").wait_for(state="attached")
        page.goto("/dashboard/ai-settings/local-all-minilm-l6-v2")
        page.wait_for_load_state("networkidle")
        page.get_by_test_id("field-input").fill("a cat sits\na kitten rests\nstock prices fell")
        page.get_by_test_id("run").click()
        page.get_by_test_id("similarity-table").wait_for(timeout=30_000)
        assert violations == []
    finally:
        context.close()
