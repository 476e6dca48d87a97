"""Issue 17 as an operator meets it, in Chromium: start the app against an upstream whose Wan record
has its own description and a single price, stop it, start it again with no upstream configured.

The second start must show the built-in catalog again: Wan's card with the duration table, the Run
button pricing 8 s as $0.48, and the model page saying its facts come from the built-in catalog.
These tests start apps of their own, on one data folder, before the shared e2e app starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.aggregator.test_catalog_sources import UPSTREAM_WAN, WAN_TABLE
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.support.app_process import signed_in_context, start_app, stop_app
from tests.support.contract_server import ContractServer

pytestmark = [pytest.mark.e2e, pytest.mark.own_app]

KEY = "restart-upstream-key"
WAN = "alibaba-wan-22-i2v-720p"
GALLERY = "/dashboard/ai-settings"


def wan_card(page):
    return page.locator(f"[data-testid=model-card][data-slug='{WAN}']")


def open_page(browser, url: str):
    context = signed_in_context(browser, url, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context, context.new_page()


def test_a_removed_upstream_stops_feeding_the_gallery_and_the_run_price(browser, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ContractServer(api_key=KEY, prefix="/v1") as upstream:
        upstream.registry_models = [UPSTREAM_WAN]
        first = start_app(
            upstream_url=upstream.url, upstream_key=KEY, data_dir=data_dir, log_path=ARTIFACTS / "restart-first.log"
        )
        try:
            context, page = open_page(browser, first.url)
            page.goto(GALLERY)
            # The first start really took the upstream's record: its own words are on the card.
            expect(wan_card(page)).to_contain_text(UPSTREAM_WAN["description"])
            context.close()
        finally:
            stop_app(first)
        assert upstream.requests_to("/public/ai-registry/models")

    second = start_app(
        upstream_url=None, upstream_key=None, data_dir=data_dir, log_path=ARTIFACTS / "restart-second.log"
    )
    try:
        context, page = open_page(browser, second.url)
        page.goto(GALLERY)
        card = wan_card(page)
        expect(card.get_by_test_id("card-price")).to_have_text(WAN_TABLE)
        expect(card).not_to_contain_text(UPSTREAM_WAN["description"])
        screenshot(page, "restart-gallery-without-upstream")

        page.goto(f"{GALLERY}/{WAN}")
        page.wait_for_load_state("networkidle")
        run = page.get_by_test_id("run")
        expect(page.get_by_test_id("option-duration-8")).to_be_visible()
        page.get_by_test_id("option-duration-8").click()
        expect(run).to_contain_text("$0.48")
        page.get_by_test_id("option-duration-15").click()
        expect(run).to_contain_text("$0.70")
        rows = page.get_by_test_id("provenance-row")
        expect(rows.first).to_be_visible()
        assert all("AI registry" not in text for text in rows.all_inner_texts()), rows.all_inner_texts()
        expect(page.get_by_test_id("provenance")).to_contain_text("Built-in catalog")
        context.close()
    finally:
        stop_app(second)
