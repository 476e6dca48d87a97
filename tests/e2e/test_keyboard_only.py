"""Each kind's whole job with the keyboard alone (issue 19): Tab to the form, type, choose a file from
the drop zone with Enter or Space, move a slider with the arrow keys, run, reach the result, download
it, open the request log and go Back. Every stop on the way shows a focus ring, and focus is never
dropped to the page after a run or an error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.test_accessibility import FOCUSED
from tests.e2e.test_playground import open_playground
from tests.support.media import png_bytes, wav_bytes

pytestmark = pytest.mark.e2e

MAX_TABS = 80  # bounded: the furthest stop on any playground is well under this
RUN_TIMEOUT = 60_000
# Whether the focused element draws a focus indicator: an outline or a ring (box shadow).
RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
}"""


def tab_to(page, testid: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element with `testid` has focus; every stop shows a ring."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":
            continue  # past the page's last stop, focus is in the browser's own bar for one press
        assert page.evaluate(RING), f"no visible focus ring on {focused}"
        if focused["testid"] == testid:
            return
    raise AssertionError(f"{testid} was not reached in {MAX_TABS} presses of {key}")


def assert_focus_kept(page) -> None:
    """Focus is on an element of the page, not dropped to <body>."""
    assert page.evaluate("() => document.activeElement && document.activeElement !== document.body")


def start(page, slug: str) -> None:
    open_playground(page, slug)
    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")


def run_and_reach_the_result(page, result_testid: str) -> None:
    tab_to(page, "run")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id(result_testid)).to_be_visible(timeout=RUN_TIMEOUT)
    assert_focus_kept(page)


def download_then_log_then_back(page, slug: str) -> None:
    tab_to(page, "download")
    with page.expect_download() as caught:
        page.keyboard.press("Enter")
    assert Path(caught.value.path()).stat().st_size > 0
    tab_to(page, "request-logs")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/{slug}/runs$"))
    expect(page.get_by_test_id("run-row").first).to_contain_text("succeeded")
    # Back: the browser's own (Alt+Left in a desktop browser; headless Chromium has no such shortcut).
    page.go_back()
    page.wait_for_url(re.compile(rf"/{slug}$"))
    expect(page.get_by_test_id("input-panel")).to_be_visible()


def choose_file_by_key(page, key: str, path: Path) -> None:
    """With the drop zone focused, `key` opens the file chooser and the file is picked there. A press
    that lands before the page has wired the zone's keys is pressed again, as a person would (3 at most)."""
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            continue
        chooser.value.set_files(str(path))
        return


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"png": tmp_path / "boat.png", "wav": tmp_path / "speech.wav"}
    paths["png"].write_bytes(png_bytes(64, 48, (30, 120, 200)))
    paths["wav"].write_bytes(wav_bytes(seconds=1.0))
    return paths


def test_image_by_keyboard(page):
    start(page, "qwen-image-edit")
    tab_to(page, "field-prompt")
    page.keyboard.type("a red kite over green hills")
    tab_to(page, "slider-width")
    before = int(page.get_by_test_id("field-width").input_value())
    page.keyboard.press("ArrowRight")  # one step of 64 px
    expect(page.get_by_test_id("field-width")).to_have_value(str(before + 64))
    run_and_reach_the_result(page, "result-image")
    download_then_log_then_back(page, "qwen-image-edit")


def test_video_by_keyboard_with_the_file_chosen_from_the_drop_zone(page, files):
    # Seedance, not Wan: Wan's 2 runs a minute go to the playground tests.
    start(page, "seedance-i2v")
    tab_to(page, "upload-zone")
    choose_file_by_key(page, "Enter", files["png"])
    expect(page.get_by_test_id("upload-preview")).to_be_visible()
    tab_to(page, "field-motion_prompt")
    page.keyboard.type("the boat drifts slowly")
    run_and_reach_the_result(page, "result-video")
    download_then_log_then_back(page, "seedance-i2v")


def test_transcription_by_keyboard_with_space_on_the_drop_zone(page, files):
    start(page, "local-whisper-tiny-en")
    tab_to(page, "upload-zone")
    choose_file_by_key(page, "Space", files["wav"])
    expect(page.get_by_test_id("upload-name")).to_contain_text("speech.wav")
    run_and_reach_the_result(page, "result-text")


def test_speech_by_keyboard(page):
    start(page, "local-piper-en-us-joe")
    tab_to(page, "field-input")
    page.keyboard.type("Hello from the keyboard.")
    run_and_reach_the_result(page, "result-audio")
    download_then_log_then_back(page, "local-piper-en-us-joe")


def test_embeddings_by_keyboard(page):
    start(page, "local-all-minilm-l6-v2")
    tab_to(page, "field-input")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("A line typed at the keyboard.")
    run_and_reach_the_result(page, "similarity-table")
    tab_to(page, "copy-vectors")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("copy-announcer")).to_have_text("Copied to the clipboard.")


def test_chat_by_keyboard(page):
    start(page, "local-smollm2-135m-instruct")
    tab_to(page, "chat-input")
    page.keyboard.type("Name a colour.")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message-assistant")).to_have_count(1, timeout=RUN_TIMEOUT)
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=RUN_TIMEOUT)
    assert_focus_kept(page)
    tab_to(page, "slider-temperature")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("field-temperature")).not_to_have_value("0.7")
    tab_to(page, "copy-answer", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("copy-announcer")).to_have_text("Copied to the clipboard.")


def test_focus_stays_after_an_error(page):
    start(page, "text-to-video")
    run_and_refuse = page.get_by_test_id("run")
    tab_to(page, "run")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("field-error-prompt")).to_have_text("Required")
    assert_focus_kept(page)
    expect(run_and_refuse).to_be_focused()
