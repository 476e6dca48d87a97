"""Runs and their media are private: the owner's session (an admin's: any), a signed expiring link, or a
revocable share link; nobody else."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.media_links import signed_media_url
from ai_registry.identity.runs_access import share_run, stop_sharing
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.media.storage import media_dir
from ai_registry.state.runs import RunsState
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.state.playground_states import build_states, substate
from tests.support.accounts import session_token, sign_in_state
from tests.support.media import png_bytes

pytestmark = pytest.mark.usefixtures("migrated_db")
BASE = "http://testserver"


class Result:
    status, output_kind, response_json, request_json, error, cost_usd, duration_ms = (
        "succeeded", "image", '{"data": []}', "{}", None, 0.01, 1200,
    )

    def __init__(self, output_path: str) -> None:
        self.output_path = output_path


def make_run(run_id: str, owner_email: str | None) -> str:
    """A finished image run of `owner_email` (None: from before accounts) with a real file; returns its name."""
    path = media_dir() / f"{run_id}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(8, 8))
    with session_scope() as session:
        owner = get_user_by_email(session=session, email=owner_email) if owner_email else None
        run_store.create_run(session=session, run_id=run_id, model_slug="qwen-image-edit",
                             inputs={"prompt": "a cat", "image": {"path": "/srv/secret/x.png", "filename": "cat.png"}},
                             owner_id=owner.id if owner else None)
        run_store.finish_run(session=session, run_id=run_id, result=Result(str(path)))
    return path.name


@pytest.fixture
def people() -> dict[str, str]:
    """Session tokens of an admin and two members, and a run of each member plus one without owner."""
    tokens = {role: session_token(role_of, email) for role, role_of, email in (
        ("admin", "admin", "admin@example.org"), ("mo", "member", "mo@example.org"), ("al", "member", "al@example.org"),
    )}
    make_run("run-mo", "mo@example.org")
    make_run("run-al", "al@example.org")
    make_run("run-old", None)
    return tokens


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build_backend(), base_url=BASE, follow_redirects=False) as client:
        yield client


def get_as(client: TestClient, path: str, token: str | None = None):
    client.cookies.clear()
    if token:
        client.cookies.set(SESSION_COOKIE, token)
    return client.get(path)


def test_media_answers_its_owner_and_admins_only(client, people) -> None:
    assert get_as(client, "/media/run-mo.png").status_code == 401
    assert get_as(client, "/media/run-mo.png", "forged").status_code == 401
    assert get_as(client, "/media/run-mo.png", people["mo"]).status_code == 200
    assert get_as(client, "/media/run-mo.png", people["al"]).status_code == 404  # looks like a missing file
    assert get_as(client, "/media/run-mo.png", people["admin"]).status_code == 200
    assert get_as(client, "/media/run-old.png", people["mo"]).status_code == 404  # no owner: admins only
    assert get_as(client, "/media/run-old.png", people["admin"]).status_code == 200
    assert get_as(client, "/media/nothing.png", people["mo"]).status_code == 404


def test_signed_links_open_one_file_until_they_expire(client, people) -> None:
    link = signed_media_url("run-mo.png", lifetime_s=60)
    assert get_as(client, link).status_code == 200  # no session needed
    assert get_as(client, link.replace("run-mo.png", "run-al.png")).status_code == 401  # another file
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    assert get_as(client, tampered).status_code == 401
    expired = signed_media_url("run-mo.png", lifetime_s=60, now=time.time() - 120)
    assert get_as(client, expired).status_code == 401
    assert get_as(client, "/media/run-mo.png?exp=99999999999&sig=").status_code == 401


def test_a_share_link_shows_the_run_signed_out_until_revoked(client, people) -> None:
    with session_scope() as session:
        run = run_store.get_run(session=session, run_id="run-mo")
        mo = get_user_by_email(session=session, email="mo@example.org")
        al = get_user_by_email(session=session, email="al@example.org")
        with pytest.raises(NotAllowed):
            share_run(session=session, run=run, user_id=al.id, role="member")
        path = share_run(session=session, run=run, user_id=mo.id, role="member")
    page = get_as(client, path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "qwen-image-edit" in page.text and "a cat" in page.text
    assert "cat.png" in page.text and "/srv/secret" not in page.text  # an upload shows by name only
    image = page.text.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert image.startswith("/media/run-mo.png?exp=")
    assert get_as(client, image).status_code == 200  # its output, through a signed link
    with session_scope() as session:
        run = run_store.get_run(session=session, run_id="run-mo")
        assert stop_sharing(session=session, run=run, user_id=mo.id, role="member") == 1
    gone = get_as(client, path)
    assert gone.status_code == 404 and "withdrawn" in gone.text
    assert get_as(client, "/share/forged-token").status_code == 404


def runs_state(role: str, email: str, run_id: str = "") -> RunsState:
    root = build_states()
    path = "/dashboard/ai-settings/qwen-image-edit/runs" + (f"?run={run_id}" if run_id else "")
    sign_in_state(root, role, email=email, path=path)
    state = substate(root, RunsState)
    asyncio.run(state.on_load())  # the request log reads the store off the event loop
    return state


def test_the_request_log_lists_only_the_persons_runs(people) -> None:
    assert {r.id for r in runs_state("member", "mo@example.org").runs} == {"run-mo"}
    assert {r.id for r in runs_state("admin", "admin@example.org").runs} == {"run-mo", "run-al", "run-old"}
    peeking = runs_state("member", "al@example.org", "run-mo")
    assert peeking.selected.id == "" and peeking.missing_run == "run-mo"
    peeking.share_selected()
    assert peeking.share_url == "" and peeking.share_error
    own = runs_state("member", "mo@example.org", "run-mo")
    assert own.selected.id == "run-mo" and not own.shared
    own.share_selected()
    assert "/share/" in own.share_url and own.shared
    assert runs_state("member", "mo@example.org", "run-mo").shared  # after a reload: still shared, link not shown
    own.stop_sharing_selected()
    assert not own.shared and own.share_url == ""


async def test_the_playground_loads_only_the_persons_runs(people) -> None:
    from ai_registry.state.playground import PlaygroundState

    async def open_run(role: str, email: str, run_id: str) -> PlaygroundState:
        root = build_states()
        sign_in_state(root, role, email=email, path=f"/dashboard/ai-settings/qwen-image-edit?run={run_id}")
        base = substate(root, PlaygroundState)
        await base.on_load()
        return await base._kind_state()

    stranger = await open_run("member", "al@example.org", "run-mo")
    assert stranger.run_id == "" and stranger.error == "That run does not exist for this model."
    assert "a cat" not in str(stranger.values)
    owner = await open_run("member", "mo@example.org", "run-mo")
    assert owner.run_id == "run-mo" and owner.status == "succeeded" and owner.output_url == "/media/run-mo.png"
    assert (await open_run("admin", "admin@example.org", "run-mo")).run_id == "run-mo"
