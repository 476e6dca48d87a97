"""Webhooks of the runs API: one signed delivery to a real loopback receiver, retries with backoff and
then a logged give-up, and no delivery inside the network unless an administrator allows it."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from ai_registry.identity.keys import create_key_for
from ai_registry.inference import webhooks
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.run_pages import create_api_run
from ai_registry.store.runs import finish_run
from ai_registry.store.tables import Run
from ai_registry.store.users import get_user_by_email
from tests.inference.test_jobs import Workers, queue_db, workers  # noqa: F401  (fixtures)
from tests.local.conftest import LoopbackServer
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")
CHAT = {"model": "gpt-4", "input": {"messages": [{"role": "user", "content": "Say hi"}], "stream": False}}


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it gets and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[tuple[dict[str, str], bytes, float]] = []
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request):
            with self.lock:
                self.calls.append((dict(request.headers), await request.body(), time.monotonic()))
            return JSONResponse({"ok": self.status < 300}, status_code=self.status)

        self.server = LoopbackServer(app)

    def __enter__(self) -> Receiver:
        self.server.__enter__()
        self.url = f"{self.server.url}/hook"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """The administrator's setting that lets webhooks reach loopback (the receiver lives there)."""
    monkeypatch.setenv("AI_REGISTRY_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("AI_REGISTRY_WEBHOOK_BACKOFF_S", "0.05")
    monkeypatch.setenv("AI_REGISTRY_WEBHOOK_ATTEMPTS", "3")
    get_settings.cache_clear()


@pytest.fixture
def member_key(upstream) -> tuple[int, str]:
    session_token("member", "mo@example.org")
    with session_scope() as session:
        owner = get_user_by_email(session=session, email="mo@example.org")
        _row, raw = create_key_for(session=session, owner=owner, name="hooks")
        return owner.id, raw


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url="http://testserver") as client:
        yield client


