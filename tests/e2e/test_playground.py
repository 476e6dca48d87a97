"""Playgrounds in Chromium: the right widgets for every model, field errors, real runs, history."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from ai_registry.catalog.builtin import load_builtin_catalog
from tests.e2e.conftest import UPSTREAM_KEY, screenshot, set_upstream_key
from tests.support.media import png_bytes, wav_bytes

pytestmark = pytest.mark.e2e

BASE = "/dashboard/ai-settings"
HIDDEN = {"messages", "stream"}  # the chat UI's own widgets


def open_playground(page, slug: str, query: str = "") -> None:
    page.goto(f"{BASE}/{slug}{query}")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("input-panel")).to_be_visible()


def field(page, name: str):
    return page.locator(f"[data-testid=form-field][data-field='{name}']")


@pytest.fixture
def media_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "png": tmp_path / "boat.png",
        "wav": tmp_path / "speech.wav",
        "txt": tmp_path / "notes.txt",
    }
    files["png"].write_bytes(png_bytes(64, 48, (30, 120, 200)))
    files["wav"].write_bytes(wav_bytes(seconds=1.0))
    files["txt"].write_text("not an image")
    return files


def upload(page, path: Path) -> None:
    page.get_by_test_id("upload-zone").locator("input[type=file]").set_input_files(str(path))


def download(page, link) -> tuple[str, bytes]:
    """Click a Download link as a person does: the browser saves a file (name, bytes) and the page stays."""
    before = page.url
    with page.expect_download(timeout=20_000) as info:
        link.click()
    saved = info.value
    assert saved.failure() is None, saved.failure()
    assert page.url == before, f"the click navigated to {page.url}"
    expect(page.get_by_text("Page not found")).to_have_count(0)
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def served(app_server, url: str) -> bytes:
    """The bytes the app serves at `url` (a path), fetched outside the browser."""
    response = httpx.get(app_server.url + url, cookies=app_server.cookies(), timeout=20)  # the admin's session
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def assert_download_is_the_output(page, app_server, link, media) -> bytes:
    """The saved file is byte for byte the run's output that `media` (an img/video/audio) shows."""
    src = media.get_attribute("src")
    name, body = download(page, link)
    assert name == src.rsplit("/", 1)[-1]
    assert body == served(app_server, src) and len(body) > 0
    return body


def test_every_model_gets_the_right_widgets(page):
    for model in load_builtin_catalog():
        open_playground(page, model.slug)
        for param in model.parameters:
            if param.name in HIDDEN:
                continue
            if param.type == "file":
                expect(page.get_by_test_id("upload-zone")).to_be_visible()
            else:
                expect(field(page, param.name)).to_have_count(1)
        if any(p.name == "messages" for p in model.parameters):
            expect(page.get_by_test_id("chat-input")).to_be_visible()
        else:
            expect(page.get_by_test_id("run")).to_be_visible()
    open_playground(page, "alibaba-wan-22-i2v-720p")
    for seconds in (5, 8, 10, 15):
        expect(page.get_by_test_id(f"option-duration-{seconds}")).to_have_text(f"{seconds}s")
    page.get_by_test_id("additional-settings").click()
    for name in ("num_inference_steps", "guidance", "flow_shift"):
        expect(page.get_by_test_id(f"slider-{name}")).to_be_visible()
    # Every slider's range (the seed's runs to 2147483647) reads on one line at 1280 px.
    ranges = page.locator("[data-testid^='range-']")
    expect(ranges).to_have_count(4)
    for label in ranges.all():
        lines = label.evaluate("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
        assert lines < 1.5, f"{label.inner_text()} wraps onto {lines:.1f} lines"
    for name in ("seed", "enable_prompt_optimization", "enable_safety_checker"):
        expect(page.get_by_test_id(f"field-{name}")).to_be_visible()
    screenshot(page, "playground-video-desktop")
    assert page.js_errors == []


def test_price_follows_the_duration(page):
    open_playground(page, "alibaba-wan-22-i2v-720p")
    expect(page.get_by_test_id("run")).to_contain_text("$0.48")
    page.get_by_test_id("option-duration-15").click()
    expect(page.get_by_test_id("run")).to_contain_text("$0.70")
    expect(page.get_by_test_id("rate-text")).to_have_text("Limit: 2 runs per minute")


def test_field_errors_keep_what_was_typed(page):
    open_playground(page, "qwen-image-edit")
    width = page.get_by_test_id("field-width")
    width.fill("5000")
    expect(page.get_by_test_id("field-error-width")).to_contain_text("2048")
    expect(page.get_by_test_id("run")).to_be_disabled()
    prompt = page.get_by_test_id("field-prompt")
    prompt.fill("x" * 2001)
    expect(page.get_by_test_id("field-error-prompt")).to_contain_text("2,000")
    expect(width).to_have_value("5000")
    width.fill("1024")
    prompt.fill("a lighthouse at dusk")
    expect(page.get_by_test_id("field-error-width")).to_have_count(0)
    expect(page.get_by_test_id("field-error-prompt")).to_have_count(0)
    expect(page.get_by_test_id("run")).to_be_enabled()
    page.get_by_test_id("reset").click()
    expect(width).to_have_value("1024")


def test_empty_required_field_blocks_the_run(page):
    open_playground(page, "text-to-video")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("field-error-prompt")).to_have_text("Required")
    expect(page.get_by_test_id("run-error")).to_contain_text("Fix the highlighted fields")


