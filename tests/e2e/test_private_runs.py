"""Runs are private in Chromium: a member's run is theirs (and the admin's), its file refuses strangers,
and a share link shows it to a signed-out browser until the member stops sharing."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

MODEL = "/dashboard/ai-settings/qwen-image-edit"


def test_a_members_run_is_private_and_shared_on_purpose(browser, app_server):
    member_context = app_server.signed_in_context(browser, "member")
    viewer_context = app_server.signed_in_context(browser, "viewer")
    anonymous_context = browser.new_context(base_url=app_server.url)
    for context in (member_context, viewer_context, anonymous_context):
        context.set_default_timeout(20_000)
    try:
        member = member_context.new_page()
        member.goto(MODEL)
        member.wait_for_load_state("networkidle")
        member.get_by_test_id("field-prompt").fill("a private paper boat")
        member.get_by_test_id("run").click()
        expect(member.get_by_test_id("result-image")).to_be_visible(timeout=30_000)
        output = member.get_by_test_id("result-image").get_attribute("src")
        member.get_by_test_id("request-logs").click()
        member.wait_for_url(re.compile(r"/qwen-image-edit/runs$"))
        member.get_by_test_id("run-row").first.get_by_role("link").first.click()
        member.wait_for_url(re.compile(r"/runs\?run=[0-9a-f]+$"))
        run_page = member.url
        expect(member.get_by_test_id("selected-run")).to_contain_text("a private paper boat")

        # The file answers the member's session, not a stranger's request.
        assert httpx.get(app_server.url + output, timeout=20).status_code == 401
        assert httpx.get(app_server.url + output, cookies=app_server.cookies("member"), timeout=20).status_code == 200
        assert httpx.get(app_server.url + output, cookies=app_server.cookies("admin"), timeout=20).status_code == 200

        # A viewer may not read request logs at all.
        viewer = viewer_context.new_page()
        viewer.goto(run_page)
        expect(viewer.get_by_test_id("refusal-text")).to_contain_text("not run them")
        expect(viewer.get_by_test_id("selected-run")).to_have_count(0)

        # Shared on purpose: a signed-out browser sees the run and its image.
        member.get_by_test_id("share-run").click()
        share_url = member.get_by_test_id("share-url").inner_text()
        assert re.fullmatch(re.escape(app_server.url) + r"/share/[A-Za-z0-9_-]{40,}", share_url), share_url
        anonymous = anonymous_context.new_page()
        anonymous.goto(share_url)
        expect(anonymous.get_by_test_id("shared-model")).to_have_text("qwen-image-edit")
        expect(anonymous.locator("pre").first).to_contain_text("a private paper boat")
        image = anonymous.get_by_test_id("shared-output")
        expect(image).to_be_visible()
        anonymous.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert "/media/" in image.get_attribute("src") and "sig=" in image.get_attribute("src")
        # Signed out, the rest of the app stays closed.
        anonymous.goto(run_page)
        anonymous.wait_for_url(re.compile(r"/sign-in\?next="))

        # Stop sharing: the link is dead at once.
        member.get_by_test_id("stop-sharing").click()
        expect(member.get_by_test_id("stop-sharing")).to_have_count(0)
        answer = httpx.get(share_url, timeout=20)
        assert answer.status_code == 404 and "withdrawn" in answer.text
    finally:
        for context in (member_context, viewer_context, anonymous_context):
            context.close()
