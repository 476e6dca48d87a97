"""Accounts in Chromium against the production server: sign-in, sign-out, and each role's share."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, VIEWPORTS
from tests.support.app_process import PASSWORD, SESSION_COOKIE, account_email

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"
PAGES = [
    "/",
    GALLERY + "?category=video",
    GALLERY + "/gpt-4?tab=api",
    GALLERY + "/gpt-4/runs",
    "/dashboard/developer-settings",
]
MEMBER_ONLY = "Your account can browse models but not run them or hold keys"


@pytest.fixture
def anonymous(browser, app_server):
    context = browser.new_context(base_url=app_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in_through_the_form(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("address", PAGES)
def test_an_anonymous_browser_is_sent_to_sign_in_from_every_page(anonymous, address):
    anonymous.goto(address)
    anonymous.wait_for_url(re.compile(r"/sign-in\?next="))
    assert anonymous.url.endswith("/sign-in?next=" + quote(address, safe="/"))
    expect(anonymous.get_by_role("heading", name="Sign in")).to_be_visible()
    assert anonymous.locator("[data-testid=model-card]").count() == 0


def test_sign_in_page_on_a_phone_and_a_desktop(browser, app_server):
    for name in ("phone", "desktop"):
        width, height = VIEWPORTS[name]
        context = browser.new_context(base_url=app_server.url, viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto("/sign-in?next=/dashboard/developer-settings")
        sign_in_through_the_form(page, "nobody@e2e.example", "wrong password, long enough")
        alert = page.get_by_role("alert")
        expect(alert).to_have_text("Wrong email or password.")
        expect(page.get_by_label("Email")).to_have_value("nobody@e2e.example")
        expect(page.get_by_label("Password")).to_have_value("")
        box = page.locator("main").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"sign-in-error-{name}.png"), full_page=True)
        context.close()


def test_the_form_signs_in_returns_to_the_page_and_sign_out_ends_it(anonymous, app_server):
    anonymous.goto(GALLERY + "/gpt-4?tab=readme")
    anonymous.wait_for_url(re.compile(r"/sign-in"))
    sign_in_through_the_form(anonymous, account_email("member"), PASSWORD)
    anonymous.wait_for_url(re.compile(r"/dashboard/ai-settings/gpt-4\?tab=readme$"))
    expect(anonymous.get_by_test_id("account-email")).to_have_text(account_email("member"))
    expect(anonymous.get_by_test_id("account-role")).to_have_text("member")
    cookie = next(c for c in anonymous.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert SESSION_COOKIE not in anonymous.evaluate("document.cookie")  # no script can read it

    anonymous.get_by_test_id("sign-out").click()
    anonymous.wait_for_url(re.compile(r"/sign-in\?signed_out=1$"))
    expect(anonymous.get_by_role("status")).to_have_text("You are signed out.")
    # The old cookie, replayed by another client, opens nothing.
    replay = httpx.get(app_server.url + GALLERY, cookies={SESSION_COOKIE: cookie["value"]}, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/sign-in")
    anonymous.goto(GALLERY)
    anonymous.wait_for_url(re.compile(r"/sign-in\?next="))


def open_model(page, slug: str = "gpt-4", tab: str = "") -> None:
    page.goto(f"{GALLERY}/{slug}" + (f"?tab={tab}" if tab else ""))
    expect(page.get_by_test_id("account-role")).not_to_have_text("")


def test_each_role_sees_and_does_its_share_at_the_same_time(browser, app_server):
    viewer_context = app_server.signed_in_context(browser, "viewer")
    member_context = app_server.signed_in_context(browser, "member")
    admin_context = app_server.signed_in_context(browser, "admin")
    try:
        viewer, member, admin = (c.new_page() for c in (viewer_context, member_context, admin_context))

        # Everyone browses, reads readmes and snippets.
        for page, role in ((viewer, "viewer"), (member, "member"), (admin, "admin")):
            page.goto(GALLERY)
            expect(page.get_by_test_id("account-role")).to_have_text(role)
            expect(page.locator("[data-testid=model-card]").first).to_be_visible()
        open_model(viewer, tab="readme")
        expect(viewer.get_by_test_id("readme")).to_be_visible()
        open_model(viewer, tab="api")
        expect(viewer.get_by_test_id("code-block")).to_contain_text("curl")
        expect(viewer.get_by_test_id("use-key")).to_have_count(0)  # never the upstream key

        # A viewer cannot run: the server refuses the click and says why.
        open_model(viewer, "local-all-minilm-l6-v2")
        viewer.wait_for_load_state("networkidle")
        viewer.get_by_test_id("run").click()
        expect(viewer.get_by_test_id("refusal-text")).to_contain_text(MEMBER_ONLY)

        # Developer settings: a viewer is refused, a member has keys but no upstream section, an admin has both.
        viewer.goto("/dashboard/developer-settings")
        expect(viewer.get_by_test_id("refusal-text")).to_contain_text(MEMBER_ONLY)
        expect(viewer.get_by_test_id("create-key")).to_be_disabled()

        member.goto("/dashboard/developer-settings")
        expect(member.get_by_test_id("create-key")).to_be_enabled()
        member.get_by_test_id("key-name-input").fill("member script")
        member.get_by_test_id("create-key").click()
        expect(member.get_by_test_id("new-key-box")).to_be_visible()
        expect(member.get_by_test_id("upstream-key-input")).to_have_count(0)

        admin.goto("/dashboard/developer-settings")
        expect(admin.get_by_test_id("create-key")).to_be_enabled()
        expect(admin.get_by_test_id("upstream-key-input")).to_be_visible()
        admin.get_by_test_id("key-name-input").fill("admin script")
        admin.get_by_test_id("create-key").click()
        expect(admin.get_by_test_id("new-key-box")).to_be_visible()
        # The admin sees both keys; the member only their own.
        expect(admin.get_by_test_id("key-name").get_by_text("member script", exact=True)).to_be_visible()
        member.reload()
        expect(member.get_by_test_id("create-key")).to_be_enabled()
        expect(member.get_by_test_id("key-name").get_by_text("member script", exact=True)).to_be_visible()
        expect(member.get_by_test_id("key-name").get_by_text("admin script", exact=True)).to_have_count(0)

        # Request logs are for members and admins.
        viewer.goto(GALLERY + "/gpt-4/runs")
        expect(viewer.get_by_test_id("refusal-text")).to_contain_text(MEMBER_ONLY)
    finally:
        for context in (viewer_context, member_context, admin_context):
            context.close()