def test_wrong_file_type_is_refused(page, media_files):
    open_playground(page, "alibaba-wan-22-i2v-720p")
    upload(page, media_files["txt"])
    expect(page.get_by_test_id("upload-error")).to_be_visible()
    expect(page.get_by_test_id("upload-name")).to_have_count(0)


def test_image_run_shows_the_image_and_downloads_it(page, upstream, app_server):
    open_playground(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a red kite over green hills")
    page.get_by_test_id("preset-512x512").click()
    expect(page.get_by_test_id("field-width")).to_have_value("512")
    page.get_by_test_id("run").click()
    image = page.get_by_test_id("result-image")
    expect(image).to_be_visible(timeout=30_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    saved = assert_download_is_the_output(page, app_server, page.get_by_test_id("download"), image)
    assert saved.startswith(b"\x89PNG\r\n\x1a\n")
    expect(image).to_be_visible()  # the playground kept its result
    sent = upstream.requests_to("/multimodal/image", "POST")[-1]
    assert sent.json["prompt"] == "a red kite over green hills" and sent.json["width"] == 512
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    screenshot(page, "playground-image-desktop")


def test_video_run_with_an_uploaded_image_plays_and_downloads(page, upstream, media_files, app_server):
    open_playground(page, "alibaba-wan-22-i2v-720p")
    upload(page, media_files["png"])
    expect(page.get_by_test_id("upload-preview")).to_be_visible()
    page.get_by_test_id("field-prompt").fill("the boat drifts slowly")
    page.get_by_test_id("option-duration-5").click()
    page.get_by_test_id("run").click()
    video = page.get_by_test_id("result-video")
    expect(video).to_be_visible(timeout=60_000)
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=video.element_handle(), timeout=20_000)
    body = upstream.requests_to("/wan-2-2-i2v-720/run", "POST")[-1].json
    assert body["input"]["image"].startswith("data:image/png;base64,")
    assert body["duration"] == 5
    expect(page.get_by_test_id("response-json")).to_be_attached()
    assert_download_is_the_output(page, app_server, page.get_by_test_id("download"), video)
    expect(video).to_be_visible()


def test_speech_run_plays_audio_and_downloads(page, app_server):
    open_playground(page, "tts")
    page.get_by_test_id("field-input").fill("Hello from the registry.")
    page.get_by_test_id("run").click()
    audio = page.get_by_test_id("result-audio")
    expect(audio).to_be_attached(timeout=30_000)
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 0", arg=audio.element_handle(), timeout=20_000)
    assert_download_is_the_output(page, app_server, page.get_by_test_id("download"), audio)
    expect(page.get_by_test_id("field-input")).to_have_value("Hello from the registry.")


def test_transcription_run_shows_text(page, media_files):
    open_playground(page, "whisper-transcription")
    upload(page, media_files["wav"])
    expect(page.get_by_test_id("upload-name")).to_contain_text("speech.wav")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-text")).not_to_be_empty(timeout=30_000)


def test_chat_streams_before_the_answer_ends(page, upstream):
    upstream.stream_delay = 0.15
    open_playground(page, "gpt-4")
    page.get_by_test_id("chat-input").fill("tell me about the sea and the sky and the wind")
    page.get_by_test_id("chat-send").click()
    answer = page.get_by_test_id("message-assistant").last
    # The first words are on screen while the stream is still open: Stop is offered and the
    # answer's last word has not arrived yet.
    expect(answer).to_contain_text("Echo:", timeout=20_000)
    partial = answer.inner_text()
    assert page.get_by_test_id("chat-stop").is_visible()
    assert "wind" not in partial, partial
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=30_000)
    expect(answer).to_contain_text("wind")
    page.get_by_test_id("chat-clear").click()
    expect(page.get_by_test_id("message-assistant")).to_have_count(0)


