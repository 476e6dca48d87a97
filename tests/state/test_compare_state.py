"""The compare page's state, built as a browser tab gets it, driven through its handlers with real runs."""

from __future__ import annotations

import pytest

from ai_registry.state.compare import CompareState
from ai_registry.state.compare_picks import CompareTrayState
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from tests.state.playground_states import build_states, substate
from tests.support.accounts import sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")

MINILM = "local-all-minilm-l6-v2"


def signed_in_states(role: str = "member"):
    """A tab's state tree whose websocket carries a signed-in member's session cookie."""
    root = build_states()
    sign_in_state(root, role)
    return root


def compare_state() -> CompareState:
    return substate(signed_in_states(), CompareState)


async def open_session(session_id: str, role: str = "member") -> tuple[CompareState, object]:
    """A tab opening a comparison's address, signed in as `role`: what its `on_load` returns, too."""
    root = build_states()
    sign_in_state(root, role, path=f"/dashboard/ai-settings/compare?session={session_id}")
    state = substate(root, CompareState)
    return state, await state.on_load()


async def run_all(state: CompareState) -> None:
    """The background event's body, as Reflex runs it (its yields are the URL update)."""
    async for _ in CompareState.run_all.fn(state):
        pass


async def test_the_same_local_model_twice_runs_both_panels_and_a_colleague_sees_them() -> None:
    state = compare_state()
    await state._open_models([MINILM, MINILM])
    assert [p.slug for p in state.panels] == [MINILM, MINILM] and state.problems == []
    assert [f.role for f in state.shared] == ["texts"] and state.can_run
    state.set_shared("texts", "The cat sat.\nA cat was sitting.\nStock prices fell.")
    state.set_setting(1, "normalize", False)
    assert state.panels[0].settings["normalize"] == "true" and state.panels[1].settings["normalize"] == "false"
    assert state.total_cost == "Free" and state.panels[0].estimate == "Free"

    await run_all(state)
    assert state.session_id and not state.running
    for panel in state.panels:
        assert panel.status == "succeeded", panel.error
        assert len(panel.similarity) == 3 and panel.similarity[0].cells[0] == "1.000"
        assert panel.units == "3 texts × 384 dimensions" and panel.latency.endswith(" s") and panel.cost == "Free"
    run_ids = [p.run_id for p in state.panels]
    with session_scope() as session:  # ordinary runs, in each model's request log
        assert [run_store.get_run(session=session, run_id=r).status for r in run_ids] == ["succeeded"] * 2

    await state.vote(1)
    assert state.winner == 1

    colleague, _ = await open_session(state.session_id)  # the same member, in another tab
    assert [p.run_id for p in colleague.panels] == run_ids and colleague.winner == 1
    assert colleague.shared_values["texts"].startswith("The cat sat.")
    assert colleague.panels[1].settings["normalize"] == "false"
    for mine, theirs in zip(state.panels, colleague.panels, strict=True):
        assert theirs.status == "succeeded" and theirs.units == mine.units and theirs.latency == mine.latency
        assert [r.cells for r in theirs.similarity] == [r.cells for r in mine.similarity]


async def test_same_settings_for_all_copies_and_names_what_a_model_lacks() -> None:
    state = compare_state()
    await state._open_models(["local-smollm2-135m-instruct", "gpt-4"])
    state.set_same_settings(True)
    state.set_setting(0, "temperature", "0.3")
    assert [p.settings["temperature"] for p in state.panels] == ["0.3", "0.3"]
    assert state.panels[0].settings.keys() - state.panels[1].settings.keys() == set()


