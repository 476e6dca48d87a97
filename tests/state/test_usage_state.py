"""The usage page's state, built directly and driven through its handlers against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ai_registry.identity.keys import create_key_for
from ai_registry.state.usage import UsageState
from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord
from ai_registry.store.usage import insert_usage
from ai_registry.store.users import get_user_by_email
from tests.state.playground_states import build_states, substate
from tests.support.accounts import session_token, sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")

NOW = datetime.now(UTC).replace(microsecond=0)


def user_id(email: str) -> int:
    with session_scope() as session:
        return get_user_by_email(session=session, email=email).id


def seed() -> dict[str, int]:
    """Two members with a key each and calls today and three days ago; one call 40 days ago."""
    session_token("member", "ann@example.org")
    session_token("member", "bob@example.org")
    ids = {"ann": user_id("ann@example.org"), "bob": user_id("bob@example.org")}
    with session_scope() as session:
        for name in ("ann", "bob"):
            owner = get_user_by_email(session=session, email=f"{name}@example.org")
            row, _raw = create_key_for(session=session, owner=owner, name=f"{name}-script")
            ids[f"{name}_key"] = row.id
    records = [
        ("ann", "ann_key", "gpt-4", NOW, 0.5, False),
        ("ann", "ann_key", "gpt-4", NOW - timedelta(days=3), 0.25, True),
        ("ann", None, "qwen-image", NOW, 1.0, False),
        ("ann", "ann_key", "gpt-4", NOW - timedelta(days=40), 7.0, False),
        ("bob", "bob_key", "claude-3-5-sonnet", NOW, 3.0, False),
    ]
    with session_scope() as session:
        for who, key, model, at, usd, estimated in records:
            insert_usage(session=session, record=UsageRecord(
                at=at, user_id=ids[who], key_id=ids[key] if key else None, model_slug=model,
                usd=usd, prompt_tokens=10, completion_tokens=5, estimated=estimated,
            ))  # fmt: skip
    return ids


async def loaded(role: str, email: str | None = None) -> tuple[UsageState, list]:
    root = build_states()
    sign_in_state(root, role, email=email, path="/dashboard/usage")
    state = substate(root, UsageState)
    answer = await state.on_load()
    return state, answer


async def test_a_member_sees_only_their_own_usage() -> None:
    ids = seed()
    ann, answer = await loaded("member", "ann@example.org")
    assert answer is None and ann.upstream_records == ""
    assert ann.loaded and not ann.is_admin and ann.has_usage
    assert (ann.requests, ann.spend, ann.tokens) == ("3", "$1.75", "45")
    assert ann.top_model == "gpt-4" and ann.top_model_requests == "2"
    assert ann.estimated == 1 and "1 of the requests" in ann.estimated_note
    assert {s["name"] for s in ann.spend_series} == {"gpt-4", "qwen-image"}
    assert len(ann.spend_data) == 7
    assert [k["key"] for k in ann.key_data] == ["ann-script", "In the app (no key)"]
    assert [k.label for k in ann.keys] == ["ann-script"] and ann.users == []
    assert ann.models == ["gpt-4", "qwen-image"]
    assert "claude" not in str(ann.spend_data) + str(ann.spend_series) + str(ann.models)
    # Naming Bob in the user filter is not possible for a member: the handler refuses (admins only)...
    await ann.set_user_filter(str(ids["bob"]))
    assert ann.user_filter == "" and ann.requests == "3"
    # ...and Bob's key as a filter finds nothing of Bob's: the scope stays Ann's.
    await ann.set_key_filter(str(ids["bob_key"]))
    assert ann.requests == "0" and not ann.has_usage
    assert f"key={ids['bob_key']}" in ann.export_url and "user=" not in ann.export_url


async def test_the_range_and_filters_change_the_figures() -> None:
    seed()
    ann, _ = await loaded("member", "ann@example.org")
    await ann.set_range_choice("30")
    assert ann.requests == "3" and len(ann.spend_data) == 30
    await ann.set_range_choice("custom")
    assert ann.start_date == ann.first_day and ann.end_date == ann.last_day  # the 30 days, to edit
    await ann.set_start_date((NOW - timedelta(days=45)).date().isoformat())
    assert ann.requests == "4" and ann.spend == "$8.75"
    await ann.set_model_filter("qwen-image")
    assert (ann.requests, ann.top_model) == ("1", "qwen-image")
    assert "model=qwen-image" in ann.export_url and f"start={ann.start_date}" in ann.export_url


async def test_a_bad_custom_range_keeps_the_last_figures_under_a_clear_error() -> None:
    seed()
    ann, _ = await loaded("member", "ann@example.org")
    await ann.set_end_date("2020-01-01")
    assert ann.range_choice == "custom" and "is before the start date" in ann.range_error
    assert ann.requests == "3"  # the last good figures stay
    await ann.set_end_date(NOW.date().isoformat())
    await ann.set_start_date("2024-01-01")
    assert "choose at most 366 days" in ann.range_error
    await ann.set_start_date((NOW - timedelta(days=1)).date().isoformat())
    assert ann.range_error == "" and ann.requests == "2"


async def test_an_admin_sees_everyone_and_filters_by_person() -> None:
    ids = seed()
    admin, answer = await loaded("admin")
    assert "load_upstream" in str(answer)  # the upstream's own figures are asked for admins only
    assert admin.is_admin and admin.requests == "4"
    assert {u.label for u in admin.users} == {"ann@example.org", "bob@example.org"}
    assert {k.label for k in admin.keys} == {"ann-script", "bob-script"}
    await admin.set_user_filter(str(ids["bob"]))
    assert (admin.requests, admin.spend, admin.top_model) == ("1", "$3.00", "claude-3-5-sonnet")
    assert [k.label for k in admin.keys] == ["bob-script"] and admin.models == ["claude-3-5-sonnet"]
    assert f"user={ids['bob']}" in admin.export_url
    await admin.set_user_filter("not-a-number")
    assert "is not an id" in admin.filter_error


async def test_a_viewer_is_sent_back_to_the_gallery_and_learns_nothing() -> None:
    seed()
    viewer, answer = await loaded("viewer")
    assert "/dashboard/ai-settings" in str(answer) and not viewer.loaded
    assert viewer.requests == "0" and viewer.spend_data == [] and viewer.users == []
    refused = await viewer.set_range_choice("30")
    assert "not run them" in str(refused) and viewer.spend_data == []


async def test_an_empty_account_gets_the_empty_state() -> None:
    member, _ = await loaded("member", "new@example.org")
    assert member.loaded and not member.has_usage and member.requests == "0" and member.top_model == ""
