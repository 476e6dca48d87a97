"""axe-core on what a page becomes as it is used: each kind's playground after a real run (its result
viewer), while a run is in progress, with field and upload errors, without an upstream key, the
request log with a run open, and Developer settings showing a new key. Each state is checked at a
desktop's width and again at a phone's, with no violation of any impact.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UPSTREAM_KEY, set_upstream_key
from tests.e2e.test_accessibility_routes import all_violations, describe
from tests.e2e.test_playground import open_playground, upload
from tests.support.contract_server import Fault
from tests.support.media import png_bytes, wav_bytes

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 60_000
# Upstream models keep their published rate limits in these tests (Qwen 5, Wan and Sora 2 runs a
# minute): each state runs a model the other e2e files leave alone, or a local one, which has none.


def check_both_widths(page) -> None:
    """No axe violation at 1280 px, nor after the same page narrows to 375 px."""
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)  # let the layout settle after the resize
        violations = all_violations(page)
        assert violations == [], f"at {width} px:\n{describe(violations)}"


def chat_answered(page, files) -> None:
    open_playground(page, "local-smollm2-135m-instruct")
    page.get_by_test_id("chat-input").fill("Name a colour.")
    page.get_by_test_id("chat-input").press("Enter")
    expect(page.get_by_test_id("message-assistant")).to_have_count(1, timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=RUN_TIMEOUT)


def embeddings_compared(page, files) -> None:
    open_playground(page, "local-all-minilm-l6-v2")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("similarity-table")).to_be_visible(timeout=RUN_TIMEOUT)


def image_made(page, files) -> None:
    open_playground(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a red kite over green hills")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-image")).to_be_visible(timeout=RUN_TIMEOUT)


def video_made(page, files) -> None:
    open_playground(page, "sora-2-i2v")
    upload(page, files["png"])
    expect(page.get_by_test_id("upload-preview")).to_be_visible()
    page.get_by_test_id("field-motion_prompt").fill("the boat drifts slowly")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-video")).to_be_visible(timeout=RUN_TIMEOUT)


def speech_spoken(page, files) -> None:
    open_playground(page, "local-piper-en-us-joe")
    page.get_by_test_id("field-input").fill("Hello from the registry.")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-audio")).to_be_attached(timeout=RUN_TIMEOUT)


def speech_transcribed(page, files) -> None:
    open_playground(page, "local-whisper-tiny-en")
    upload(page, files["wav"])
    expect(page.get_by_test_id("upload-name")).to_be_visible()
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-text")).to_be_visible(timeout=RUN_TIMEOUT)


def fields_refused(page, files) -> None:
    open_playground(page, "text-to-video")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("field-error-prompt")).to_have_text("Required")
    expect(page.get_by_test_id("run-error")).to_be_visible()


def upload_refused(page, files) -> None:
    open_playground(page, "alibaba-wan-22-i2v-720p")
    upload(page, files["txt"])
    expect(page.get_by_test_id("upload-error")).to_be_visible()


def run_in_progress(page, files) -> None:
    page.upstream.set_fault("/audio/speech", Fault(delay=30, times=1))
    open_playground(page, "tts")
    page.get_by_test_id("field-input").fill("slow")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("progress")).to_be_visible()


def request_log_opened(page, files) -> None:
    speech_spoken(page, files)
    page.get_by_test_id("request-logs").click()
    page.get_by_test_id("run-row").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("selected-run")).to_be_visible()


def new_key_shown(page, files) -> None:
    page.goto("/dashboard/developer-settings")
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("key-name-input").fill("axe check")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("new-key-box")).to_be_visible()


STATES: dict[str, Callable] = {
    "chat-answered": chat_answered,
    "embeddings-compared": embeddings_compared,
    "image-made": image_made,
    "video-made": video_made,
    "speech-spoken": speech_spoken,
    "speech-transcribed": speech_transcribed,
    "fields-refused": fields_refused,
    "upload-refused": upload_refused,
    "run-in-progress": run_in_progress,
    "request-log-opened": request_log_opened,
    "new-key-shown": new_key_shown,
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"png": tmp_path / "boat.png", "wav": tmp_path / "speech.wav", "txt": tmp_path / "notes.txt"}
    paths["png"].write_bytes(png_bytes(64, 48, (30, 120, 200)))
    paths["wav"].write_bytes(wav_bytes(seconds=1.0))
    paths["txt"].write_text("not an image")
    return paths


@pytest.mark.parametrize("state", list(STATES))
def test_no_axe_violation_in_each_state(page, upstream, files, state: str) -> None:
    page.upstream = upstream
    STATES[state](page, files)
    check_both_widths(page)


def test_no_axe_violation_when_the_upstream_key_is_missing(page, app_server) -> None:
    set_upstream_key(app_server.data_dir, None)
    try:
        open_playground(page, "qwen-image-edit")
        expect(page.get_by_test_id("no-key-notice")).to_be_visible()
        check_both_widths(page)
        page.get_by_test_id("field-prompt").fill("anything")
        page.get_by_test_id("run").click()
        expect(page.get_by_test_id("run-error")).to_be_visible()
        check_both_widths(page)
    finally:
        set_upstream_key(app_server.data_dir, UPSTREAM_KEY)
