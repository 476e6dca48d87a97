"""The Curate panel's handlers: an admin saves (checked, stored, audited, shown at once); members and
viewers are refused and nothing changes; hidden models vanish from members' gallery and model page."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from ai_registry.state.browse import BrowseState
from ai_registry.state.curation import CurationState
from ai_registry.state.detail import DetailState
from ai_registry.store.curation import CURATION_CHANGED
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent, CurationRow
from tests.state.playground_states import build_states, substate
from tests.support.accounts import sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")


async def model_page(role: str, slug: str):
    root = build_states()
    sign_in_state(root, role, path=f"/dashboard/ai-settings/{slug}")
    detail = substate(root, DetailState)
    await DetailState.on_load.fn(detail)
    return root, detail, substate(root, CurationState)


async def gallery(role: str, q: str = "") -> list[str]:
    root = build_states()
    sign_in_state(root, role, path="/dashboard/ai-settings")
    browse = substate(root, BrowseState)
    BrowseState.on_load.fn(browse)
    if q:
        BrowseState.set_search.fn(browse, q)
    return [c.slug for c in browse.cards]


def form(curation: CurationState, **changes) -> dict:
    """The form as the browser submits it: checked boxes are "on", unchecked ones absent."""
    data = {"name": curation.name, "description": curation.description, "readme": curation.readme,
            "tags": curation.tags, "aliases": curation.aliases}
    for box in ("hidden", "default", "premium", "featured"):
        if changes.pop(box, getattr(curation, box)):
            data[box] = "on"
    return data | changes


def rows() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CurationRow)).one()


def audit_details() -> list[dict]:
    with session_scope() as session:
        found = session.exec(select(AuditEvent).where(AuditEvent.action == CURATION_CHANGED).order_by(AuditEvent.id))
        return [json.loads(e.details_json) | {"actor": e.actor_email} for e in found]


async def test_an_admin_renames_tags_and_the_page_and_search_follow() -> None:
    _root, detail, curation = await model_page("admin", "gpt-4")
    await CurationState.open_panel.fn(curation)
    assert curation.open and curation.name == "GPT-4" and not curation.hidden
    await CurationState.save.fn(curation, form(curation, name="GPT-4 for reviews", tags="review team", aliases="gpt4"))
    assert curation.errors == [] and curation.notice == "Saved." and not curation.open
    assert detail.name == "GPT-4 for reviews"  # shown at once, no reload
    assert await gallery("member", "gpt4") == ["gpt-4"]
    assert await gallery("viewer", "review") == ["gpt-4"]
    (event,) = audit_details()
    assert event["actor"] == "admin@example.org" and event["model"] == "gpt-4"
    assert event["before"] == {"id": "gpt-4"}
    assert event["after"] == {
        "id": "gpt-4", "name": "GPT-4 for reviews", "tags": ["review", "team"], "aliases": ["gpt4"],
    }


async def test_saving_unchanged_values_stores_nothing() -> None:
    _root, _detail, curation = await model_page("admin", "alibaba-wan-22-i2v-720p")
    await CurationState.open_panel.fn(curation)
    assert curation.default  # the merged catalog's default
    await CurationState.save.fn(curation, form(curation))
    assert curation.notice == "Nothing changed." and rows() == 0 and audit_details() == []


async def test_hidden_models_leave_members_gallery_search_and_page_but_admins_see_them() -> None:
    _root, _detail, curation = await model_page("admin", "seedance-i2v")
    await CurationState.open_panel.fn(curation)
    await CurationState.save.fn(curation, form(curation, hidden=True))
    assert curation.errors == []
    assert "seedance-i2v" not in await gallery("member")
    assert await gallery("member", "seedance") == []
    assert "seedance-i2v" in await gallery("admin")
    _r, member_detail, _c = await model_page("member", "seedance-i2v")
    assert not member_detail.found
    _r, admin_detail, _c = await model_page("admin", "seedance-i2v")
    assert admin_detail.found and admin_detail.is_hidden


async def test_a_new_default_moves_the_star() -> None:
    _root, detail, curation = await model_page("admin", "cogvideox-2b")
    await CurationState.open_panel.fn(curation)
    await CurationState.save.fn(curation, form(curation, default=True))
    assert detail.is_default
    root = build_states()
    sign_in_state(root, "member", path="/dashboard/ai-settings?category=Video")
    browse = substate(root, BrowseState)
    BrowseState.on_load.fn(browse)
    BrowseState.set_category.fn(browse, "Video")
    assert [c.slug for c in browse.cards if c.is_default] == ["cogvideox-2b"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Name must be 1 to 120 characters (it is empty)"),
        ({"name": "x" * 121}, "Name must be 1 to 120 characters (got 121)"),
        ({"tags": "Good-Tag"}, "Tags: “Good-Tag” is not a lowercase word"),
        ({"hidden": True, "default": True}, "A hidden model cannot be its category's default"),
    ],
)
async def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(changes, message) -> None:
    _root, detail, curation = await model_page("admin", "gpt-4")
    await CurationState.open_panel.fn(curation)
    await CurationState.save.fn(curation, form(curation, **changes))
    assert any(e.startswith(message) for e in curation.errors), curation.errors
    assert curation.open and rows() == 0 and audit_details() == [] and detail.name == "GPT-4"


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_members_and_viewers_are_refused_and_nothing_changes(role: str) -> None:
    _root, detail, curation = await model_page(role, "gpt-4")
    for handler, args in (
        (CurationState.open_panel, ()),
        (CurationState.save, ({"name": "Pwned", "hidden": "on"},)),
        (CurationState.close_panel, ()),
    ):
        refusal = handler.fn(curation, *args)
        refusal = await refusal if hasattr(refusal, "__await__") else refusal
        assert "Only an administrator can do this." in str(refusal)
    assert not curation.open and rows() == 0 and audit_details() == [] and detail.name == "GPT-4"
    assert "gpt-4" in await gallery(role)
