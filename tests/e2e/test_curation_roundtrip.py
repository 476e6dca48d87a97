"""An exported overlay imported into a fresh database gives the same gallery (issue 15), in Chromium.

App A starts on a fresh data folder; an admin curates it in the browser (hides a model, renames one,
features it, moves a category's star, adds an alias). Its overlay is exported with the CLI. App A
stops; app B starts on another fresh data folder and the file is imported with the CLI. A member
then sees the same gallery in both: the same cards in the same order, names, stars and badges, and
the alias finds the same model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.support.app_process import ROOT, RunningApp, start_app, stop_app

pytestmark = [pytest.mark.e2e, pytest.mark.own_app]

GALLERY = "/dashboard/ai-settings"
CARDS = """els => els.map(e => [
  e.dataset.slug, e.querySelector('h3')?.innerText ?? '',
  !!e.querySelector('[data-testid=default-star]'), !!e.querySelector('[data-testid=featured-badge]'),
])"""


def curation_cli(app: RunningApp, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AINATIVE_API_KEY")}
    env["AI_REGISTRY_DATA_DIR"] = str(app.data_dir)
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", "curation", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def fresh_app(tmp_path_factory: pytest.TempPathFactory, name: str) -> RunningApp:
    try:
        return start_app(
            upstream_url=None, upstream_key=None, data_dir=tmp_path_factory.mktemp(f"{name}-data"),
            log_path=ARTIFACTS / f"{name}.log",
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))


def member_gallery(browser, app: RunningApp, query: str = "") -> list[list]:
    """The member's gallery once the live page has its own cards (not the prerendered first HTML)."""
    context = app.signed_in_context(browser, "member", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(GALLERY + (f"?q={query}" if query else ""))
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=model-card]").first).to_be_visible()
        return page.eval_on_selector_all("[data-testid=model-card]", CARDS)
    finally:
        context.close()


def curate(browser, app: RunningApp, slug: str, *, check: tuple[str, ...] = (), fill: dict[str, str] = ()) -> None:
    context = app.signed_in_context(browser, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{GALLERY}/{slug}")
        expect(page.get_by_test_id("model-name")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.get_by_test_id("curate-open").click()
        expect(page.get_by_test_id("curate-panel")).to_be_visible()
        for name in check:
            page.get_by_test_id(f"curate-{name}").check()
        for name, value in dict(fill).items():
            page.get_by_test_id(f"curate-{name}").fill(value)
        page.get_by_test_id("curate-save").click()
        expect(page.get_by_test_id("curate-notice")).to_have_text("Saved.")
    finally:
        context.close()


def test_an_exported_overlay_imported_into_a_fresh_database_gives_the_same_gallery(
    browser, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    first = fresh_app(tmp_path_factory, "curation-a")
    try:
        before = member_gallery(browser, first)
        curate(browser, first, "seedance-i2v", check=("hidden",))
        curate(browser, first, "cogvideox-2b", check=("default",))
        curate(browser, first, "gpt-4", check=("featured",), fill={"name": "GPT-4 for the team", "aliases": "bigbrain"})
        curated = member_gallery(browser, first)
        found = member_gallery(browser, first, "bigbrain")
        exported = tmp_path / "overlay.json"
        exported.write_text(curation_cli(first, "export").stdout, encoding="utf-8")
    finally:
        stop_app(first)
    # The curation did change the gallery (else the comparison below proves nothing).
    assert curated != before
    assert "seedance-i2v" not in [c[0] for c in curated] and curated[0][:2] == ["gpt-4", "GPT-4 for the team"]
    assert [c[0] for c in curated if c[2]].count("cogvideox-2b") == 1
    assert [c[0] for c in found] == ["gpt-4"]
    assert len(json.loads(exported.read_text())["models"]) == 3

    second = fresh_app(tmp_path_factory, "curation-b")
    try:
        assert member_gallery(browser, second) == before  # fresh: the catalog as merged
        curation_cli(second, "import", str(exported))
        assert member_gallery(browser, second) == curated
        assert member_gallery(browser, second, "bigbrain") == found
    finally:
        stop_app(second)
