"""The API's own documentation at /docs, opened in Chromium with no way out of this machine.

Every request whose host is not 127.0.0.1 is aborted, as on a machine with no internet: Swagger UI
must come from the app itself, list the operations, and run one with "Try it out" → Execute.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline_page(browser, app_server):
    """A page whose requests outside 127.0.0.1 fail; `page.blocked` lists what was refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=app_server.url)
    context.set_default_timeout(15_000)
    blocked: list[str] = []

    def loopback_only(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.blocked = blocked
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def test_docs_list_the_operations_and_try_one_offline(offline_page):
    page = offline_page
    page.goto("/docs")
    # The operations of both parts of the API are listed.
    for path in ("/api/models", "/api/models/{slug}", "/v1/models", "/v1/embeddings", "/v1/audio/speech"):
        expect(page.locator(f".opblock-summary-path[data-path='{path}']").first).to_be_visible()
    assert page.locator(".opblock").count() >= 10

    # Try it out on a public route: the answer comes back into the page.
    health = page.locator(".opblock", has=page.locator(".opblock-summary-path[data-path='/v1/multimodal/health']"))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    live = health.locator(".live-responses-table")
    expect(live.locator("tbody .response-col_status").first).to_have_text("200", timeout=20_000)
    body = live.locator("tbody .response-col_description .highlight-code pre").first.inner_text()
    assert json.loads(body)["status"] in ("healthy", "degraded")
    expect(health.locator(".request-url pre")).to_contain_text("/v1/multimodal/health")

    assert page.blocked == [], f"/docs asked for files outside this server: {page.blocked}"
    assert page.console_errors == []


def test_redoc_renders_offline(offline_page):
    page = offline_page
    page.goto("/redoc")
    expect(page.get_by_role("heading", name="List models")).to_be_visible()
    # ReDoc's script and the document come from this server; only its "by Redocly" logo is remote.
    assert [url for url in page.blocked if not url.startswith("https://cdn.redoc.ly/")] == []
