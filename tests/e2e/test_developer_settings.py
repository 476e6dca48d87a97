"""Developer settings in Chromium against the production server: keys shown once, revoked at once,
the upstream key kept server-side; and the JSON registry served by the same server."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ARTIFACTS,
    UPSTREAM_KEY,
    VIEWPORTS,
    copy_and_read,
    screenshot,
    set_upstream_key,
)

pytestmark = pytest.mark.e2e

SETTINGS = "/dashboard/developer-settings"
WRONG_UPSTREAM_KEY = "sk-wrong-e2e-0000"


def open_settings(page) -> None:
    """Open the page and wait until its on_load has answered over the live connection (the
    pre-rendered page already says "none", so the attribute to wait on is data-loaded)."""
    page.goto(SETTINGS)
    expect(page.get_by_test_id("upstream-status")).to_have_attribute("data-loaded", "true")
    expect(page.get_by_test_id("create-key")).to_be_enabled()


def section_screenshot(page, testid: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id(testid).screenshot(path=str(ARTIFACTS / f"{name}.png"))


def key_row(page, name: str):
    return page.get_by_test_id("api-key-row").filter(has=page.get_by_test_id("key-name").get_by_text(name, exact=True))


@pytest.fixture
def restore_upstream_key(app_server):
    """Whatever happens, the app goes back to the session's saved upstream key."""
    yield
    set_upstream_key(app_server.data_dir, UPSTREAM_KEY)