async def test_bad_input_is_a_message_and_runnable_panels_still_run() -> None:
    state = compare_state()
    await state._open_models(["gpt-4", "qwen-image-edit", "no-such-model"])
    assert len(state.panels) == 1 and not state.can_run
    assert any("no-such-model" in p for p in state.problems) and any("one kind" in p for p in state.problems)
    assert any("two to four" in p for p in state.problems)
    assert state.kind == "chat" and ["gpt-4", "GPT-4"] in state.choices

    await state._open_models(["local-smollm2-135m-instruct", "gpt-4"])  # no upstream key is set
    assert state.panels[0].blocker == "" and "needs an upstream API key" in state.panels[1].blocker
    assert state.can_run and state.panels[1].estimate == "does not run"

    await state._open_models(["gpt-4", "gpt-3-5-turbo"])
    assert not state.can_run  # neither can run: the Run button stays off, each panel says why

    await state._open_session("not-a-session")
    assert state.panels == [] and "No comparison has the id" in state.problems[0]


async def test_a_missing_shared_input_stops_only_that_run_with_a_reason() -> None:
    state = compare_state()
    await state._open_models([MINILM, MINILM])
    state.set_shared("texts", "")
    jobs = state._prepare()
    assert jobs == [] and all(p.error.startswith("Fix before running: Texts to embed") for p in state.panels)


def test_the_gallery_tray_holds_up_to_four() -> None:
    tray = substate(signed_in_states("viewer"), CompareTrayState)
    for slug in ("a", "b", "c", "d", "e"):
        tray.toggle_pick(slug, slug.upper())
    assert tray.picks == ["a", "b", "c", "d"] and "At most 4" in tray.tray_note
    tray.toggle_pick("b", "B")
    assert tray.picks == ["a", "c", "d"] and tray.names == ["A", "C", "D"]
    assert tray.compare_href == "/dashboard/ai-settings/compare?models=a,c,d"


async def test_adding_a_model_keeps_what_was_typed() -> None:
    state = compare_state()
    await state._open_models(["local-smollm2-135m-instruct"])
    state.set_shared("message", "Keep me")
    await state._open_models(["local-smollm2-135m-instruct", "gpt-4"])
    assert state.shared_values == {"message": "Keep me"}
    await state._open_models([MINILM, MINILM])  # another kind: its own example texts
    assert state.shared_values["texts"] and "Keep me" not in state.shared_values["texts"]


async def test_a_colleague_opening_a_comparison_mid_run_follows_it() -> None:
    from ai_registry.state.compare_store import save_session

    with session_scope() as session:
        run_store.create_run(session=session, run_id="r-running", model_slug=MINILM, inputs={"input": ["a"]})
        run_store.create_run(session=session, run_id="r-done", model_slug=MINILM, inputs={"input": ["a"]})
        run_store.finish_run(
            session=session, run_id="r-done", result=type("R", (), {"status": "failed", "error": "Boom"})()
        )
    saved = save_session("embedding", [MINILM, MINILM], {"shared": {"texts": "a"}}, ["r-running", "r-done"])
    # Runs made without an owner are an admin's to see (issue 12): the admin opens the comparison.
    state, follow = await open_session(saved.id, "admin")
    assert follow is CompareState.follow_runs and state.running
    assert state.panels[0].status == "running" and state.panels[1].status == "failed"
    assert state.panels[1].error == "Boom" and state.panels[1].cost == "not charged"


async def test_a_hidden_model_is_no_model_in_a_members_comparison_but_is_in_an_admins() -> None:
    from ai_registry.catalog.curation import Curation
    from ai_registry.store.curation import save_curation
    from ai_registry.store.db import session_scope

    with session_scope() as session:
        save_curation(session=session, entry=Curation("gpt-4", hidden=True))
    for role, panels in (("member", ["gpt-3-5-turbo"]), ("admin", ["gpt-4", "gpt-3-5-turbo"])):
        root = build_states()
        sign_in_state(root, role, path="/dashboard/ai-settings/compare?models=gpt-4,gpt-3-5-turbo")
        state = substate(root, CompareState)
        await state.on_load()
        assert [p.slug for p in state.panels] == panels, role
        assert any("gpt-4" in p for p in state.problems) is (role == "member"), state.problems