def test_embedding_run_shows_vectors_and_similarity(page):
    open_playground(page, "bge-small-en-v1-5")
    texts = ["How do I rotate an API key for my project?", "Where can I change my key?", "Stock prices fell today"]
    page.get_by_test_id("field-input").fill("\n".join(texts))
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-dimensions")).to_have_text("3 vectors of 384 dimensions", timeout=30_000)
    table = page.get_by_test_id("similarity-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    # At 1280 px every column is on screen, none scrolled out of the panel.
    frame = table.locator("xpath=..").bounding_box()
    for row in table.locator("tbody tr").all():
        last = row.locator("td").last.bounding_box()
        assert last["x"] + last["width"] <= frame["x"] + frame["width"] + 1, (last, frame)
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    expect(table.locator("tbody th").first).to_contain_text("How do I rotate")
    screenshot(page, "playground-embedding-desktop")


def test_run_history_and_reload_into_the_form(page, app_server):
    open_playground(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a paper crane on a desk")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-image")).to_be_visible(timeout=30_000)
    page.get_by_test_id("request-logs").click()
    page.wait_for_url(re.compile(r"/qwen-image-edit/runs$"))
    first = page.get_by_test_id("run-row").first
    expect(first).to_contain_text("succeeded")
    # The row's Download saves the run's image, and the log stays on screen.
    name, body = download(page, first.get_by_role("link", name="Download"))
    assert name.endswith(".png") and body == served(app_server, f"/media/{name}")
    expect(first).to_be_visible()
    first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/runs\?run=[0-9a-f]+$"))
    run_id = page.url.rsplit("=", 1)[-1]
    selected = page.get_by_test_id("selected-run")
    expect(selected).to_contain_text("a paper crane on a desk")
    assert_download_is_the_output(page, app_server, page.get_by_test_id("download-run"), selected.locator("img"))
    # The run's JSON: the file saved is the record the server serves, and it is this run.
    name, body = download(page, page.get_by_test_id("download-run-json"))
    assert name == f"run-{run_id}.json"
    assert body == served(app_server, f"/runs/{run_id}.json")
    record = json.loads(body)
    assert record["id"] == run_id and record["status"] == "succeeded"
    assert record["inputs"]["prompt"] == "a paper crane on a desk"
    assert record["output_url"] == selected.locator("img").get_attribute("src")
    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_test_id("download-run-json")).to_be_in_viewport()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the request log overflows by {overflow}px on a phone"
    screenshot(page, "request-log-run-375")
    # Every row's links are on a phone's screen, not scrolled out sideways; the tab names the model.
    row_download = page.get_by_test_id("run-row").first.get_by_role("link", name="Download")
    row_download.scroll_into_view_if_needed()
    box = row_download.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert page.title() == "Request logs: Qwen Image Edit · AI Model Registry"
    page.set_viewport_size({"width": 1280, "height": 900})
    shared = page.url
    page.get_by_test_id("load-run").click()
    page.wait_for_url(re.compile(r"/qwen-image-edit\?run=[0-9a-f]+$"))
    expect(page.get_by_test_id("field-prompt")).to_have_value("a paper crane on a desk")
    expect(page.get_by_test_id("result-image")).to_be_visible()
    page.goto(shared)
    expect(page.get_by_test_id("selected-run")).to_be_visible()


