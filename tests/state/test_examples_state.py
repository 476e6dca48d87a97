"""Examples are real runs (issue 15): who may pin and unpin, what everyone then sees on the model page,
on the card and at /media, and "Try this example"."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ai_registry.backend import build_backend
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.media.storage import media_dir
from ai_registry.state.auth import ROLE_NEEDED
from ai_registry.state.browse import BrowseState
from ai_registry.state.examples import ExamplesState
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.runs import RunsState
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.prune import prune_runs
from ai_registry.store.tables import AuditEvent, Example
from ai_registry.store.users import get_user_by_email
from tests.state.playground_states import build_states, substate
from tests.support.accounts import session_token, sign_in_state
from tests.support.media import png_bytes

pytestmark = pytest.mark.usefixtures("migrated_db")
SLUG = "qwen-image-edit"


class Result:
    output_kind, response_json, request_json, error, cost_usd, duration_ms = (
        "image", '{"data": []}', "{}", None, 0.025, 1200,
    )

    def __init__(self, output_path: str, status: str = "succeeded") -> None:
        self.output_path, self.status = output_path, status


def make_run(run_id: str, owner_email: str, *, status: str = "succeeded", prompt: str = "a red fox") -> str:
    path = media_dir() / f"{run_id}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(8, 8))
    with session_scope() as session:
        owner = get_user_by_email(session=session, email=owner_email)
        run_store.create_run(session=session, run_id=run_id, model_slug=SLUG,
                             inputs={"prompt": prompt, "width": 512}, owner_id=owner.id)
        run_store.finish_run(session=session, run_id=run_id, result=Result(str(path), status))
    return path.name


@pytest.fixture
def people() -> dict[str, str]:
    tokens = {name: session_token(role, f"{name}@example.org") for name, role in (
        ("admin", "admin"), ("mo", "member"), ("al", "member"), ("vi", "viewer"),
    )}
    make_run("run-mo", "mo@example.org")
    make_run("run-al", "al@example.org", prompt="a blue whale")
    make_run("run-bad", "mo@example.org", status="failed")
    return tokens


def runs_state(name: str, role: str, run_id: str) -> RunsState:
    root = build_states()
    sign_in_state(root, role, email=f"{name}@example.org", path=f"/dashboard/ai-settings/{SLUG}/runs?run={run_id}")
    state = substate(root, RunsState)
    asyncio.run(state.on_load())
    return state


def examples_of(name: str, role: str) -> list:
    root = build_states()
    sign_in_state(root, role, email=f"{name}@example.org", path=f"/dashboard/ai-settings/{SLUG}")
    state = substate(root, ExamplesState)
    asyncio.run(state.on_load())
    return state.examples


def cards_of(name: str, role: str) -> dict[str, str]:
    root = build_states()
    sign_in_state(root, role, email=f"{name}@example.org", path="/dashboard/ai-settings")
    state = substate(root, BrowseState)
    state.on_load()
    return {c.slug: c.thumb_url for c in state.cards}


def pins() -> list[tuple[str, str, bool]]:
    with session_scope() as session:
        return sorted((e.run_id, e.scope, e.featured) for e in session.exec(select(Example)))


def audit_actions() -> list[tuple[str, str | None]]:
    with session_scope() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action.like("example_%")).order_by(AuditEvent.id))
        return [(r.action, r.target) for r in rows]


def test_an_admin_pins_any_successful_run_for_the_team_and_everyone_sees_it(people) -> None:
    admin = runs_state("admin", "admin", "run-al")
    assert admin.pins.can_team and not admin.pins.can_own and not admin.pins.team
    admin.pin_selected("team", True)
    assert admin.pins.team and admin.pins.team_featured
    assert "featured" in admin.pin_notice
    assert pins() == [("run-al", "team", True)]
    assert audit_actions() == [("example_pinned", "run-al")]

    for name, role in (("mo", "member"), ("vi", "viewer"), ("admin", "admin")):
        shown = examples_of(name, role)
        assert [e.run_id for e in shown] == ["run-al"], name
        assert shown[0].output_url == "/media/run-al.png" and shown[0].output_kind == "image"
        assert shown[0].scope == "Team example" and shown[0].featured
        assert {i.name: i.text for i in shown[0].inputs} == {"prompt": "a blue whale", "width": "512"}
        assert shown[0].try_url == f"/dashboard/ai-settings/{SLUG}?example=run-al"
        assert cards_of(name, role)[SLUG] == "/media/run-al.png", name

    # Runs are private, but a team example's output opens for everyone signed in (and nobody else).
    client = TestClient(build_backend(), base_url="http://testserver")
    assert client.get("/media/run-al.png").status_code == 401
    client.cookies.set(SESSION_COOKIE, people["vi"])
    assert client.get("/media/run-al.png").status_code == 200
    assert client.get("/media/run-mo.png").status_code == 404  # mo's own run is still private

    admin.unpin_selected("team")
    assert pins() == [] and not admin.pins.team
    assert examples_of("mo", "member") == []
    assert client.get("/media/run-al.png").status_code == 404
    assert audit_actions()[-1] == ("example_unpinned", "run-al")


def test_an_owner_pins_their_own_run_for_themselves_only(people) -> None:
    mo = runs_state("mo", "member", "run-mo")
    assert mo.pins.can_own and not mo.pins.can_team
    mo.pin_selected("owner", True)
    assert mo.pins.own and mo.pins.own_featured
    assert [e.scope for e in examples_of("mo", "member")] == ["Your example"]
    assert examples_of("al", "member") == [] and examples_of("admin", "admin") == []
    assert cards_of("mo", "member")[SLUG] == "/media/run-mo.png"
    assert cards_of("al", "member")[SLUG] != "/media/run-mo.png"
    mo.unpin_selected("owner")
    assert pins() == []


def test_a_member_cannot_pin_for_the_team_nor_someone_elses_run(people) -> None:
    mo = runs_state("mo", "member", "run-mo")
    mo.pin_selected("team", True)
    assert mo.pin_notice == "Only an administrator can pin an example for the whole team."
    al_peeking = runs_state("al", "member", "run-mo")  # someone else's run looks like a missing one
    assert al_peeking.selected.id == "" and not al_peeking.pins.can_own
    al_peeking.pin_selected("owner", False)
    assert al_peeking.pin_notice == "Open one of your runs first."
    mo.pin_selected("nonsense", False)
    assert mo.pin_notice == "Choose the team's examples or your own."
    assert pins() == [] and audit_actions() == []


def test_an_admin_cannot_pin_someone_elses_run_as_their_own_nor_a_failed_run(people) -> None:
    admin = runs_state("admin", "admin", "run-mo")
    admin.pin_selected("owner", False)
    assert admin.pin_notice == "Only the run's owner can pin it as their own example."
    failed = runs_state("admin", "admin", "run-bad")
    assert not failed.pins.can_team  # no buttons for a failed run
    failed.pin_selected("team", False)
    assert failed.pin_notice == "Only a successful run can be an example."
    assert pins() == []


def test_a_viewer_is_refused_by_the_guard(people) -> None:
    root = build_states()
    sign_in_state(root, "viewer", email="vi@example.org", path=f"/dashboard/ai-settings/{SLUG}/runs?run=run-al")
    state = substate(root, RunsState)
    state.selected.id = "run-al"
    refused = state.pin_selected("team", True)
    assert ROLE_NEEDED["member"] in str(refused)
    assert pins() == []


def test_one_featured_example_per_model_and_scope(people) -> None:
    admin = runs_state("admin", "admin", "run-al")
    admin.pin_selected("team", True)
    other = runs_state("admin", "admin", "run-mo")
    other.pin_selected("team", True)
    assert pins() == [("run-al", "team", False), ("run-mo", "team", True)]
    assert [e.run_id for e in examples_of("vi", "viewer")] == ["run-mo", "run-al"]  # featured first
    assert cards_of("vi", "viewer")[SLUG] == "/media/run-mo.png"


async def test_try_this_example_fills_the_form_for_anyone_who_sees_it(people) -> None:
    # The request log's handlers run their own event loop here: off this test's loop.
    await asyncio.to_thread(lambda: runs_state("admin", "admin", "run-al").pin_selected("team", False))

    async def try_example(name: str, role: str, run_id: str):
        root = build_states()
        sign_in_state(root, role, email=f"{name}@example.org", path=f"/dashboard/ai-settings/{SLUG}?example={run_id}")
        base = substate(root, PlaygroundState)
        await base.on_load()
        return await base._kind_state()

    for name, role in (("mo", "member"), ("vi", "viewer")):
        kind = await try_example(name, role, "run-al")
        assert kind.values["prompt"] == "a blue whale" and kind.values["width"] == "512", name
        assert kind.loaded_example == "run-al" and kind.error == "" and kind.run_id == ""
    # A run that is no example (mo's own, unpinned) opens nothing for someone else.
    stranger = await try_example("al", "member", "run-mo")
    assert stranger.error == "That example does not exist for this model."
    assert "a red fox" not in str(stranger.values)


def test_pruning_keeps_pinned_runs(people) -> None:
    runs_state("admin", "admin", "run-al").pin_selected("team", False)
    with session_scope() as session:
        report = prune_runs(session=session, older_than=timedelta(seconds=-60))
    assert "run-al" not in report.run_ids and "run-mo" in report.run_ids
    assert (media_dir() / "run-al.png").is_file()


def test_a_pinned_video_gets_a_still_that_opens_like_its_video(people) -> None:
    from PIL import Image

    from tests.support.media import mp4_bytes

    video = media_dir() / "run-vid.mp4"
    video.write_bytes(mp4_bytes(64, 36, 1.0, 8))
    with session_scope() as session:
        owner = get_user_by_email(session=session, email="mo@example.org")
        run_store.create_run(session=session, run_id="run-vid", model_slug="text-to-video",
                             inputs={"prompt": "waves"}, owner_id=owner.id)
        result = Result(str(video))
        result.output_kind = "video"
        run_store.finish_run(session=session, run_id="run-vid", result=result)
    root = build_states()
    path = "/dashboard/ai-settings/text-to-video/runs?run=run-vid"
    sign_in_state(root, "admin", email="admin@example.org", path=path)
    admin = substate(root, RunsState)
    asyncio.run(admin.on_load())
    admin.pin_selected("team", True)
    still = media_dir() / "run-vid-mp4-still.png"
    with Image.open(still) as image:
        assert image.size == (64, 36) and image.format == "PNG"
    root = build_states()
    sign_in_state(root, "viewer", email="vi@example.org", path="/dashboard/ai-settings")
    browse = substate(root, BrowseState)
    browse.on_load()
    shown = next(c for c in browse.cards if c.slug == "text-to-video")
    assert (shown.thumb_url, shown.thumb_kind, shown.thumb_still) == (
        "/media/run-vid.mp4", "video", "/media/run-vid-mp4-still.png",
    )
    client = TestClient(build_backend(), base_url="http://testserver")
    client.cookies.set(SESSION_COOKIE, people["vi"])
    assert client.get("/media/run-vid-mp4-still.png").status_code == 200
    assert client.get("/media/run-mo-mp4-still.png").status_code == 404
