"""`/runs/<id>.json`: a run of the request log saved as a file, and `/media/<name>?download=1`."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")


def test_a_run_downloads_as_its_json_record() -> None:
    owner_token = session_token("member", "mo@example.org")
    stranger_token = session_token("member", "al@example.org")
    with session_scope() as session:
        owner = get_user_by_email(session=session, email="mo@example.org")
        run_store.create_run(
            session=session, run_id="abc123", model_slug="tts", inputs={"input": "Hello"}, owner_id=owner.id
        )
        result = SimpleNamespace(
            status="succeeded",
            request_json=json.dumps({"model": "tts-1", "input": "Hello"}),
            response_json=None,
            output_kind="audio",
            output_path="/data/media/abc123.wav",
            cost_usd=0.0,
            duration_ms=420,
        )
        run_store.finish_run(session=session, run_id="abc123", result=result)
    with TestClient(build_backend()) as client:
        assert client.get("/runs/abc123.json").status_code == 401  # no session: sign in first
        client.cookies.set(SESSION_COOKIE, stranger_token)
        assert client.get("/runs/abc123.json").status_code == 404  # someone else's run looks missing
        client.cookies.set(SESSION_COOKIE, owner_token)
        response = client.get("/runs/abc123.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="run-abc123.json"'
    assert response.headers["content-type"].startswith("application/json")
    record = response.json()
    assert record["id"] == "abc123" and record["model"] == "tts" and record["status"] == "succeeded"
    assert record["inputs"] == {"input": "Hello"}
    assert record["request"] == {"model": "tts-1", "input": "Hello"}
    assert record["output_url"] == "/media/abc123.wav"
    assert record["duration_ms"] == 420


@pytest.mark.parametrize("run_id", ["missing", "a" * 41, "..%2F..%2Fetc", "%00", "%ED%A0%80"])
def test_unknown_or_odd_run_ids_are_404_never_500(run_id: str) -> None:
    with TestClient(build_backend(), raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, session_token("admin"))
        response = client.get(f"/runs/{run_id}.json")
    assert response.status_code == 404, response.text