def test_api_key_is_shown_once_listed_and_revoked(page):
    open_settings(page)
    create = page.get_by_test_id("create-key")

    create.click()
    expect(page.get_by_test_id("key-name-error")).to_contain_text("Give the key a name")
    expect(page.get_by_test_id("key-name-input")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("new-key-box")).to_have_count(0)

    page.get_by_test_id("key-name-input").fill("e2e script")
    expect(page.get_by_test_id("key-name-error")).to_have_count(0)
    create.click()
    box = page.get_by_test_id("new-key-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text("won't be shown again")
    raw = page.get_by_test_id("new-key-value").inner_text()
    assert re.fullmatch(r"air_[A-Za-z0-9_-]{40,}", raw), raw
    expect(page.get_by_test_id("key-name-input")).to_have_value("")

    assert copy_and_read(page, page.get_by_test_id("copy-new-key")) == raw
    expect(page.get_by_test_id("copy-new-key")).to_have_text("Copied")

    row = key_row(page, "e2e script")
    expect(row.get_by_test_id("key-prefix")).to_have_text(raw[:10] + "…")
    expect(row.get_by_test_id("key-last-used")).to_have_text("Never")
    expect(row.get_by_test_id("key-created")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
    assert raw not in (row.inner_html())

    screenshot(page, "developer-settings-desktop")
    page.set_viewport_size({"width": VIEWPORTS["phone"][0], "height": VIEWPORTS["phone"][1]})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"horizontal overflow of {overflow}px at 375px"
    screenshot(page, "developer-settings-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.reload()
    open_settings(page)
    expect(key_row(page, "e2e script")).to_have_count(1)
    expect(page.get_by_test_id("new-key-box")).to_have_count(0)
    assert raw not in page.content()

    row = key_row(page, "e2e script")
    row.get_by_test_id("revoke-key").click()
    row.get_by_test_id("cancel-revoke").click()
    expect(row.get_by_test_id("revoke-key")).to_be_visible()
    row.get_by_test_id("revoke-key").click()
    page.get_by_test_id("key-name-input").fill("")
    page.get_by_test_id("create-key").click()
    expect(page.get_by_test_id("key-name-error")).to_be_visible()
    for name in ("desktop", "phone"):
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[name], strict=True)))
        section_screenshot(page, "api-keys", f"developer-keys-confirm-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_test_id("confirm-revoke").click()
    expect(key_row(page, "e2e script")).to_have_count(0)
    expect(page.get_by_test_id("key-notice")).to_contain_text("Revoked “e2e script”")
    page.reload()
    open_settings(page)
    expect(key_row(page, "e2e script")).to_have_count(0)
    assert page.js_errors == []


def test_dismissed_key_is_gone_from_the_page(page):
    open_settings(page)
    page.get_by_test_id("key-name-input").fill("dismissed")
    page.get_by_test_id("create-key").click()
    raw = page.get_by_test_id("new-key-value").inner_text()
    page.get_by_test_id("dismiss-new-key").click()
    expect(page.get_by_test_id("new-key-box")).to_have_count(0)
    assert raw not in page.content()
    expect(key_row(page, "dismissed")).to_have_count(1)
    key_row(page, "dismissed").get_by_test_id("revoke-key").click()
    key_row(page, "dismissed").get_by_test_id("confirm-revoke").click()
    expect(key_row(page, "dismissed")).to_have_count(0)


def test_upstream_key_is_write_only_saved_used_and_removed(page, app_server, restore_upstream_key):
    # The e2e app starts with no AINATIVE_API_KEY and a key saved here (see conftest).
    open_settings(page)
    status = page.get_by_test_id("upstream-status")
    expect(status).to_have_attribute("data-in-use", "saved")
    # Write-only: the page says a key is saved and shows nothing of it, not even masked.
    expect(status).to_contain_text("never shown")
    assert UPSTREAM_KEY not in page.content() and "e2e…" not in page.content()

    page.get_by_test_id("save-upstream-key").click()
    expect(page.get_by_test_id("upstream-key-error")).to_have_text("Paste the key first.")

    # A wrong key: the aggregator uses it at once, and the upstream's refusal is shown.
    field = page.get_by_test_id("upstream-key-input")
    expect(field).to_have_attribute("type", "password")
    field.fill(WRONG_UPSTREAM_KEY)
    page.get_by_test_id("save-upstream-key").click()
    expect(status).to_have_attribute("data-in-use", "saved")
    expect(field).to_have_value("")
    expect(page.get_by_test_id("upstream-check")).to_contain_text("401", timeout=20_000)
    assert WRONG_UPSTREAM_KEY not in page.content()
    page.get_by_test_id("remove-upstream-key").click()
    for name in ("desktop", "phone"):
        page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[name], strict=True)))
        section_screenshot(page, "upstream-key", f"developer-upstream-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id("cancel-remove-upstream-key").click()

    page.reload()
    open_settings(page)
    expect(status).to_have_attribute("data-in-use", "saved")
    assert WRONG_UPSTREAM_KEY not in page.content() and "0000" not in page.content()
    html = httpx.get(page.url, timeout=10, cookies=app_server.cookies()).text
    assert WRONG_UPSTREAM_KEY not in html

    # The right key replaces it, and the upstream answers.
    page.get_by_test_id("upstream-key-input").fill(UPSTREAM_KEY)
    page.get_by_test_id("save-upstream-key").click()
    expect(page.get_by_test_id("upstream-notice")).to_have_text("Key replaced.")
    expect(page.get_by_test_id("upstream-check")).to_contain_text("sources OK", timeout=20_000)
    assert UPSTREAM_KEY not in page.content()

    page.get_by_test_id("remove-upstream-key").click()
    page.get_by_test_id("confirm-remove-upstream-key").click()
    expect(status).to_have_attribute("data-in-use", "none")
    expect(page.get_by_test_id("upstream-notice")).to_have_text("Saved key removed.")
    page.reload()
    open_settings(page)
    expect(status).to_have_attribute("data-in-use", "none")
    assert page.js_errors == []


def test_a_created_key_opens_the_registry_api_and_the_local_engine(page, app_server):
    open_settings(page)
    page.get_by_test_id("key-name-input").fill("api script")
    page.get_by_test_id("create-key").click()
    raw = page.get_by_test_id("new-key-value").inner_text()
    auth = {"Authorization": f"Bearer {raw}"}
    url = app_server.url

    assert httpx.get(url + "/api/models", timeout=10).status_code == 401
    body = httpx.get(url + "/api/models", params={"category": "audio", "per_page": 2}, headers=auth, timeout=10).json()
    assert body["category"] == "Audio" and body["per_page"] == 2 and len(body["models"]) == 2
    assert body["total"] >= 3
    model = httpx.get(url + "/api/models/tts", headers={"X-API-Key": raw}, timeout=10).json()
    assert model["slug"] == "tts" and model["readme"]
    readme = httpx.get(url + "/api/models/tts/readme", headers=auth, timeout=10)
    assert readme.headers["content-type"].startswith("text/markdown")
    missing = httpx.get(url + "/api/models/nope", headers=auth, timeout=10)
    assert missing.status_code == 404 and missing.json()["detail"]
    paths = httpx.get(url + "/openapi.json", timeout=10).json()["paths"]
    assert {"/api/models", "/api/models/{slug}", "/api/models/{slug}/readme"} <= set(paths)

    # The same key runs the local engine, OpenAI-style; revoking it closes both at once.
    embed = {"model": "all-minilm-l6-v2", "input": ["hello"]}
    assert httpx.post(url + "/v1/embeddings", json=embed, timeout=60).status_code == 401
    assert len(httpx.post(url + "/v1/embeddings", json=embed, headers=auth, timeout=60).json()["data"]) == 1
    page.get_by_test_id("dismiss-new-key").click()
    row = key_row(page, "api script")
    row.get_by_test_id("revoke-key").click()
    row.get_by_test_id("confirm-revoke").click()
    expect(key_row(page, "api script")).to_have_count(0)
    assert httpx.get(url + "/api/models", headers=auth, timeout=10).status_code == 401
    assert httpx.post(url + "/v1/embeddings", json=embed, headers=auth, timeout=60).status_code == 401


def test_forms_wait_for_the_live_connection(browser, app_server):
    """Before the page is live (here: never, JavaScript is off), pressing Enter in a form must not
    fall through to the browser's own GET submission, which would put what was typed in the
    address bar and the server's access log."""
    context = app_server.signed_in_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(SETTINGS)
        # Who is signed in is known only over the live connection, so the admin-only upstream form is not
        # even in the pre-rendered page; the key form is there, disabled.
        expect(page.get_by_test_id("upstream-key-input")).to_have_count(0)
        expect(page.get_by_test_id("create-key")).to_be_disabled()
        page.get_by_test_id("key-name-input").fill("early")
        page.get_by_test_id("key-name-input").press("Enter")
        page.wait_for_timeout(300)
        assert "?" not in page.url and WRONG_UPSTREAM_KEY not in page.url, page.url
    finally:
        context.close()
