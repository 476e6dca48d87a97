"""Curation in Chromium: an admin hides a model and a member no longer finds it; an admin makes another
model the default and the star moves on the cards; the Curate panel at phone and desktop widths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import axe_violations
from tests.support.app_process import ROOT

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"


def card(page, slug: str):
    return page.locator(f"[data-testid=model-card][data-slug='{slug}']")


def live(page) -> None:
    """The first HTML holds prerendered cards: wait until the page is connected and has its own."""
    page.wait_for_load_state("networkidle")


def curation_cli(app_server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AINATIVE_API_KEY")}
    env["AI_REGISTRY_DATA_DIR"] = str(app_server.data_dir)
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", "curation", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=True,
    )


@pytest.fixture
def clean_overlay(app_server, tmp_path: Path):
    """Every other e2e test expects the catalog as merged: the overlay is emptied afterwards (by the
    CLI, another process, which the app notices through the curation revision)."""
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"format": "ai-registry-curation", "version": 1, "models": []}))
    curation_cli(app_server, "import", "--replace", str(empty))
    yield
    curation_cli(app_server, "import", "--replace", str(empty))


def open_curate(page, slug: str) -> None:
    page.goto(f"{GALLERY}/{slug}")
    expect(page.get_by_test_id("model-name")).to_be_visible()
    live(page)
    page.get_by_test_id("curate-open").click()
    expect(page.get_by_test_id("curate-panel")).to_be_visible()


def test_an_admin_hides_a_model_and_a_member_no_longer_finds_it(page, browser, app_server, clean_overlay):
    member = app_server.signed_in_context(browser, "member", viewport={"width": 1280, "height": 900})
    member.set_default_timeout(15_000)
    other = member.new_page()
    try:
        other.goto(f"{GALLERY}/seedance-i2v")
        live(other)
        expect(other.get_by_test_id("model-name")).to_have_text("Seedance i2v")
        expect(other.get_by_test_id("curate-open")).to_have_count(0)  # members never see the panel

        open_curate(page, "seedance-i2v")
        page.get_by_test_id("curate-hidden").check()
        page.get_by_test_id("curate-save").click()
        expect(page.get_by_test_id("curate-notice")).to_have_text("Saved.")
        expect(page.get_by_test_id("hidden-badge")).to_be_visible()

        other.goto(f"{GALLERY}?q=seedance")
        live(other)
        expect(other.get_by_test_id("empty-state")).to_be_visible()
        expect(card(other, "seedance-i2v")).to_have_count(0)
        other.goto(GALLERY)
        live(other)
        expect(card(other, "sora-2-i2v")).to_be_visible()
        expect(card(other, "seedance-i2v")).to_have_count(0)
        other.goto(f"{GALLERY}/seedance-i2v")
        expect(other.get_by_test_id("model-not-found")).to_be_visible()

        page.goto(f"{GALLERY}?q=seedance")  # the admin still finds it, marked
        live(page)
        expect(card(page, "seedance-i2v").get_by_test_id("hidden-badge")).to_be_visible()
    finally:
        member.close()


def test_an_admin_sets_another_default_and_the_star_moves(page, clean_overlay):
    page.goto(f"{GALLERY}?category=Video")
    live(page)
    expect(card(page, "alibaba-wan-22-i2v-720p").get_by_test_id("default-star")).to_have_count(1)
    expect(card(page, "cogvideox-2b").get_by_test_id("default-star")).to_have_count(0)

    open_curate(page, "cogvideox-2b")
    page.get_by_test_id("curate-default").check()
    page.get_by_test_id("curate-tags").fill("open-weights")
    page.get_by_test_id("curate-save").click()
    expect(page.get_by_test_id("curate-notice")).to_have_text("Saved.")
    expect(page.get_by_test_id("default-star")).to_have_count(1)

    page.goto(f"{GALLERY}?category=Video")
    live(page)
    expect(card(page, "cogvideox-2b").get_by_test_id("default-star")).to_have_count(1)
    expect(card(page, "alibaba-wan-22-i2v-720p").get_by_test_id("default-star")).to_have_count(0)
    page.goto(f"{GALLERY}?q=open-weights")
    live(page)
    expect(page.locator("[data-testid=model-card]")).to_have_count(1)
    expect(card(page, "cogvideox-2b")).to_be_visible()


def test_bad_input_shows_clear_errors_and_saves_nothing(page, app_server, clean_overlay):
    open_curate(page, "gpt-4")
    page.get_by_test_id("curate-name").fill("")
    page.get_by_test_id("curate-aliases").fill("GPT Four")
    page.get_by_test_id("curate-save").click()
    errors = page.get_by_test_id("curate-errors")
    expect(errors).to_contain_text("Name must be 1 to 120 characters (it is empty)")
    expect(errors).to_contain_text("“GPT” is not a lowercase word")
    expect(page.get_by_test_id("model-name")).to_have_text("GPT-4")
    assert json.loads(curation_cli(app_server, "export").stdout)["models"] == []
    assert axe_violations(page) == []
    screenshot(page, "curate-panel-errors-1280")


@pytest.mark.parametrize(("width", "height"), [(375, 812), (1280, 900)])
def test_curate_panel_screenshots(page, clean_overlay, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_curate(page, "alibaba-wan-22-i2v-720p")
    panel = page.get_by_test_id("curate-panel")
    panel.scroll_into_view_if_needed()
    box = panel.bounding_box()
    assert box is not None and box["width"] <= width  # nothing spills past the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, f"curate-panel-{width}")
    assert axe_violations(page) == []
    page.get_by_test_id("curate-cancel").click()
    expect(panel).to_have_count(0)
    assert axe_violations(page) == []  # the closed panel's button too
