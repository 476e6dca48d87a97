"""What a screen reader hears (issue 19): a run's start and end in a polite live region, the chat
answer once when it has ended (never token by token), errors as alerts, and "Copied"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_playground import open_playground
from tests.support.app_process import signed_in_context
from tests.support.contract_server import Fault

pytestmark = pytest.mark.e2e

FINISHED = re.compile(r"^Run finished in \d+\.\d s\.$")

# Records every text the live region takes, so the test sees what was announced and how often.
RECORD = """() => {
  window.__announced = [];
  const region = document.querySelector('[data-testid=run-announcer]');
  new MutationObserver(() => {
    const text = region.textContent;
    if (text && text !== window.__announced[window.__announced.length - 1]) window.__announced.push(text);
  }).observe(region, {childList: true, subtree: true, characterData: true});
}"""


def announced(page) -> list[str]:
    return page.evaluate("() => window.__announced")


def test_a_run_is_announced_when_it_starts_and_when_it_ends(page, upstream):
    upstream.set_fault("/audio/speech", Fault(delay=2, times=1))
    open_playground(page, "tts")
    region = page.get_by_test_id("run-announcer")
    expect(region).to_have_attribute("role", "status")
    page.evaluate(RECORD)
    page.get_by_test_id("field-input").fill("a lighthouse")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-audio")).to_be_attached(timeout=30_000)
    expect(region).to_have_text(FINISHED)
    assert announced(page)[0] == "Running…" and len(announced(page)) == 2, announced(page)


def test_the_chat_answer_is_announced_once_when_it_ends_not_token_by_token(page, upstream):
    upstream.stream_delay = 0.1
    open_playground(page, "gpt-4")
    # The conversation itself is no live region: tokens arriving there are not read out one by one.
    assert page.get_by_test_id("conversation").get_attribute("aria-live") is None
    page.evaluate(RECORD)
    page.get_by_test_id("chat-input").fill("tell me about the sea and the sky")
    page.get_by_test_id("chat-send").click()
    region = page.get_by_test_id("run-announcer")
    expect(region).to_have_text(re.compile(r"^Answer: Echo: .+"), timeout=30_000)
    text = page.get_by_test_id("message-assistant").last.locator("p").last.inner_text()
    assert "sky" in text
    expect(region).to_have_text(f"Answer: {text}")
    assert announced(page) == ["Running…", f"Answer: {text}"]


def test_a_failed_run_is_announced_and_its_error_is_an_alert(page, upstream):
    upstream.set_fault("/audio/speech", Fault(status=500, times=1))
    open_playground(page, "tts")
    page.get_by_test_id("field-input").fill("a lighthouse")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("run-announcer")).to_have_text("Run failed.", timeout=30_000)
    expect(page.get_by_role("alert").filter(has=page.get_by_test_id("run-error"))).to_be_visible()


def test_copy_is_announced(page):
    open_playground(page, "local-smollm2-135m-instruct")
    page.get_by_test_id("chat-input").fill("Name a colour.")
    page.get_by_test_id("chat-input").press("Enter")
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=60_000)
    region = page.get_by_test_id("copy-announcer")
    expect(region).to_have_attribute("role", "status")
    expect(region).to_have_text("")
    page.get_by_test_id("copy-answer").last.click()
    expect(region).to_have_text("Copied to the clipboard.")


def test_reduced_motion_turns_transitions_and_animations_off(browser, app_server, upstream):
    upstream.set_fault("/audio/speech", Fault(delay=3, times=1))
    context = signed_in_context(browser, app_server.url, "admin", reduced_motion="reduce")
    try:
        page = context.new_page()
        open_playground(page, "tts")
        page.get_by_test_id("field-input").fill("a lighthouse")
        page.get_by_test_id("run").click()
        bar = page.locator("[role=progressbar] > div")
        expect(bar).to_be_visible()
        durations = bar.evaluate("el => getComputedStyle(el).transitionDuration").split(",")
        assert all(float(d.strip().removesuffix("s")) <= 0.001 for d in durations), durations
        running = page.evaluate("() => document.getAnimations().filter(a => a.playState === 'running').length")
        assert running == 0
    finally:
        context.close()
