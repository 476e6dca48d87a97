"""Every event handler of every state is guarded on the server, and refuses whom it must.

The list is read from the app itself (every `rx.State` subclass of `ai_registry`, every entry of its
`event_handlers`), so a handler added tomorrow without `@requires(...)` fails here.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
import reflex as rx
from reflex.state import State
from sqlmodel import func, select

from ai_registry.identity.accounts import disable_user
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.sessions import end_session
from ai_registry.state.auth import ROLE_NEEDED, AuthState
from ai_registry.state.developer import DeveloperState
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, AppSetting, AuditEvent, CurationRow, Run
from ai_registry.store.users import get_user_by_email
from tests.state.playground_states import build_states, substate
from tests.support.accounts import sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")

# Reflex's own handler on every state: it calls the state's `set_<name>` handler, guarded like the rest
# (see test_reflexs_setvar_only_reaches_guarded_setters).
FRAMEWORK_HANDLERS = {"setvar"}
# What each page's first handlers need, written down once: a change here is a decision, not an accident.
EXPECTED_ROLES = {
    "DeveloperState.save_upstream_key": "admin",
    "DeveloperState.remove_upstream_key": "admin",
    "DeveloperState.check_upstream": "admin",
    "DeveloperState.create_key": "member",
    "DeveloperState.revoke_key": "member",
    "DeveloperState.on_load": "member",
    "RunsState.on_load": "member",
    "PlaygroundState.handle_upload": "member",
    "ChatPlaygroundState.run": "member",
    "ImagePlaygroundState.run": "member",
    "VideoPlaygroundState.run": "member",
    "AudioPlaygroundState.run": "member",
    "EmbeddingPlaygroundState.run": "member",
    "BrowseState.on_load": "viewer",
    "DetailState.on_load": "viewer",
    "DetailState.set_call_mode": "viewer",
    "DetailState.create_snippet_key": "member",
    "AuthState.load_session": "viewer",
    # A viewer's visit to the usage page is sent back to the gallery by on_load itself.
    "UsageState.on_load": "viewer",
    "UsageState.set_user_filter": "admin",
    "UsageState.load_upstream": "admin",
    "CurationState.open_panel": "admin",
    "CurationState.close_panel": "admin",
    "CurationState.save": "admin",
    # Admin pages: on_load sends anyone below admin to the models page; every change needs an admin.
    "TeamState.on_load": "viewer",
    "TeamState.change_role": "admin",
    "TeamState.disable_user": "admin",
    "TeamState.enable_user": "admin",
    "TeamState.create_invite": "admin",
    "TeamState.revoke_invite": "admin",
    "TeamState.save_signup": "admin",
    "AuditState.on_load": "viewer",
    "AuditState.apply_filters": "admin",
    "AuditState.set_action": "admin",
    "AuditState.next_page": "admin",
}


def app_states() -> list[type[rx.State]]:
    import ai_registry.ai_registry  # noqa: F401  (registers every page's states)

    found, pending = [], [State]
    while pending:
        cls = pending.pop()
        pending.extend(cls.get_substates())
        if cls.__module__.startswith("ai_registry."):
            found.append(cls)
    return found


def all_handlers() -> list[tuple[type[rx.State], str, Any]]:
    return [
        (cls, name, handler)
        for cls in app_states()
        for name, handler in cls.event_handlers.items()
        if name not in FRAMEWORK_HANDLERS
    ]


def handler_id(item) -> str:
    return f"{item[0].__name__}.{item[1]}"


HANDLERS = all_handlers()


def test_the_enumeration_finds_every_page_state() -> None:
    names = {cls.__name__ for cls in app_states()}
    assert {"AuthState", "BrowseState", "DetailState", "DeveloperState", "RunsState", "PlaygroundState",
            "ChatPlaygroundState", "EmbeddingPlaygroundState"} <= names
    assert len(HANDLERS) >= 45


@pytest.mark.parametrize("item", HANDLERS, ids=handler_id)
def test_every_handler_declares_the_role_it_needs(item) -> None:
    cls, name, handler = item
    role = getattr(handler.fn, "required_role", None)
    assert role in ("viewer", "member", "admin"), f"{cls.__name__}.{name} has no @requires(...) guard"
    assert EXPECTED_ROLES.get(f"{cls.__name__}.{name}", role) == role


def dummy_arguments(fn) -> list[Any]:
    """Something for each parameter: the guard refuses before any is looked at."""
    parameters = list(inspect.signature(fn).parameters.values())[1:]
    return [{} if "form" in p.name else "x" for p in parameters if p.default is inspect.Parameter.empty]


async def call(state, handler) -> list[Any]:
    """Run a handler function on a state as Reflex would; returns what it yielded or returned."""
    result = handler.fn(state, *dummy_arguments(handler.fn))
    if inspect.isasyncgen(result):
        return [item async for item in result]
    if inspect.iscoroutine(result):
        result = await result
    return [result]


def database_counts() -> dict[str, int]:
    with session_scope() as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in (ApiKey, AppSetting, Run, CurationRow)
        } | {
            "audit": session.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "user_created")
            ).one()
        }


def snapshot(state) -> str:
    return json.dumps(state.dict(), default=str, sort_keys=True)


def refusal_of(events: list[Any]) -> str:
    """`sign-in` for a redirect to the sign-in page, else the refusal message shown."""
    assert len(events) == 1, events
    event = events[0]
    text = str(event)
    if "/sign-in?next=" in text:
        return "sign-in"
    assert event.handler.fn.__qualname__.endswith("show_refusal"), text
    return dict((str(k), str(v)) for k, v in event.args)["message"].strip('"')


@pytest.mark.parametrize("caller", ["anonymous", "forged", "viewer", "member"])
async def test_each_handler_refuses_callers_below_its_role_and_changes_nothing(caller: str) -> None:
    refused = 0
    for cls, name, handler in HANDLERS:
        needed = handler.fn.required_role
        if caller in ("viewer", "member") and role_at_least(caller, needed):
            continue
        root = build_states()
        if caller in ("viewer", "member"):
            sign_in_state(root, caller, path="/dashboard/ai-settings/gpt-4")
        elif caller == "forged":
            from reflex.istate.data import RouterData

            root.router = RouterData.from_router_data(
                {"headers": {"cookie": "air_session=forged-token-value"}, "pathname": "/x", "asPath": "/x"}
            )
        state = substate(root, cls)
        before, stored = snapshot(root), database_counts()
        outcome = refusal_of(await call(state, handler))
        expected = "sign-in" if caller in ("anonymous", "forged") else ROLE_NEEDED[needed]
        assert outcome == expected, f"{cls.__name__}.{name} as {caller}"
        assert snapshot(root) == before, f"{cls.__name__}.{name} changed state for {caller}"
        assert database_counts() == stored, f"{cls.__name__}.{name} changed the database for {caller}"
        refused += 1
    assert refused >= {"anonymous": 45, "forged": 45, "viewer": 15, "member": 5}[caller]


def fresh_developer_state(role: str, email: str | None = None) -> tuple[DeveloperState, str]:
    root = build_states()
    token = sign_in_state(root, role, email=email, path="/dashboard/developer-settings")
    state = substate(root, DeveloperState)
    state.on_load()
    return state, token


def test_members_see_their_own_keys_and_admins_see_all() -> None:
    member, _ = fresh_developer_state("member")
    member.create_key({"name": "member key"})
    admin, _ = fresh_developer_state("admin")
    admin.create_key({"name": "admin key"})
    admin.on_load()
    member.on_load()
    assert {k.name for k in admin.api_keys} == {"member key", "admin key"}
    assert {k.owner for k in admin.api_keys} == {"member@example.org", "admin@example.org"}
    assert [k.name for k in member.api_keys] == ["member key"]
    admin_key_id = next(k.id for k in admin.api_keys if k.name == "admin key")
    member.revoke_key(admin_key_id)  # someone else's key looks like a missing one
    assert member.key_notice == "That key was already revoked."
    admin.on_load()
    assert "admin key" in {k.name for k in admin.api_keys}
    assert not member.upstream_saved and member.upstream_base == ""


def test_an_ended_or_disabled_session_stops_at_the_next_event() -> None:
    admin, _ = fresh_developer_state("admin")
    member, token = fresh_developer_state("member")
    member.create_key({"name": "before"})
    assert member.new_key
    with session_scope() as session:
        end_session(session=session, raw_token=token)
    assert "/sign-in" in str(member.create_key({"name": "after"}))
    member2, _ = fresh_developer_state("member")
    with session_scope() as session:
        disable_user(session=session, user=get_user_by_email(session=session, email="member@example.org"))
    assert "/sign-in" in str(member2.create_key({"name": "after"}))
    admin.on_load()
    assert [k.name for k in admin.api_keys] == []  # disabling revoked the member's key too
    assert AuthState.event_handlers["load_session"].fn.required_role == "viewer"


def test_reflexs_setvar_only_reaches_guarded_setters() -> None:
    """`setvar(name, value)` calls the state's own `set_<name>` handler (Reflex 0.10 makes no setters), so it
    passes the same guard; a var without such a handler cannot be set at all."""
    root = build_states()
    state = substate(root, DeveloperState)
    setvar = DeveloperState.event_handlers["setvar"].fn
    setvar(state, "key_name", "sneaky")  # anonymous: the guarded set_key_name refuses
    assert state.key_name == ""
    with pytest.raises(AttributeError):
        setvar(state, "upstream_saved", True)
    with pytest.raises(AttributeError):
        setvar(substate(root, AuthState), "role", "admin")
    sign_in_state(root, "member", path="/dashboard/developer-settings")
    setvar(state, "key_name", "mine")
    assert state.key_name == "mine"
    for cls in app_states():
        for name in cls.event_handlers:
            if name.startswith("set_"):
                assert getattr(cls.event_handlers[name].fn, "required_role", None), f"{cls.__name__}.{name}"
