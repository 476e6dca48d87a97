"""The gallery in Chromium against the production server: what a person sees and does."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.support.app_process import signed_in_context
from tests.support.contract_server import Fault

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"
SPEC_BY_CATEGORY = {
    "Image": {"qwen-image-edit"},
    "Video": {"alibaba-wan-22-i2v-720p", "seedance-i2v", "sora-2-i2v", "text-to-video", "cogvideox-2b"},
    "Audio": {"whisper-transcription", "whisper-translation", "tts"},
    "Coding": {"gpt-4", "gpt-3-5-turbo", "claude-3-5-sonnet-20241022"},
    "Embedding": {"bge-small-en-v1-5", "bge-base-en-v1-5", "bge-large-en-v1-5"},
}
LOCAL_BY_CATEGORY = {
    "Audio": {"local-whisper-tiny-en", "local-piper-en-us-joe"},
    "Coding": {"local-smollm2-135m-instruct"},
    "Embedding": {"local-all-minilm-l6-v2"},
}
ALL_SPEC = set().union(*SPEC_BY_CATEGORY.values())


def slugs(page) -> list[str]:
    return page.locator("[data-testid=model-card]").evaluate_all("els => els.map(e => e.dataset.slug)")


def card(page, slug: str):
    return page.locator(f"[data-testid=model-card][data-slug='{slug}']")


def open_gallery(page, query: str = "") -> None:
    page.goto(GALLERY + query)
    expect(page.locator("[data-testid=model-card]").first).to_be_visible()
    page.wait_for_function("() => window.__reflex !== undefined || document.readyState === 'complete'")


def wait_connected(page) -> None:
    """The cards are in the first HTML; wait for the live connection before clicking."""
    page.wait_for_load_state("networkidle")


def test_root_redirects_to_the_gallery(page):
    page.goto("/")
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/?$"))


def test_every_spec_model_is_listed(page):
    open_gallery(page)
    shown = set(slugs(page))
    assert ALL_SPEC <= shown, ALL_SPEC - shown
    expect(page.locator("[data-testid=request-model-card]")).to_contain_text("Looking for another model?")
    assert page.js_errors == []


@pytest.mark.parametrize("category", list(SPEC_BY_CATEGORY))
def test_each_category_shows_exactly_its_models(page, category):
    open_gallery(page)
    wait_connected(page)
    page.get_by_test_id(f"tab-{category.lower()}").click()
    page.wait_for_url(re.compile(rf"category={category.lower()}"))
    expected = SPEC_BY_CATEGORY[category] | LOCAL_BY_CATEGORY.get(category, set())
    count = len(expected)
    expect(page.get_by_test_id("result-count")).to_have_text(f"{count} model" if count == 1 else f"{count} models")
    assert set(slugs(page)) == expected
    expect(page.get_by_test_id(f"tab-{category.lower()}")).to_have_attribute("aria-selected", "true")


def test_sort_by_name_then_oldest(page):
    open_gallery(page)
    wait_connected(page)
    page.get_by_test_id("sort-select").select_option("name")
    page.wait_for_url(re.compile(r"sort=name"))
    names = page.locator("[data-testid=model-card] h3").all_inner_texts()
    assert names == sorted(names, key=str.casefold)
    page.get_by_test_id("sort-select").select_option("oldest")
    page.wait_for_url(re.compile(r"sort=oldest"))
    expect(page.get_by_test_id("sort-select")).to_have_value("oldest")
    page.wait_for_function(
        "() => { const s = [...document.querySelectorAll('[data-testid=model-card]')].map(e => e.dataset.slug);"
        " return s.indexOf('gpt-3-5-turbo') < s.indexOf('gpt-4'); }"
    )
    order = slugs(page)
    assert order.index("gpt-3-5-turbo") < order.index("gpt-4") < order.index("claude-3-5-sonnet-20241022")
    assert order[-1] == "text-to-video"  # undated models come last in both directions


def test_newest_first_by_default(page):
    open_gallery(page)
    order = slugs(page)
    # Release dates in the catalog: Claude 3.5 Sonnet (Oct 2024) is newer than GPT-4 (Jun 2023),
    # which is newer than GPT-3.5 Turbo (Mar 2023); undated models come last.
    assert order.index("claude-3-5-sonnet-20241022") < order.index("gpt-4") < order.index("gpt-3-5-turbo")
    assert order[-1] == "text-to-video"


def test_search_clear_and_empty_state(page):
    open_gallery(page)
    wait_connected(page)
    page.get_by_test_id("search-input").fill("wan")
    page.wait_for_url(re.compile(r"q=wan"))
    expect(page.get_by_test_id("result-count")).to_have_text("1 model")
    assert slugs(page) == ["alibaba-wan-22-i2v-720p"]
    page.get_by_test_id("search-clear").click()
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/?$"))
    expect(page.get_by_test_id("search-input")).to_have_value("")
    assert ALL_SPEC <= set(slugs(page))

    page.get_by_test_id("tab-image").click()
    page.wait_for_url(re.compile(r"category=image"))
    page.get_by_test_id("search-input").fill("whisper")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(page.get_by_test_id("empty-message")).to_have_text("No models matching “whisper” in Image.")
    page.get_by_test_id("clear-filters").click()
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/?$"))
    expect(page.get_by_test_id("empty-state")).to_have_count(0)
    assert ALL_SPEC <= set(slugs(page))


def test_search_by_provider_and_capability(page):
    open_gallery(page, "?q=baai")
    expect(page.get_by_test_id("result-count")).to_have_text("3 models")
    open_gallery(page, "?q=speech-to-text")
    # The first HTML holds the default cards; the query's cards replace them once the page is live.
    for slug in ("whisper-transcription", "local-whisper-tiny-en"):
        expect(card(page, slug)).to_be_visible()


def test_badges_and_prices(page):
    open_gallery(page)
    for slug in ("alibaba-wan-22-i2v-720p", "bge-small-en-v1-5"):
        expect(card(page, slug).get_by_test_id("default-star")).to_have_count(1)
    for slug in ("sora-2-i2v", "text-to-video"):
        expect(card(page, slug).get_by_test_id("premium-badge")).to_have_text("Premium")
    assert page.get_by_test_id("default-star").count() == 2
    assert page.get_by_test_id("premium-badge").count() == 2
    prices = {
        "alibaba-wan-22-i2v-720p": "Cost: 5s $0.30, 8s $0.48, 10s $0.60, 15s $0.70",
        "qwen-image-edit": "50 credits (~$0.025) per image",
        "seedance-i2v": "520 credits (~$0.26) per 5s video",
        "sora-2-i2v": "800 credits (~$0.40) per 4s video",
        "text-to-video": "1000 credits (~$0.50) per video",
        "cogvideox-2b": "800 credits (~$0.40) per video",
        "whisper-transcription": "5 credits (~$0.006) per minute of audio",
        "tts": "14 credits (~$0.015) per 1,000 characters",
        "gpt-4": "$30.00 / $60.00 per 1M input / output tokens",  # OpenAI's list price (issue 15)
        "local-all-minilm-l6-v2": "Free (runs on this server)",
    }
    for slug, price in prices.items():
        expect(card(page, slug).get_by_test_id("card-price")).to_have_text(price)
    assert not re.search(r"\$0\.00(?!\d)", page.get_by_test_id("model-grid").inner_text())


def test_thumbnails_are_real_or_honestly_absent(page):
    open_gallery(page)
    # Local models carry thumbnails made by running them; those must load.
    image = card(page, "local-piper-en-us-joe").locator("img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("alt", re.compile(r".+"))
    image.scroll_into_view_if_needed()  # thumbnails load lazily: this card sits below the fold
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10_000
    )
    # A model without a real example says so instead of showing a gradient.
    expect(card(page, "gpt-4").get_by_test_id("no-example")).to_contain_text("No example yet")


def test_card_is_a_real_link(page):
    open_gallery(page)
    wait_connected(page)
    link = card(page, "alibaba-wan-22-i2v-720p")
    expect(link).to_have_attribute("href", "/dashboard/ai-settings/alibaba-wan-22-i2v-720p")
    link.click()
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/alibaba-wan-22-i2v-720p$"))


def test_keyboard_enter_opens_a_card(page):
    open_gallery(page)
    wait_connected(page)
    card(page, "gpt-4").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/ai-settings/gpt-4$"))


def test_url_round_trip_with_back_and_forward(page, browser, app_server):
    open_gallery(page)
    wait_connected(page)
    page.get_by_test_id("tab-video").click()
    page.wait_for_url(re.compile(r"category=video"))
    page.get_by_test_id("sort-select").select_option("name")
    page.wait_for_url(re.compile(r"category=video&sort=name"))
    page.get_by_test_id("search-input").fill("wan")
    page.wait_for_url(re.compile(r"q=wan"))
    shared = page.url

    page.go_back()
    page.wait_for_url(re.compile(r"category=video&sort=name$"))
    expect(page.get_by_test_id("result-count")).to_have_text("5 models")
    expect(page.get_by_test_id("search-input")).to_have_value("")
    page.go_back()
    page.wait_for_url(re.compile(r"category=video$"))
    expect(page.get_by_test_id("sort-select")).to_have_value("newest")
    page.go_forward()
    page.wait_for_url(re.compile(r"sort=name$"))
    expect(page.get_by_test_id("sort-select")).to_have_value("name")

    other = app_server.signed_in_context(browser)
    try:
        fresh = other.new_page()
        fresh.goto(shared)
        expect(fresh.get_by_test_id("result-count")).to_have_text("1 model")
        expect(fresh.get_by_test_id("tab-video")).to_have_attribute("aria-selected", "true")
        expect(fresh.get_by_test_id("sort-select")).to_have_value("name")
        expect(fresh.get_by_test_id("search-input")).to_have_value("wan")
    finally:
        other.close()


def test_bad_query_values_fall_back_to_defaults(page):
    open_gallery(page, "?category=nonsense&sort=sideways&q=")
    expect(page.get_by_test_id("tab-all")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("sort-select")).to_have_value("newest")
    assert ALL_SPEC <= set(slugs(page))


def test_failing_source_shows_a_banner_and_retry_recovers(page, upstream):
    open_gallery(page)
    wait_connected(page)
    upstream.set_fault("/models", Fault(status=503))
    page.wait_for_timeout(1_500)  # the app's cache TTL is 1 s in these tests
    page.reload()
    wait_connected(page)
    banner = page.get_by_test_id("source-banner")
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("Chat models")
    expect(banner).to_contain_text("HTTP 503")
    # The stored catalog stays on screen: no jump to an empty grid.
    assert ALL_SPEC <= set(slugs(page))
    upstream.set_fault("/models", None)
    page.get_by_test_id("retry-sources").click()
    expect(banner).to_have_count(0, timeout=20_000)


@pytest.mark.parametrize(("name", "columns"), [("phone", 1), ("tablet", 2), ("desktop", 3), ("wide", 4)])
def test_grid_columns_per_width(browser, app_server, name, columns):
    width, height = VIEWPORTS[name]
    context = app_server.signed_in_context(browser, viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(GALLERY)
        expect(page.locator("[data-testid=model-card]").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        tops = page.locator("[data-testid=model-grid] > *").evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert tops.count(tops[0]) == columns
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"horizontal overflow of {overflow}px at {width}px"
        # The local models' own pictures show whole: the box has the picture's aspect ratio, so
        # object-cover crops nothing (no caption cut at the top, no matrix row lost at the bottom).
        local = page.locator("[data-testid=model-card][data-slug^='local-'] img")
        expect(local).to_have_count(4)
        for image in local.all():
            image.scroll_into_view_if_needed()
            page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
            box, natural = image.evaluate(
                "i => [i.getBoundingClientRect().width / i.getBoundingClientRect().height,"
                " i.naturalWidth / i.naturalHeight]"
            )
            assert abs(box - natural) < 0.02 * natural, (image.get_attribute("src"), box, natural)
        page.evaluate("() => window.scrollTo(0, 0)")
        screenshot(page, f"browse-{name}")
    finally:
        context.close()


def test_first_visit_has_no_console_error_and_no_404(browser, app_server):
    """A first visit (fresh browser, cold cache): nothing the app serves fails, and the tab has an icon."""
    context = signed_in_context(browser, app_server.url, "admin", viewport={"width": 1280, "height": 900})
    own_host = urlsplit(app_server.url).netloc
    errors: list[str] = []
    failed: list[str] = []

    def on_console(message) -> None:
        # This machine has no internet: an upstream card's remote thumbnail fails and the card
        # falls back to "No example yet". Errors about files of this app are what count here.
        source = urlsplit(message.location.get("url") or app_server.url).netloc
        if message.type == "error" and source == own_host:
            errors.append(f"{message.text} ({message.location.get('url')})")

    try:
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.goto(GALLERY)
        page.wait_for_load_state("networkidle")
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # lazy thumbnails load
        page.wait_for_load_state("networkidle")
        icon = page.evaluate(
            """async () => {
                const link = document.querySelector('link[rel~=icon]');
                if (!link) return null;
                const r = await fetch(link.href);
                return [r.status, r.headers.get('content-type') || '', (await r.arrayBuffer()).byteLength];
            }"""
        )
        assert icon is not None, "no <link rel=icon>"
        status, content_type, size = icon
        assert status == 200 and "icon" in content_type and size > 0, icon
        assert failed == [], failed
        assert errors == [], errors
    finally:
        context.close()


@pytest.mark.parametrize(("width", "label"), [(375, "Settings"), (1280, "Developer settings")])
def test_nav_reads_whole_words(browser, app_server, width, label):
    context = signed_in_context(browser, app_server.url, "admin", viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(GALLERY)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        # The sections first; who is signed in and Sign out follow them.
        assert nav.inner_text().split("\n")[:2] == ["Models", label]
        nav.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(r"/dashboard/developer-settings$"))
    finally:
        context.close()
