"""A model's page in Chromium: tabs in the URL, the API tab's code and Copy, the Readme, not-found."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ai_registry.catalog.builtin import load_builtin_catalog
from tests.e2e.conftest import UPSTREAM_KEY, copy_and_read, screenshot

pytestmark = pytest.mark.e2e

BASE = "/dashboard/ai-settings"
LOCAL_SLUGS = [
    "local-smollm2-135m-instruct",
    "local-all-minilm-l6-v2",
    "local-whisper-tiny-en",
    "local-piper-en-us-joe",
]


def open_model(page, slug: str, query: str = "") -> None:
    page.goto(f"{BASE}/{slug}{query}")
    page.wait_for_load_state("networkidle")


def test_every_model_has_its_page(page):
    for model in load_builtin_catalog():
        open_model(page, model.slug, "?tab=api")
        expect(page.get_by_test_id("model-name")).to_have_text(model.name)
        expect(page.get_by_test_id("parameter-row")).to_have_count(len(model.parameters))
    for slug in LOCAL_SLUGS:
        open_model(page, slug)
        expect(page.get_by_test_id("model-name")).to_contain_text("local")
    assert page.js_errors == []


def test_tabs_live_in_the_url(page):
    open_model(page, "alibaba-wan-22-i2v-720p")
    expect(page.get_by_test_id("detail-tab-playground")).to_have_attribute("aria-selected", "true")
    page.get_by_test_id("detail-tab-api").click()
    page.wait_for_url(re.compile(r"\?tab=api$"))
    expect(page.get_by_test_id("panel-api")).to_be_visible()
    page.get_by_test_id("detail-tab-readme").click()
    page.wait_for_url(re.compile(r"\?tab=readme$"))
    expect(page.get_by_test_id("readme")).to_be_visible()

    page.go_back()
    page.wait_for_url(re.compile(r"\?tab=api$"))
    expect(page.get_by_test_id("panel-api")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"alibaba-wan-22-i2v-720p$"))
    expect(page.get_by_test_id("panel-playground")).to_be_visible()
    page.go_forward()
    page.wait_for_url(re.compile(r"\?tab=api$"))
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("detail-tab-api")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("panel-api")).to_be_visible()


def test_unknown_tab_falls_back_to_playground(page):
    open_model(page, "gpt-4", "?tab=settings")
    expect(page.get_by_test_id("panel-playground")).to_be_visible()


def test_unknown_slug_is_a_proper_not_found_page(page):
    open_model(page, "no-such-model")
    expect(page.get_by_test_id("model-not-found")).to_contain_text("no-such-model")
    page.get_by_role("link", name="Back to all models").click()
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/?$"))
    expect(page.locator("[data-testid=model-card]").first).to_be_visible()


def test_back_link_keeps_the_gallery_filters(page):
    page.goto(f"{BASE}?category=video&sort=name")
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=model-card][data-slug='cogvideox-2b']").click()
    page.wait_for_url(re.compile(r"/cogvideox-2b$"))
    back = page.get_by_test_id("back-to-gallery")
    expect(back).to_have_attribute("href", "/dashboard/ai-settings?category=video&sort=name")
    back.click()
    page.wait_for_url(re.compile(r"category=video&sort=name"))
    expect(page.get_by_test_id("result-count")).to_have_text("5 models")


def test_api_tab_formats_and_copy(page, app_server):
    open_model(page, "alibaba-wan-22-i2v-720p", "?tab=api")
    code = page.get_by_test_id("code-block")
    # Issue 13: the snippet calls this registry with a key of this registry by default.
    expect(code).to_contain_text(f"curl -X POST {app_server.url}/v1/wan-2-2-i2v-720/run")
    expect(code).to_contain_text("Authorization: Bearer YOUR_KEY_FROM_DEVELOPER_SETTINGS")
    expect(code).to_contain_text('"num_inference_steps": 40')
    clipboard = copy_and_read(page, page.get_by_test_id("copy-code"))
    expect(page.get_by_test_id("copy-code")).to_have_text("Copied")
    assert clipboard == code.inner_text().strip("\n") or clipboard.strip() == code.inner_text().strip()
    # Issue 10: comment lines saying where the key comes from come first, then the command.
    assert clipboard.startswith("# YOUR_KEY_FROM_DEVELOPER_SETTINGS: an API key of this registry")
    command = clipboard[clipboard.index("\ncurl ") + 1 :]
    assert command.startswith(f"curl -X POST {app_server.url}/v1/wan-2-2-i2v-720/run")

    page.get_by_test_id("format-http").click()
    expect(code).to_contain_text("POST /v1/wan-2-2-i2v-720/run HTTP/1.1")
    expect(page.get_by_test_id("copy-code")).to_have_text("Copy")
    page.get_by_test_id("format-python").click()
    expect(code).to_contain_text("import httpx")
    page.get_by_test_id("format-javascript").click()
    expect(code).to_contain_text("fetch(")
    # The direct form: the upstream's own URL and one's own AINative key.
    page.get_by_test_id("call-mode-direct").click()
    expect(page.get_by_test_id("call-mode-direct")).to_have_attribute("aria-checked", "true")
    page.get_by_test_id("format-curl").click()
    expect(code).to_contain_text("curl -X POST https://api.ainative.studio/v1/wan-2-2-i2v-720/run")
    expect(code).to_contain_text("Authorization: Bearer YOUR_API_KEY")
    expect(page.get_by_test_id("key-line")).to_contain_text("an AINative API key (AINATIVE_API_KEY)")
    # A video model: the runs API form, start then poll.
    page.get_by_test_id("call-mode-runs").click()
    expect(code).to_contain_text("/api/runs")
    expect(code).to_contain_text("for _ in $(seq 450)")
    screenshot(page, "detail-api-desktop")


def test_audio_snippet_is_multipart_and_chat_streams(page):
    open_model(page, "whisper-transcription", "?tab=api")
    expect(page.get_by_test_id("code-block")).to_contain_text("-F 'file=@")
    open_model(page, "gpt-4", "?tab=api")
    expect(page.get_by_test_id("code-block")).to_contain_text('"stream": true')


def test_snippets_never_hold_the_upstream_key(page):
    """The upstream key is write-only: even an admin's snippet has only the placeholder, and no
    "Insert my API key" or "Reveal key" control exists any more."""
    open_model(page, "qwen-image-edit", "?tab=api")
    code = page.get_by_test_id("code-block")
    expect(code).to_contain_text("YOUR_KEY_FROM_DEVELOPER_SETTINGS")
    page.get_by_test_id("call-mode-direct").click()
    expect(code).to_contain_text("YOUR_API_KEY")
    expect(page.get_by_test_id("use-key")).to_have_count(0)
    expect(page.get_by_test_id("reveal-key")).to_have_count(0)
    assert UPSTREAM_KEY not in page.content() and "e2e…" not in page.content()


def test_readme_renders_sections_tables_and_code(page):
    open_model(page, "alibaba-wan-22-i2v-720p", "?tab=readme")
    readme = page.get_by_test_id("readme")
    headings = readme.locator("h2").all_inner_texts()
    for section in ("Overview", "Features", "Parameters", "Examples", "Use cases", "Pricing", "Rate limits",
                    "Best practices", "Limitations"):
        assert any(section in h for h in headings), (section, headings)
    expect(readme.locator("table").first).to_be_visible()
    expect(readme.locator("pre code").first).to_be_visible()
    expect(readme).to_contain_text("$0.48")
    expect(page.get_by_test_id("rate-limit")).to_have_text("2 requests per minute")
    screenshot(page, "detail-readme-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "detail-readme-phone")


HOSTILE = {
    "id": "evil-model",
    "name": "Evil <img src=x onerror=\"window.__pwned=1\"> model",
    "provider": "Mallory",
    "category": "image",
    "capabilities": ["image-generation"],
    "description": "<script>window.__pwned=2</script>Looks harmless",
    "endpoint": "/v1/multimodal/image",
    "thumbnail_url": "javascript:window.__pwned=3",
    "readme": "# Evil\n\n<script>window.__pwned=4</script>\n\n<a href=\"javascript:window.__pwned=5\">click</a>"
    "\n\n<img src=x onerror=\"window.__pwned=6\">\n\n<div onclick=\"window.__pwned=7\">box</div>",
}


def test_hostile_upstream_cannot_run_script(page, upstream):
    upstream.registry_models = [HOSTILE]
    page.wait_for_timeout(1_200)  # past the app's 1 s cache TTL
    page.goto(BASE + "?q=mallory")
    page.wait_for_load_state("networkidle")
    card = page.locator("[data-testid=model-card][data-slug='evil-model']")
    expect(card).to_be_visible(timeout=15_000)
    expect(card.locator("img")).to_have_count(0)  # the javascript: thumbnail was dropped
    card.click()
    page.wait_for_url(re.compile(r"/evil-model$"))
    expect(page.get_by_test_id("model-name")).to_contain_text("<img src=x")  # shown as text
    page.get_by_test_id("detail-tab-readme").click()
    readme = page.get_by_test_id("readme")
    expect(readme).to_contain_text("click")
    page.locator("[data-testid=readme] a", has_text="click").click()
    page.locator("[data-testid=readme] div", has_text="box").last.click()
    html = readme.inner_html()
    assert "<script" not in html and "onerror" not in html and "onclick" not in html and "javascript:" not in html
    assert page.evaluate("window.__pwned") is None


def test_browser_title_is_the_model_name(page):
    """The tab says which model is open: on a first load and after moving between models in the app."""
    page.goto("/dashboard/ai-settings/local-piper-en-us-joe")
    expect(page).to_have_title("Piper Joe (en_US, local) · AI Model Registry")
    page.get_by_role("link", name="All models").click()
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/?$"))
    expect(page).to_have_title("AI Models · AI Model Registry")
    page.locator("[data-testid=model-card][data-slug='gpt-4']").click()
    page.wait_for_url(re.compile(r"/gpt-4$"))
    expect(page).to_have_title("GPT-4 · AI Model Registry")
    page.goto("/dashboard/ai-settings/no-such-model")
    expect(page).to_have_title("Model not found · AI Model Registry")
