"""Issue 10, as a newcomer meets it in Chromium: copy a snippet and run it, chat with Enter and Copy,
example inputs to run at once, one price story for Wan, "not charged" for a failed run."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, copy_and_read
from tests.support.app_process import signed_in_context
from tests.support.contract_server import Fault

pytestmark = pytest.mark.e2e

BASE = "/dashboard/ai-settings"
SETTINGS = "/dashboard/developer-settings"


def open_model(page, slug: str, query: str = "") -> None:
    page.goto(f"{BASE}/{slug}{query}")
    page.wait_for_load_state("networkidle")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def create_server_key(page) -> str:
    """Developer settings, Create an API Key, as a person does: the key shown once."""
    page.goto(SETTINGS)
    expect(page.get_by_test_id("create-key")).to_be_enabled()
    page.get_by_test_id("key-name-input").fill("first hour")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("new-key-box")).to_be_visible(timeout=30_000)
    return page.get_by_test_id("new-key-value").inner_text().strip()


# --- 4 and 5: the snippet as copied, and which key it needs ---------------------------------------


def test_copied_local_speech_snippet_writes_a_wav(page, app_server, tmp_path: Path):
    key = create_server_key(page)
    open_model(page, "local-piper-en-us-joe", "?tab=api")
    line = page.get_by_test_id("key-line")
    expect(line).to_contain_text("an API key of this registry")
    expect(line.get_by_role("link")).to_have_attribute("href", "/dashboard/developer-settings#api-keys-section")
    code = copy_and_read(page, page.get_by_test_id("copy-code"))
    expect(page.get_by_test_id("copy-code")).to_contain_text("Copied")
    assert code.startswith("# YOUR_KEY_FROM_DEVELOPER_SETTINGS: an API key of this registry")
    assert "-o speech.wav" in code
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run(
        ["bash", "-c", code.replace("YOUR_KEY_FROM_DEVELOPER_SETTINGS", key)],
        cwd=tmp_path, env=env, capture_output=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""  # nothing binary on the terminal
    assert (tmp_path / "speech.wav").read_bytes()[:4] == b"RIFF"
    line.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/dashboard/developer-settings#api-keys-section$"))
    expect(page.get_by_test_id("api-keys")).to_be_visible()


def test_upstream_api_tab_names_the_ainative_key(page):
    """Issue 13: an upstream model's snippet calls this registry by default; the direct form names the
    AINative key."""
    open_model(page, "gpt-4", "?tab=api")
    line = page.get_by_test_id("key-line")
    expect(line).to_contain_text("an API key of this registry")
    expect(page.get_by_test_id("code-block")).to_contain_text("# YOUR_KEY_FROM_DEVELOPER_SETTINGS: an API key")
    page.get_by_test_id("call-mode-direct").click()
    expect(line).to_contain_text("an AINative API key (AINATIVE_API_KEY)")
    expect(line).to_contain_text("keys from this registry's Developer settings do not work here")
    expect(line.get_by_role("link")).to_have_attribute("href", "/dashboard/developer-settings#upstream-key-section")
    expect(page.get_by_test_id("code-block")).to_contain_text("# YOUR_API_KEY: an AINative API key")


# --- 6: one price story -------------------------------------------------------------------------


def test_wan_price_table_is_what_a_run_costs(page):
    open_model(page, "alibaba-wan-22-i2v-720p")
    table = page.get_by_test_id("price-table")
    expect(table).to_contain_text("5s (duration)")
    expect(table).to_contain_text("$0.30")
    assert "$0.20" not in table.inner_text() and "400 credits" not in table.inner_text()
    expect(page.get_by_test_id("pricing-note")).to_contain_text("Estimates use the duration table.")
    # The Run button prices the default duration (8 s) by the same table.
    expect(table).to_contain_text("8s (duration)$0.48")
    expect(page.get_by_test_id("run")).to_contain_text("$0.48")


def test_a_failed_run_is_not_charged(page, upstream):
    upstream.set_fault("/multimodal/image", Fault(status=500))
    open_model(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a run the upstream fails")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("run-error")).to_be_visible(timeout=30_000)
    page.get_by_test_id("request-logs").click()
    row = page.get_by_test_id("run-row").first
    expect(row).to_contain_text("failed")
    expect(row).to_contain_text("not charged")
    assert "unknown" not in row.inner_text()


# --- 7: chat ------------------------------------------------------------------------------------


def test_chat_enter_sends_shift_enter_breaks_copy_and_usage(page):
    open_model(page, "local-smollm2-135m-instruct")
    box = page.get_by_test_id("chat-input")
    box.click()
    box.type("Name a colour.")
    box.press("Shift+Enter")
    box.type("Answer in one word.")
    expect(box).to_have_value("Name a colour.\nAnswer in one word.")
    expect(page.get_by_test_id("message-user")).to_have_count(0)  # Shift+Enter did not send
    box.press("Enter")
    expect(page.get_by_test_id("message-user")).to_have_count(1)
    expect(page.get_by_test_id("message-user")).to_contain_text("Answer in one word.")
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=120_000)
    answer = page.get_by_test_id("message-assistant").last
    expect(answer).not_to_be_empty()
    expect(box).to_have_value("")
    usage = page.get_by_test_id("chat-usage")
    expect(usage).to_have_text(
        re.compile(r"^\d+ prompt tokens · \d+ completion tokens · first token \d+\.\d\d s · \d+\.\d tokens/s$")
    )
    text = answer.locator("p").last.inner_text()
    assert copy_and_read(page, answer.get_by_test_id("copy-answer")) == text and text.strip()
    page.get_by_text("JSON response").click()
    expect(page.get_by_test_id("response-json")).to_contain_text('"completion_tokens"')
    shot(page, "first-hour-chat-answered-1280")
    assert page.js_errors == []


# --- 8: something to try with -------------------------------------------------------------------


def test_embeddings_start_with_examples_that_run(page):
    open_model(page, "local-all-minilm-l6-v2")
    box = page.get_by_test_id("field-input")
    expect(box).to_have_value(re.compile(r"\S.*\n.*\S"))
    lines = box.input_value().splitlines()
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-dimensions")).to_have_text(
        f"{len(lines)} vectors of 384 dimensions", timeout=60_000
    )
    shot(page, "first-hour-embeddings-run-1280")


def test_speech_to_text_use_a_sample_then_transcribe(page):
    open_model(page, "local-whisper-tiny-en")
    page.get_by_test_id("use-sample").click()
    expect(page.get_by_test_id("upload-name")).to_contain_text("sample-recording.wav", timeout=60_000)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-text")).to_contain_text(
        re.compile(r"quick brown fox", re.IGNORECASE), timeout=60_000
    )
    shot(page, "first-hour-sample-transcribed-1280")


@pytest.mark.parametrize("width", [375, 1280])
def test_first_hour_playground_screenshots(browser, app_server, width):
    context = signed_in_context(browser, app_server.url, "admin", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for slug in ("local-smollm2-135m-instruct", "local-all-minilm-l6-v2", "local-whisper-tiny-en"):
            open_model(page, slug)
            expect(page.get_by_test_id("input-panel")).to_be_visible()
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{slug} overflows by {overflow}px at {width}px"
            shot(page, f"first-hour-{slug}-{width}")
        open_model(page, "local-piper-en-us-joe", "?tab=api")
        shot(page, f"first-hour-api-tab-{width}")
        open_model(page, "alibaba-wan-22-i2v-720p")
        shot(page, f"first-hour-wan-{width}")
    finally:
        context.close()


# --- 10: start-up says nothing the README contradicts ---------------------------------------------


def test_start_up_log_agrees_with_the_readme(app_server):
    log = app_server.log_path.read_text(errors="replace")
    assert "App running at" in log
    assert "Node.js is out of date" not in log and "uv run" not in log
