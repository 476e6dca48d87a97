"""Issue 13 in Chromium: a video model's API tab, runs-API form, Create a key for this snippet, Copy;
the copied Python script then starts a run on the running app, polls it and saves the video."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import copy_and_read, screenshot

pytestmark = pytest.mark.e2e


def open_api_tab(page, slug: str) -> None:
    page.goto(f"/dashboard/ai-settings/{slug}?tab=api")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("panel-api")).to_be_visible()


def test_copied_runs_api_snippet_with_a_key_made_for_it_saves_the_video(page, app_server, tmp_path: Path):
    open_api_tab(page, "cogvideox-2b")
    code = page.get_by_test_id("code-block")
    expect(code).to_contain_text(f"curl -X POST {app_server.url}/v1/multimodal/video/cogvideox")
    page.get_by_test_id("call-mode-runs").click()
    page.get_by_test_id("format-python").click()
    expect(code).to_contain_text("/api/runs")
    expect(code).to_contain_text("Bearer YOUR_KEY_FROM_DEVELOPER_SETTINGS")
    page.get_by_test_id("create-snippet-key").click()
    expect(page.get_by_test_id("snippet-key-made")).to_contain_text("Snippet: ")
    expect(code).not_to_contain_text("YOUR_KEY_FROM_DEVELOPER_SETTINGS")
    expect(page.get_by_test_id("create-snippet-key")).to_have_count(0)
    screenshot(page, "api-tab-runs-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "api-tab-runs-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    snippet = copy_and_read(page, page.get_by_test_id("copy-code"))
    assert "Bearer air_" in snippet and f'base_url = "{app_server.url}"' in snippet
    (tmp_path / "run.py").write_text(snippet)
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Started run " in done.stdout and "Saved " in done.stdout
    (video,) = list(tmp_path.glob("*.mp4"))
    assert video.read_bytes()[4:8] == b"ftyp"
    assert page.js_errors == []


def test_the_api_tab_controls_pass_axe_and_a_viewer_gets_no_key_button(page, browser, app_server):
    from tests.e2e.test_accessibility import axe_violations

    open_api_tab(page, "text-to-video")
    expect(page.get_by_test_id("runs-hint")).to_contain_text("A run of this model takes about 2 minutes")
    page.get_by_test_id("call-mode-runs").click()
    expect(page.get_by_test_id("runs-hint")).to_have_count(0)
    expect(page.get_by_test_id("call-mode-runs")).to_have_attribute("aria-checked", "true")
    violations = axe_violations(page)
    assert violations == [], violations
    context = app_server.signed_in_context(browser, "viewer", viewport={"width": 375, "height": 812})
    try:
        viewer = context.new_page()
        open_api_tab(viewer, "text-to-video")
        expect(viewer.get_by_test_id("code-block")).to_contain_text("YOUR_KEY_FROM_DEVELOPER_SETTINGS")
        expect(viewer.get_by_test_id("create-snippet-key")).to_have_count(0)
        overflow = viewer.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the API tab overflows by {overflow}px on a phone"
    finally:
        context.close()
