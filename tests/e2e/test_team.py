"""The Team and Audit log pages in Chromium: invite someone, they join, they are disabled, the log shows it."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, VIEWPORTS, copy_and_read, screenshot

pytestmark = pytest.mark.e2e

TEAM = "/dashboard/team"
AUDIT = "/dashboard/audit"
GALLERY = "/dashboard/ai-settings"
NEW_PASSWORD = "invited person's long password"


def open_loaded(page, address: str, testid: str) -> None:
    page.goto(address)
    expect(page.get_by_test_id(testid)).to_have_attribute("data-loaded", "true")


def accept_invite(page, link: str, email: str, *, name: str = "Invited Person") -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Accept your invite")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()


def test_an_invite_makes_an_account_that_is_then_disabled_and_audited(page, browser, app_server) -> None:
    email = f"invited-{uuid.uuid4().hex[:8]}@e2e.example"

    # The admin opens Team from the top bar, makes a member invite for anyone, and copies the link shown once.
    page.goto(GALLERY)
    page.get_by_role("link", name="Team", exact=True).click()
    page.wait_for_url(re.compile(re.escape(TEAM) + r"$"))
    expect(page.get_by_test_id("team-page")).to_have_attribute("data-loaded", "true")
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_test_id("create-invite").click()
    box = page.get_by_test_id("new-invite-box")
    expect(box).to_be_visible()
    link = copy_and_read(page, page.get_by_test_id("copy-invite"))
    assert re.fullmatch(re.escape(app_server.url) + r"/invite/[A-Za-z0-9_-]{20,}", link), link
    expect(page.get_by_test_id("new-invite-link")).to_have_text(link)
    expect(page.get_by_test_id("copy-invite")).to_have_text("Copied")
    expect(page.get_by_test_id("invite-row").first).to_contain_text("anyone with the link")

    # A fresh, signed-out browser opens it and creates the account: it lands signed in, as a member.
    joiner_context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    joiner_context.set_default_timeout(15_000)
    try:
        joiner = joiner_context.new_page()
        accept_invite(joiner, link, email)
        joiner.wait_for_url(re.compile(re.escape(GALLERY) + r"$"))
        expect(joiner.get_by_test_id("account-email")).to_have_text(email)
        expect(joiner.get_by_test_id("account-role")).to_have_text("member")
        expect(joiner.get_by_test_id("model-card").first).to_be_visible()

        # The link worked once: opening it again says so.
        used = joiner_context.new_page()
        used.goto(link)
        expect(used.get_by_role("alert")).to_have_text(re.compile("already been used"))
        used.close()

        # The admin sees the new person and disables them.
        open_loaded(page, TEAM, "team-page")
        expect(page.get_by_test_id("no-invites")).to_be_visible()
        row = page.locator(f'[data-testid=person-row][data-email="{email}"]')
        expect(row).to_contain_text("Invited Person")
        expect(row.get_by_test_id("role-select")).to_have_value("member")
        row.get_by_test_id("disable-user").click()
        row.get_by_test_id("confirm-disable").click()
        expect(page.get_by_test_id("people-notice")).to_contain_text(f"{email} is disabled")
        expect(row).to_have_attribute("data-active", "false")

        # The disabled person's open page goes to sign-in at their next action.
        joiner.get_by_role("link", name="Developer settings").click()
        joiner.wait_for_url(re.compile(r"/sign-in\?next="))
        expect(joiner.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        joiner_context.close()

    # The admin filters the audit log by action and exports exactly those events.
    open_loaded(page, AUDIT, "audit-page")
    page.get_by_label("Action").select_option("user_disabled")
    expect(page.get_by_test_id("audit-row-action").filter(has_not_text="user_disabled")).to_have_count(0)
    expect(page.get_by_test_id("audit-row").first).to_contain_text(email)
    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-log-") and download.suggested_filename.endswith(".jsonl")
    saved = ARTIFACTS / "audit-export.jsonl"
    download.save_as(saved)
    events = [json.loads(line) for line in saved.read_text().splitlines()]
    assert events and {e["action"] for e in events} == {"user_disabled"}
    mine = [e for e in events if e["target"] == email]
    assert len(mine) == 1 and mine[0]["actor_email"] == "admin@e2e.example"
    assert mine[0]["address"] == "127.0.0.1" and mine[0]["details"]["sessions_ended"] >= 1


def test_the_last_admin_cannot_demote_themselves(page) -> None:
    open_loaded(page, TEAM, "team-page")
    me = page.locator('[data-testid=person-row][data-email="admin@e2e.example"]')
    me.get_by_test_id("role-select").select_option("viewer")
    expect(page.get_by_test_id("people-error")).to_contain_text("only active administrator")
    expect(me.get_by_test_id("role-select")).to_have_value("admin")


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_non_admins_are_sent_away_from_the_admin_pages(browser, app_server, role: str) -> None:
    context = app_server.signed_in_context(browser, role, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(GALLERY)
        expect(page.get_by_test_id("account-role")).to_have_text(role)
        expect(page.get_by_role("link", name="Team", exact=True)).to_have_count(0)
        for address in (TEAM, AUDIT):
            page.goto(address)
            page.wait_for_url(re.compile(re.escape(GALLERY) + r"$"))
            expect(page.get_by_test_id("person-row")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_screens_of_the_new_pages(browser, app_server, width: str) -> None:
    """Screenshots to look at: the Team and Audit pages (admin) and the invite form (signed out)."""
    w, h = VIEWPORTS[width]
    context = app_server.signed_in_context(browser, "admin", viewport={"width": w, "height": h})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        open_loaded(page, TEAM, "team-page")
        page.get_by_label("Email (optional)").fill(f"shot-{width}@e2e.example")
        page.get_by_test_id("create-invite").click()
        link = page.get_by_test_id("new-invite-link").inner_text()
        screenshot(page, f"team-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= w
        open_loaded(page, AUDIT, "audit-page")
        expect(page.get_by_test_id("audit-row" if width == "desktop" else "audit-card").first).to_be_visible()
        screenshot(page, f"audit-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= w
    finally:
        context.close()
    anonymous = browser.new_context(base_url=app_server.url, viewport={"width": w, "height": h})
    try:
        page = anonymous.new_page()
        page.goto(link)
        expect(page.get_by_label("Email")).to_have_value(f"shot-{width}@e2e.example")
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password again").fill(NEW_PASSWORD + "!")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("alert")).to_contain_text("not the same")
        expect(page.get_by_label("Email")).to_have_value(f"shot-{width}@e2e.example")
        assert page.evaluate("document.documentElement.scrollWidth") <= w
        assert axe_violations(page) == []
        screenshot(page, f"invite-error-{width}")
    finally:
        anonymous.close()


def axe_violations(page) -> list[dict]:
    from tests.e2e.test_accessibility import AXE, RUN_AXE

    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def save_signup(page, *, open_: bool, domains: str) -> None:
    open_loaded(page, TEAM, "team-page")
    box = page.get_by_test_id("signup-open")
    if box.is_checked() != open_:
        box.click()
    expect(box).to_be_checked(checked=open_)
    page.get_by_label("Allowed email domains").fill(domains)
    page.get_by_test_id("save-signup").click()
    expect(page.get_by_test_id("signup-notice")).to_have_text(
        f"Open sign-up is on for {domains}." if open_ else "Open sign-up is off."
    )


def test_open_sign_up_turned_on_and_off_in_the_team_page(page, browser, app_server) -> None:
    email = f"joiner-{uuid.uuid4().hex[:8]}@signup.example"
    visitor_context = browser.new_context(base_url=app_server.url, viewport={"width": 375, "height": 812})
    visitor_context.set_default_timeout(15_000)
    try:
        save_signup(page, open_=True, domains="signup.example")
        visitor = visitor_context.new_page()
        visitor.goto("/sign-in")
        visitor.get_by_role("link", name="sign up").click()
        visitor.wait_for_url(re.compile(r"/sign-up$"))
        expect(visitor.get_by_text("Open to addresses at signup.example.")).to_be_visible()
        assert axe_violations(visitor) == []
        for address, expected in (("eve@other.example", "open only to addresses at signup.example"), (email, None)):
            visitor.get_by_label("Email").fill(address)
            visitor.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
            visitor.get_by_label("Password again").fill(NEW_PASSWORD)
            visitor.get_by_role("button", name="Create account").click()
            if expected:
                expect(visitor.get_by_role("alert")).to_contain_text(expected)
                expect(visitor.get_by_label("Email")).to_have_value(address)
        visitor.wait_for_url(re.compile(re.escape(GALLERY) + r"$"))
        expect(visitor.get_by_test_id("account-role")).to_have_text("member")
    finally:
        save_signup(page, open_=False, domains="signup.example")
        visitor_context.close()
    closed = browser.new_context(base_url=app_server.url)
    try:
        gone = closed.new_page()
        gone.goto("/sign-up")
        expect(gone.get_by_role("alert")).to_have_text(re.compile("Sign-up is closed"))
        assert axe_violations(gone) == []
        gone.goto("/invite/forged-token-value-that-is-long-enough")
        expect(gone.get_by_role("alert")).to_have_text(re.compile("not valid"))
    finally:
        closed.close()


def role_in_db(data_dir, email: str) -> str:
    import sqlite3

    with sqlite3.connect(data_dir / "registry.db") as db:
        return db.execute('SELECT role FROM "user" WHERE email = ?', (email,)).fetchone()[0]


def test_a_member_promoting_themselves_over_a_hand_made_socket_is_refused(browser, app_server) -> None:
    """The member knows their own id (ids are small numbers) and sends TeamState.change_role by hand."""
    from ai_registry.state.team import TeamState
    from tests.e2e.test_hand_made_events import HAND_MADE_EVENT

    context = app_server.signed_in_context(browser, "member")
    try:
        page = context.new_page()
        page.goto(GALLERY)
        expect(page.get_by_test_id("account-role")).to_have_text("member")
        calls = [("change_role", {"user_id": user_id, "role": "admin"}) for user_id in (1, 2, 3)]
        calls += [("disable_user", {"user_id": 1}), ("create_invite", {"form_data": {"role": "admin", "hours": "24"}})]
        for handler, payload in calls:
            replies = "\n".join(page.evaluate(HAND_MADE_EVENT, [f"{TeamState.get_full_name()}.{handler}", payload]))
            assert "Only an administrator can do this." in replies, (handler, replies)
            assert "new_invite_link" not in replies and "people_notice" not in replies
        assert role_in_db(app_server.data_dir, "member@e2e.example") == "member"
        assert role_in_db(app_server.data_dir, "admin@e2e.example") == "admin"
    finally:
        context.close()