def test_no_upstream_key_says_what_is_missing(page, app_server):
    set_upstream_key(app_server.data_dir, None)
    try:
        open_playground(page, "qwen-image-edit")
        expect(page.get_by_test_id("no-key-notice")).to_contain_text("AINATIVE_API_KEY")
        page.get_by_test_id("field-prompt").fill("anything")
        page.get_by_test_id("run").click()
        expect(page.get_by_test_id("run-error")).to_contain_text("No upstream API key")
        # Said once: the run's error replaces the notice, which said the same thing.
        expect(page.get_by_test_id("no-key-notice")).to_have_count(0)
        screenshot(page, "playground-no-key-after-run")
        expect(page.get_by_test_id("run-error-link")).to_have_attribute("href", "/dashboard/developer-settings")
        expect(page.get_by_test_id("result-image")).to_have_count(0)
    finally:
        set_upstream_key(app_server.data_dir, UPSTREAM_KEY)


@pytest.mark.parametrize("width", [375, 1600])
def test_playground_layout_screenshots(browser, app_server, width):
    context = app_server.signed_in_context(browser, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for slug in ("alibaba-wan-22-i2v-720p", "gpt-4"):
            page.goto(f"{BASE}/{slug}")
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{slug} overflows by {overflow}px at {width}px"
            screenshot(page, f"playground-{slug}-{width}")
    finally:
        context.close()


def test_api_snippet_follows_the_playground_values(page):
    open_playground(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a teapot shaped like a whale")
    page.get_by_test_id("option-style-watercolor").click()
    page.get_by_test_id("detail-tab-api").click()
    page.wait_for_url(re.compile(r"\?tab=api$"))
    code = page.get_by_test_id("code-block")
    expect(code).to_contain_text('"prompt": "a teapot shaped like a whale"')
    expect(code).to_contain_text('"style": "watercolor"')


def test_latest_run_output_becomes_the_card_thumbnail(page):
    open_playground(page, "qwen-image-edit")
    page.get_by_test_id("field-prompt").fill("a lantern in the fog")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-image")).to_be_visible(timeout=30_000)
    page.goto(BASE + "?category=image")
    thumb = page.locator("[data-testid=model-card][data-slug='qwen-image-edit'] img")
    expect(thumb).to_have_attribute("src", re.compile(r"^/media/.+\.png$"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())


def test_local_models_run_with_no_configuration(page, app_server, tmp_path):
    """The four local models answer for real in their playgrounds, without any key."""
    open_playground(page, "local-all-minilm-l6-v2")
    page.get_by_test_id("field-input").fill("a cat sits on the mat\na kitten rests on a rug\nthe bond market fell")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-dimensions")).to_have_text("3 vectors of 384 dimensions", timeout=60_000)

    open_playground(page, "local-piper-en-us-joe")
    page.get_by_test_id("field-input").fill("The quick brown fox jumps over the lazy dog.")
    page.get_by_test_id("run").click()
    audio = page.get_by_test_id("result-audio")
    expect(audio).to_be_attached(timeout=60_000)
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 1", arg=audio.element_handle(), timeout=20_000)
    speech = tmp_path / "fox.wav"
    src = app_server.url + audio.get_attribute("src")
    assert httpx.get(src, timeout=20).status_code == 401  # media answers only to its owner (and admins)
    speech.write_bytes(httpx.get(src, timeout=20, cookies=app_server.cookies("admin")).content)  # its run

    open_playground(page, "local-whisper-tiny-en")
    upload(page, speech)
    expect(page.get_by_test_id("upload-name")).to_contain_text("fox.wav")
    page.get_by_test_id("run").click()
    text = page.get_by_test_id("result-text")
    expect(text).to_contain_text(re.compile(r"quick brown fox", re.IGNORECASE), timeout=60_000)

    open_playground(page, "local-smollm2-135m-instruct")
    page.get_by_test_id("chat-input").fill("Write three sentences about the ocean.")
    page.get_by_test_id("chat-send").click()
    answer = page.get_by_test_id("message-assistant").last
    expect(answer).not_to_be_empty(timeout=60_000)
    expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=120_000)
    assert len(answer.inner_text().split()) >= 3
    assert page.js_errors == []