def wait_for(predicate, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def stored(run_id: str) -> Run:
    with session_scope() as session:
        row = session.get(Run, run_id)
        session.expunge(row)
        return row


def test_a_finished_run_is_delivered_once_and_signed(client, member_key, allow_private) -> None:
    owner_id, key = member_key
    headers = {"Authorization": f"Bearer {key}"}
    with Receiver() as receiver:
        run = client.post("/api/runs", json={**CHAT, "webhook": receiver.url}, headers=headers).json()
        wait_for(lambda: stored(run["id"]).webhook_state == "delivered")
        time.sleep(0.5)  # nothing else arrives
        assert len(receiver.calls) == 1
        sent_headers, body, _at = receiver.calls[0]
    secret = client.get("/api/webhook-secret", headers=headers).json()["secret"]
    assert secret == webhooks.webhook_secret(owner_id)
    assert webhooks.verify_signature(secret, sent_headers["webhook-signature"], body)
    assert sent_headers["webhook-id"] == run["id"]
    assert sent_headers["webhook-signature"].startswith(f"t={sent_headers['webhook-timestamp']},v1=")
    document = json.loads(body)
    assert document["id"] == run["id"] and document["status"] == "succeeded" and document["output"]["text"]
    assert document == client.get(f"/api/runs/{run['id']}", headers=headers).json() | {
        "webhook": document["webhook"], "output": document["output"]}
    # A forged or altered body does not verify; neither does another person's secret or an old stamp.
    assert not webhooks.verify_signature(secret, sent_headers["webhook-signature"], body + b" ")
    assert not webhooks.verify_signature(webhooks.webhook_secret(owner_id + 1), sent_headers["webhook-signature"], body)
    stamp = int(sent_headers["webhook-timestamp"])
    assert not webhooks.verify_signature(secret, webhooks.sign(secret, body, stamp - 3600), body)
    # Asking again delivers nothing: the run's webhook is no longer pending.
    assert asyncio.run(webhooks.deliver(run["id"])) is None


def test_a_failing_receiver_gets_retries_with_backoff_then_a_logged_give_up(
    client, member_key, allow_private, caplog: pytest.LogCaptureFixture
) -> None:
    _owner, key = member_key
    caplog.set_level(logging.INFO, logger="ai_registry.inference.webhooks")
    with Receiver(status=500) as receiver:
        run = client.post("/api/runs", json={**CHAT, "webhook": receiver.url}, headers={"X-API-Key": key}).json()
        wait_for(lambda: stored(run["id"]).webhook_state == "failed")
        calls = list(receiver.calls)
    assert len(calls) == 3
    gaps = [b[2] - a[2] for a, b in zip(calls, calls[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1, gaps  # waits double
    row = stored(run["id"])
    assert row.webhook_error == "Gave up after 3 tries: the receiver answered 500"
    assert any("Gave up after 3 tries" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    shown = client.get(f"/api/runs/{run['id']}", headers={"X-API-Key": key}).json()["webhook"]
    assert shown == {"url": receiver.url, "state": "failed", "error": row.webhook_error}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost/hook", "localhost resolves to"),
        ("http://192.168.1.20/hook", "a private address"),
        ("http://[::1]/hook", "loopback"),
        ("http://169.254.169.254/latest", "link-local"),
        ("file:///etc/passwd", "http or https"),
        ("http://user:pw@example.com/hook", "user name or password"),
    ],
)
def test_a_webhook_inside_the_network_is_refused(url: str, words: str) -> None:
    problem = asyncio.run(webhooks.url_problem(url))
    assert problem is not None and words in problem


def test_a_public_address_passes_and_the_setting_lets_loopback_through(monkeypatch) -> None:
    async def public(host: str, port: int) -> list[str]:
        return ["93.184.215.14"]

    assert asyncio.run(webhooks.url_problem("https://hooks.example.com/x", resolver=public)) is None
    monkeypatch.setenv("AI_REGISTRY_WEBHOOK_ALLOW_PRIVATE", "1")
    get_settings.cache_clear()
    assert asyncio.run(webhooks.url_problem("http://127.0.0.1:8000/hook")) is None


def test_delivery_checks_the_address_again(member_key) -> None:
    """A webhook stored while private addresses were allowed is not sent once they are not."""
    owner_id, _key = member_key
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    with Receiver() as receiver:
        with session_scope() as session:
            create_api_run(session=session, run_id="r1", model_slug="gpt-4", inputs={}, owner_id=owner_id,
                           key_id=1, origin="http://testserver", webhook_url=receiver.url)
            finish_run(session=session, run_id="r1", result=type("R", (), {"status": "succeeded", "text": "hi"})())
        assert asyncio.run(webhooks.deliver("r1", sleep=no_wait)) == "failed"
        assert receiver.calls == []
    assert waits == [2.0, 4.0, 8.0, 16.0]  # the default: five tries, the wait doubling from 2 s
    assert "loopback address" in stored("r1").webhook_error


def test_in_the_scaled_mode_a_worker_process_runs_it_and_sends_the_webhook(
    queue_db: str, upstream, workers: Workers, allow_private, tmp_path  # noqa: F811  (the fixtures imported above)
) -> None:
    """`AI_REGISTRY_QUEUE=procrastinate` on PostgreSQL: the API defers a job, a `python -m ai_registry
    worker` subprocess executes the run and delivers its webhook, once and signed."""
    session_token("member", "mo@example.org")
    with session_scope() as session:
        owner = get_user_by_email(session=session, email="mo@example.org")
        _row, key = create_key_for(session=session, owner=owner, name="hooks")
        owner_id = owner.id
    headers = {"Authorization": f"Bearer {key}"}
    with Receiver() as receiver, TestClient(build_backend(), base_url="http://testserver") as client:
        run = client.post("/api/runs", json={**CHAT, "webhook": receiver.url}, headers=headers)
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]
        assert run.json()["status"] == "queued"
        assert client.get(f"/api/runs/{run_id}", headers=headers).json()["status"] == "queued"  # no worker yet
        workers.start()
        wait_for(lambda: stored(run_id).webhook_state == "delivered", limit_s=90)
        time.sleep(0.5)
        assert len(receiver.calls) == 1
        sent, body, _at = receiver.calls[0]
        assert client.get(f"/api/runs/{run_id}", headers=headers).json()["status"] == "succeeded"
    assert webhooks.verify_signature(webhooks.webhook_secret(owner_id), sent["webhook-signature"], body)
    assert json.loads(body)["status"] == "succeeded"


def test_queued_api_runs_of_a_stopped_process_are_ended_and_notified_on_start(member_key, allow_private) -> None:
    """Embedded mode: a run accepted but never started (its process died) is not left `queued`."""
    from datetime import timedelta

    owner_id, _key = member_key
    with Receiver() as receiver:
        with session_scope() as session:
            for run_id in ("old", "new"):
                create_api_run(session=session, run_id=run_id, model_slug="gpt-4", inputs={}, owner_id=owner_id,
                               key_id=1, origin="http://testserver", webhook_url=receiver.url)  # fmt: skip
            session.get(Run, "old").created_at -= timedelta(minutes=5)

        async def start_and_stop() -> None:
            async with webhooks.abandoned_api_runs_on_start():
                for _ in range(100):
                    if stored("old").webhook_state == "delivered":
                        break
                    await asyncio.sleep(0.05)

        asyncio.run(start_and_stop())
        assert stored("old").status == "interrupted" and stored("old").error == webhooks.ABANDONED_REASON
        assert stored("new").status == "running"  # just asked for: another process may be starting it
        assert len(receiver.calls) == 1 and json.loads(receiver.calls[0][1])["status"] == "interrupted"
