"""The Team and Audit log pages' handlers, called as the websocket would, by each role."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from ai_registry.identity.accounts import create_user
from ai_registry.identity.keys import create_key_for
from ai_registry.identity.sessions import session_for_token
from ai_registry.state.audit import PAGE_SIZE, AuditState
from ai_registry.state.auth import ROLE_NEEDED
from ai_registry.state.team import TeamState
from ai_registry.store.audit_log import write_audit_event
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, AppSetting, AuditEvent, Invite, User
from ai_registry.store.users import get_user_by_email
from tests.state.playground_states import build_states, substate
from tests.support.accounts import PASSWORD, session_token, sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")


def team(role: str = "admin", email: str | None = None) -> TeamState:
    root = build_states()
    sign_in_state(root, role, email=email, path="/dashboard/team")
    state = substate(root, TeamState)
    state.on_load()
    return state


def user(email: str) -> User:
    with session_scope() as session:
        return get_user_by_email(session=session, email=email)


def make(email: str, role: str = "member") -> User:
    with session_scope() as session:
        return create_user(session=session, email=email, password=PASSWORD, role=role)


def audit_actions() -> list[str]:
    with session_scope() as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def database() -> dict[str, object]:
    with session_scope() as session:
        users = [(u.email, u.role, u.active) for u in session.exec(select(User).order_by(User.id))]
        return {
            "users": users,
            "invites": session.exec(select(func.count()).select_from(Invite)).one(),
            "settings": session.exec(select(func.count()).select_from(AppSetting)).one(),
            "audit": session.exec(select(func.count()).select_from(AuditEvent)).one(),
        }


def test_an_admin_sees_everyone_and_changes_roles_with_an_audit_event() -> None:
    make("mo@example.org")
    admin = team()
    assert {p.email for p in admin.people} == {"admin@example.org", "mo@example.org"}
    assert next(p for p in admin.people if p.email == "admin@example.org").is_you
    mo = next(p for p in admin.people if p.email == "mo@example.org")
    admin.change_role(mo.id, "viewer")
    assert user("mo@example.org").role == "viewer"
    assert admin.people_notice == "mo@example.org is now viewer." and not admin.people_error
    with session_scope() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "role_changed")).one()
    assert event.actor_email == "admin@example.org" and event.target == "mo@example.org"
    assert json.loads(event.details_json) == {"from": "member", "to": "viewer"}


def test_the_last_admin_cannot_be_demoted_or_disabled() -> None:
    admin = team()
    me = next(p for p in admin.people if p.is_you)
    before = database()
    admin.change_role(me.id, "member")
    assert "only active administrator" in admin.people_error
    admin.disable_user(me.id)
    assert "only active administrator" in admin.people_error
    assert database() == before


def test_disabling_ends_sessions_and_keys_and_enabling_restores_the_account() -> None:
    token = session_token("member", "mo@example.org")
    with session_scope() as session:
        create_key_for(session=session, owner=get_user_by_email(session=session, email="mo@example.org"), name="ci")
    admin = team()
    mo = next(p for p in admin.people if p.email == "mo@example.org")
    admin.ask_disable(mo.id)
    assert admin.confirm_disable_id == mo.id
    admin.disable_user(mo.id)
    assert "signed out everywhere" in admin.people_notice and admin.confirm_disable_id == 0
    assert not next(p for p in admin.people if p.email == "mo@example.org").active
    with session_scope() as session:
        assert session_for_token(session=session, raw_token=token) is None
        assert session.exec(select(ApiKey).where(ApiKey.revoked_at.is_(None))).all() == []
    admin.enable_user(mo.id)
    assert user("mo@example.org").active
    assert audit_actions()[-2:] == ["user_disabled", "user_enabled"]


def test_invites_are_shown_once_listed_and_revoked() -> None:
    admin = team()
    admin.router.url  # noqa: B018  (the page address the link is built from)
    admin.create_invite({"role": "viewer", "email": "Zoe@Example.org", "hours": "24"})
    assert not admin.invite_error
    assert "/invite/" in admin.new_invite_link and admin.new_invite_for == "Zoe@Example.org as viewer"
    assert [(i.email, i.role) for i in admin.open_invites] == [("zoe@example.org", "viewer")]
    with session_scope() as session:
        row = session.exec(select(Invite)).one()
    assert row.token_hash not in admin.new_invite_link  # only the hash is kept, the link holds the token
    admin.on_load()  # a reload forgets the link
    assert admin.new_invite_link == ""
    admin.revoke_invite(admin.open_invites[0].id)
    assert admin.open_invites == [] and "withdrawn" in admin.invite_notice
    admin.revoke_invite(row.id)
    assert admin.invite_notice == "That invite is already closed."
    assert audit_actions().count("invite_created") == 1 and audit_actions().count("invite_revoked") == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"role": "owner", "email": "", "hours": "24"}, "Unknown role"),
        ({"role": "member", "email": "not an email", "hours": "24"}, "is not an email address"),
        ({"role": "member", "email": "", "hours": "9999"}, "between 5 minutes and 30 days"),
        ({"role": "member", "email": "", "hours": "soon"}, "Choose how long"),
    ],
)
def test_a_bad_invite_form_says_why_and_makes_nothing(form: dict, message: str) -> None:
    admin = team()
    before = database()
    admin.create_invite(form)
    assert message in admin.invite_error and admin.new_invite_link == ""
    assert database() == before


def test_open_sign_up_is_saved_checked_and_audited() -> None:
    admin = team()
    assert not admin.signup_open and not admin.signup_saved
    admin.save_signup({"open": "on", "domains": ""})
    assert "at least one email domain" in admin.signup_error
    admin.save_signup({"open": "on", "domains": "example.com, exa_mple.org"})
    assert "'exa_mple.org' is not an email domain" in admin.signup_error
    admin.save_signup({"open": "on", "domains": "Example.com @team.example.org"})
    assert admin.signup_notice == "Open sign-up is on for example.com, team.example.org."
    assert admin.signup_open and admin.signup_domains == "example.com, team.example.org"
    admin.save_signup({"domains": "example.com"} | {"open": "false"})
    assert admin.signup_notice == "Open sign-up is off." and not admin.signup_open
    assert audit_actions().count("signup_changed") == 2


# --- Refusals: nothing happens below admin ------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_are_sent_away_and_refused(role: str) -> None:
    target = make("target@example.org")
    session_token("admin")  # an admin exists, so only the role stops them
    root = build_states()
    sign_in_state(root, role, path="/dashboard/team")
    state = substate(root, TeamState)
    assert "/dashboard/ai-settings" in str(state.on_load())  # the page sends them to the models page
    assert state.people == [] and not state.loaded
    before = database()
    calls = [
        (state.change_role, (target.id, "admin")), (state.disable_user, (target.id,)),
        (state.enable_user, (target.id,)), (state.create_invite, ({"role": "admin"},)),
        (state.revoke_invite, (1,)), (state.save_signup, ({"open": "on", "domains": "example.com"},)),
    ]
    for handler, args in calls:
        refusal = handler(*args)
        assert ROLE_NEEDED["admin"] in str(refusal), handler.__name__
    assert database() == before and state.new_invite_link == ""
    audit_state = substate(root, AuditState)
    assert "/dashboard/ai-settings" in str(audit_state.on_load()) and audit_state.events == []
    assert ROLE_NEEDED["admin"] in str(audit_state.apply_filters({"person": "", "action": ""}))
    assert audit_state.events == []


# --- The audit log page -------------------------------------------------------------------------


def audit_page(path: str = "/dashboard/audit") -> AuditState:
    root = build_states()
    sign_in_state(root, "admin", path=path)
    state = substate(root, AuditState)
    state.on_load()
    return state


def test_the_audit_page_pages_newest_first_and_filters() -> None:
    session_token("admin")  # the admin's own user_created event is the oldest
    with session_scope() as session:
        for n in range(PAGE_SIZE + 5):
            write_audit_event(session=session, action="key_created", actor_email="mo@example.org",
                              address="10.0.0.1", target=f"key {n}", details={"n": n})
        write_audit_event(session=session, action="sign_in_failed", target="eve@example.org")
    state = audit_page()
    assert state.events[0].action == "sign_in_failed" and state.events[0].who == "(not signed in)"
    assert len(state.events) == PAGE_SIZE and state.has_next
    state.next_page()
    assert state.page == 1 and not state.has_next and len(state.events) == 7
    assert [e.target for e in state.events[-2:]] == ["key 0", "admin@example.org"]
    assert state.page_label == f"Events {PAGE_SIZE + 1}–{PAGE_SIZE + 7}, newest first"
    state.previous_page()
    assert state.page == 0
    state.set_action("key_created")
    assert {e.action for e in state.events} == {"key_created"} and state.events[0].target == f"key {PAGE_SIZE + 4}"
    assert state.events[0].address == "10.0.0.1" and state.events[0].details == f"n: {PAGE_SIZE + 4}"
    assert state.export_url == "/audit.jsonl?action=key_created"
    state.apply_filters({"person": "EVE@example.org", "action": ""})
    assert [e.target for e in state.events] == ["eve@example.org"]
    assert state.export_url == "/audit.jsonl?person=eve%40example.org"
    state.set_action("drop_table")
    assert "Unknown action" in state.filter_error and state.events == []
    state.clear_filters()
    assert state.filter_error == "" and len(state.events) == PAGE_SIZE


def test_the_audit_page_reads_its_filters_from_the_address() -> None:
    with session_scope() as session:
        write_audit_event(session=session, action="sign_in", actor_email="mo@example.org")
        write_audit_event(session=session, action="sign_out", actor_email="mo@example.org")
    state = audit_page("/dashboard/audit?action=sign_out")
    assert state.action == "sign_out" and [e.action for e in state.events] == ["sign_out"]
