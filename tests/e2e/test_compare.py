"""Compare in Chromium (issue 16): one input, two to four models, side by side, shareable, recorded.

The local chat model against itself at two temperatures (offline, real answers), two upstream image
models against the loopback contract server (picked in the gallery's tray), the comparison's URL in a
second browser context, the vote and the model page's tally, and every kind of bad input.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UPSTREAM_KEY, screenshot, set_upstream_key
from tests.support.app_process import signed_in_context

pytestmark = pytest.mark.e2e

BASE = "/dashboard/ai-settings"
COMPARE = f"{BASE}/compare"
SMOL = "local-smollm2-135m-instruct"
QWEN = "qwen-image-edit"
# A second upstream image model, served by the contract server's registry route.
FLUX = {
    "id": "flux-lite",
    "name": "Flux Lite",
    "provider": "Black Forest Labs",
    "category": "image",
    "capabilities": ["image-generation"],
    "description": "A second image model on the same route, for comparisons.",
    "endpoint": "/v1/multimodal/image",
    "pricing": {"usd": 0.003, "unit": "per image"},
    "parameters": [
        {"name": "prompt", "type": "string", "required": True, "max_length": 2000},
        {"name": "width", "type": "integer", "default": 512, "min": 512, "max": 2048},
        {"name": "height", "type": "integer", "default": 512, "min": 512, "max": 2048},
    ],
}


def open_compare(page, query: str) -> None:
    page.goto(COMPARE + query)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Compare models")).to_be_visible()


def panels(page):
    return page.get_by_test_id("compare-panel")


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def test_the_local_chat_model_against_itself_at_two_temperatures(page, browser, app_server):
    open_compare(page, f"?models={SMOL},{SMOL}")
    expect(panels(page)).to_have_count(2)
    expect(page.get_by_test_id("compare-total")).to_have_text("Free")
    page.get_by_test_id("shared-message").fill("Name three colours of the rainbow.")
    for index, temperature in ((0, "0.1"), (1, "1.4")):
        panel = panels(page).nth(index)
        panel.get_by_test_id("setting-temperature").fill(temperature)
        panel.get_by_test_id("setting-max_tokens").fill("48")
    page.get_by_test_id("compare-run").click()
    # Streamed: a panel shows text while it is still running, and every panel shows progress meanwhile.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=compare-panel]')].some(p =>
             p.dataset.status === 'running'
             && (p.querySelector('[data-testid=panel-text]')?.textContent || '').length)""",
        timeout=90_000,
    )
    expect(page.get_by_test_id("panel-progress").first).to_be_visible()
    for index in (0, 1):
        panel = panels(page).nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=120_000)
        expect(panel.get_by_test_id("panel-text")).not_to_have_text("")
        metrics = panel.get_by_test_id("panel-metrics")
        expect(metrics).to_contain_text("Latency")
        expect(metrics).to_contain_text("First token")
        expect(metrics).to_contain_text(re.compile(r"\d+ prompt \+ \d+ completion tokens"))
        expect(metrics).to_contain_text("Free")
    share = page.get_by_test_id("compare-share")
    expect(share).to_be_visible()
    assert re.search(r"\?session=[0-9a-f]{32}$", page.url), page.url
    answers = [panels(page).nth(i).get_by_test_id("panel-text").inner_text() for i in (0, 1)]
    panels(page).nth(0).get_by_test_id("panel-vote").click()
    expect(panels(page).nth(0).get_by_test_id("panel-winner")).to_be_visible()
    screenshot(page, "compare-chat-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    no_horizontal_overflow(page)
    boxes = [panels(page).nth(i).bounding_box() for i in (0, 1)]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1, "on a phone the panels stack"
    screenshot(page, "compare-chat-phone")
    assert page.js_errors == []

    # A colleague opening the address sees the same panels, answers, settings and winner.
    context = signed_in_context(browser, app_server.url, "admin", viewport={"width": 1280, "height": 900})
    other = context.new_page()
    other.goto(page.url.replace(app_server.url, ""))
    expect(other.get_by_test_id("compare-panel")).to_have_count(2)
    for index in (0, 1):
        panel = other.get_by_test_id("compare-panel").nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded")
        expect(panel.get_by_test_id("panel-text")).to_have_text(answers[index])
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text("completion tokens")
    expect(other.get_by_test_id("compare-panel").nth(1).get_by_test_id("setting-temperature")).to_have_value("1.4")
    expect(other.get_by_test_id("shared-message")).to_have_value("Name three colours of the rainbow.")
    expect(other.get_by_test_id("compare-panel").nth(0).get_by_test_id("panel-winner")).to_be_visible()
    context.close()

    # Both runs are ordinary runs: the model's request log lists them.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{BASE}/{SMOL}/runs")
    expect(page.get_by_text("succeeded").first).to_be_visible()


def test_two_upstream_image_models_from_the_gallery_tray(page, browser, app_server, upstream):
    upstream.registry_models = [FLUX]
    page.wait_for_timeout(1_200)  # past the app's 1 s cache TTL
    page.goto(BASE + "?category=image")
    page.wait_for_load_state("networkidle")
    flux_card = page.locator("[data-testid=model-card][data-slug='flux-lite']")
    expect(flux_card).to_be_visible(timeout=15_000)
    for slug in (QWEN, "flux-lite"):
        page.locator(f"[data-testid=model-card][data-slug='{slug}']").locator("xpath=..").get_by_test_id(
            "compare-toggle"
        ).click()
    tray = page.get_by_test_id("compare-tray")
    expect(tray.get_by_test_id("tray-pick")).to_have_count(2)
    expect(tray).to_contain_text("Qwen")
    expect(tray).to_contain_text("Flux Lite")
    screenshot(page, "compare-tray-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    expect(tray.get_by_test_id("tray-compare")).to_be_in_viewport()
    no_horizontal_overflow(page)
    page.screenshot(path=str(screenshot(page, "compare-tray-phone")))  # the window, with the tray on it
    page.set_viewport_size({"width": 1280, "height": 900})
    tray.get_by_test_id("tray-compare").click()
    page.wait_for_url(re.compile(r"/compare\?models=qwen-image-edit,flux-lite$"))
    expect(panels(page)).to_have_count(2)
    page.get_by_test_id("shared-prompt").fill("A lighthouse at dusk, watercolour")
    # The estimate before the run: each panel's share and the sum ($0.025 + $0.003).
    expect(page.get_by_test_id("compare-total")).to_have_text("$0.028")
    expect(panels(page).nth(0).get_by_test_id("panel-estimate")).to_contain_text("$0.025 · 89% of the total")
    expect(panels(page).nth(1).get_by_test_id("panel-estimate")).to_contain_text("$0.003 · 11% of the total")
    page.get_by_test_id("compare-run").click()
    for index, cost in ((0, "$0.025"), (1, "$0.003")):
        panel = panels(page).nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=60_000)
        image = panel.get_by_test_id("panel-result-image")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text(cost)
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text("1 image")
    assert len(upstream.requests_to("/multimodal/image", "POST")) == 2
    panels(page).nth(1).get_by_test_id("panel-vote").click()
    expect(panels(page).nth(1).get_by_test_id("panel-winner")).to_be_visible()
    screenshot(page, "compare-image-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    no_horizontal_overflow(page)
    screenshot(page, "compare-image-phone")
    shared_url = page.url.replace(app_server.url, "")

    context = signed_in_context(browser, app_server.url, "admin", viewport={"width": 1280, "height": 900})
    other = context.new_page()
    other.goto(shared_url)
    expect(other.get_by_test_id("compare-panel")).to_have_count(2)
    for index in (0, 1):
        panel = other.get_by_test_id("compare-panel").nth(index)
        expect(panel.get_by_test_id("panel-result-image")).to_be_visible()
    expect(other.get_by_test_id("compare-panel").nth(1).get_by_test_id("panel-winner")).to_be_visible()
    context.close()

    # The winner's page shows the tally.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{BASE}/flux-lite")
    expect(page.get_by_test_id("compare-wins")).to_have_text(re.compile(r"Won [1-9]\d* comparisons?"))
    page.set_viewport_size({"width": 375, "height": 812})
    no_horizontal_overflow(page)
    page.screenshot(path=str(screenshot(page, "compare-detail-wins-phone")))  # the window: the model's header
    assert page.js_errors == []


def test_compare_with_from_a_model_page(page):
    page.goto(f"{BASE}/{SMOL}")
    page.get_by_test_id("compare-with").click()
    page.wait_for_url(re.compile(rf"/compare\?models={SMOL}$"))
    expect(panels(page)).to_have_count(1)
    expect(page.get_by_test_id("compare-problem")).to_contain_text("two to four models")
    page.get_by_test_id("compare-picker").select_option("gpt-4")
    page.wait_for_url(re.compile(rf"/compare\?models={SMOL},gpt-4$"))
    expect(panels(page)).to_have_count(2)
    expect(page.get_by_test_id("compare-run")).to_be_enabled()
    # Same settings for all: what is typed in one panel shows in the other, and typing keeps its focus.
    page.get_by_test_id("same-settings").click()  # controlled: it turns on once the server says so
    expect(page.get_by_test_id("same-settings")).to_be_checked()
    first = panels(page).nth(0).get_by_test_id("setting-temperature")
    first.fill("")
    first.press_sequentially("0.35", delay=120)
    expect(first).to_have_value("0.35")
    expect(panels(page).nth(1).get_by_test_id("setting-temperature")).to_have_value("0.35")


@pytest.mark.parametrize(
    ("query", "message", "count"),
    [
        ("", "has no model", 0),
        ("?models=gpt-4", "has one model", 1),
        (f"?models=gpt-4,{QWEN}", "models of one kind are compared", 1),
        ("?models=no-such-model,gpt-4,gpt-3-5-turbo", "No model has the address “no-such-model”", 2),
        (f"?models=gpt-4,gpt-3-5-turbo,claude-3-5-sonnet-20241022,{SMOL},gpt-4", "At most 4 models", 4),
        ("?session=0123456789abcdef", "No comparison has the id", 0),
    ],
)
def test_bad_input_is_a_message_in_the_page(page, app_server, query, message, count):
    answer = httpx.get(app_server.url + COMPARE + query, cookies=app_server.cookies(), timeout=20)
    assert answer.status_code == 200
    open_compare(page, query)
    expect(page.get_by_test_id("compare-problem").filter(has_text=message)).to_have_count(1)
    expect(panels(page)).to_have_count(count)
    assert page.js_errors == []


def test_a_model_nobody_set_a_key_for_says_so_and_the_local_one_still_runs(page, app_server):
    set_upstream_key(app_server.data_dir, None)
    try:
        open_compare(page, f"?models={SMOL},gpt-4")
        remote = panels(page).nth(1)
        expect(remote.get_by_test_id("panel-blocker")).to_contain_text("needs an upstream API key")
        expect(remote.get_by_test_id("panel-estimate")).to_contain_text("does not run")
        page.get_by_test_id("shared-message").fill("Say hi.")
        panels(page).nth(0).get_by_test_id("setting-max_tokens").fill("16")
        page.get_by_test_id("compare-run").click()
        expect(panels(page).nth(0)).to_have_attribute("data-status", "succeeded", timeout=90_000)
        expect(panels(page).nth(0).get_by_test_id("panel-text")).not_to_have_text("")
        expect(remote).to_have_attribute("data-status", "")
        screenshot(page, "compare-no-key-desktop")
    finally:
        set_upstream_key(app_server.data_dir, UPSTREAM_KEY)


def test_embedding_models_each_get_a_similarity_table(page):
    minilm = "local-all-minilm-l6-v2"
    open_compare(page, f"?models={minilm},{minilm}")
    page.get_by_test_id("shared-texts").fill("The cat sat on the mat.\nA cat was sitting on a rug.\nShares fell today.")
    page.get_by_test_id("compare-run").click()
    for index in (0, 1):
        panel = panels(page).nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=60_000)
        table = panel.get_by_test_id("panel-similarity")
        expect(table.locator("tbody tr")).to_have_count(3)
        expect(table.locator("tbody tr").first.locator("td").first).to_have_text("1.000")
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text("3 texts × 384 dimensions")
    assert page.js_errors == []


def test_a_model_that_is_down_says_so_and_the_other_still_runs(page, upstream):
    upstream.registry_models = [{**FLUX, "available": False}]
    page.wait_for_timeout(1_200)  # past the app's 1 s cache TTL
    page.goto(BASE + "?q=flux")  # the gallery refreshes the catalog: the card turns "Unavailable"
    card = page.locator("[data-testid=model-card][data-slug='flux-lite']")
    expect(card.get_by_test_id("availability-down")).to_be_visible(timeout=15_000)
    open_compare(page, f"?models={QWEN},flux-lite")
    down = panels(page).nth(1)
    expect(down.get_by_test_id("panel-blocker")).to_contain_text("unavailable upstream")
    expect(page.get_by_test_id("compare-total")).to_have_text("$0.025")
    page.get_by_test_id("shared-prompt").fill("A red kite")
    page.get_by_test_id("compare-run").click()
    expect(panels(page).nth(0)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(panels(page).nth(0).get_by_test_id("panel-result-image")).to_be_visible()
    expect(down).to_have_attribute("data-status", "")
    assert len(upstream.requests_to("/multimodal/image", "POST")) == 1


def test_video_models_take_one_prompt_under_their_own_names_and_one_source_image(page, upstream, tmp_path):
    from tests.support.media import png_bytes

    picture = tmp_path / "harbour.png"
    picture.write_bytes(png_bytes(64, 48, (30, 120, 200)))
    open_compare(page, "?models=seedance-i2v,text-to-video")
    page.get_by_test_id("shared-prompt").fill("Boats drift across the harbour")
    page.get_by_test_id("shared-upload").locator("input[type=file]").set_input_files(str(picture))
    expect(page.get_by_test_id("shared-file-name")).to_contain_text("harbour.png")
    # Text-to-video takes no image: its panel says so instead of dropping it silently.
    expect(panels(page).nth(1).get_by_test_id("panel-not-taken")).to_contain_text("Source image")
    expect(panels(page).nth(0).get_by_test_id("panel-not-taken")).to_have_count(0)
    expect(page.get_by_test_id("compare-total")).to_have_text("$0.76")
    page.get_by_test_id("compare-run").click()
    for index in (0, 1):
        panel = panels(page).nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=90_000)
        expect(panel.get_by_test_id("panel-result-video")).to_be_visible()
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text("s of video")
    i2v = upstream.requests_to("/multimodal/video/i2v", "POST")[-1].json
    t2v = upstream.requests_to("/multimodal/video/t2v", "POST")[-1].json
    assert i2v["motion_prompt"] == "Boats drift across the harbour" and i2v["image_url"].startswith("data:image/png")
    assert t2v["prompt"] == "Boats drift across the harbour" and "image_url" not in t2v
    screenshot(page, "compare-video-desktop")


def test_text_to_speech_local_and_upstream_play_side_by_side(page):
    open_compare(page, "?models=local-piper-en-us-joe,tts")
    page.get_by_test_id("shared-text").fill("Compare these two voices.")
    expect(panels(page).nth(1).get_by_test_id("panel-estimate")).to_contain_text("$")
    page.get_by_test_id("compare-run").click()
    for index in (0, 1):
        panel = panels(page).nth(index)
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=90_000)
        expect(panel.get_by_test_id("panel-result-audio")).to_be_visible()
        expect(panel.get_by_test_id("panel-metrics")).to_contain_text("25 characters spoken")


def test_each_panel_cancels_on_its_own(page, upstream):
    upstream.registry_models = [FLUX]
    page.wait_for_timeout(1_200)
    page.goto(BASE + "?q=flux")
    expect(page.locator("[data-testid=model-card][data-slug='flux-lite']")).to_be_visible(timeout=15_000)
    upstream.set_latency(4.0)  # every upstream answer takes 4 s: time to cancel one panel
    open_compare(page, f"?models={QWEN},flux-lite")
    page.get_by_test_id("shared-prompt").fill("A paper boat")
    page.get_by_test_id("compare-run").click()
    expect(panels(page).nth(0).get_by_test_id("panel-progress")).to_be_visible()
    panels(page).nth(0).get_by_test_id("panel-cancel").click()
    expect(panels(page).nth(0)).to_have_attribute("data-status", "cancelled", timeout=10_000)
    expect(panels(page).nth(0).get_by_test_id("panel-metrics")).to_contain_text("not charged")
    expect(panels(page).nth(1)).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(panels(page).nth(1).get_by_test_id("panel-result-image")).to_be_visible()
