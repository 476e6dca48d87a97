"""End-to-end harness: the real app in production mode, once per session, driven by Debian's Chromium.

The app is pointed at the loopback upstream that follows CONTRACT.md, so the tests can make its
sources fail and recover.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.app_process import (
    CHROMIUM_ARGS,
    ROOT,
    RunningApp,
    set_upstream_key,
    start_app,
    stop_app,
)
from tests.support.contract_server import ContractServer

__all__ = ["CHROMIUM_ARGS", "ROOT", "set_upstream_key"]  # re-exported for the tests

ARTIFACTS = ROOT / "test-artifacts"
UPSTREAM_KEY = "e2e-upstream-key"
VIEWPORTS = {"phone": (375, 812), "tablet": (768, 1024), "desktop": (1280, 900), "wide": (1600, 1000)}


@pytest.fixture(scope="session")
def upstream() -> Iterator[ContractServer]:
    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as server:
        yield server


@pytest.fixture(scope="session")
def app_server(upstream: ContractServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """`reflex run --env prod` on a free loopback port with its own data folder, once per session."""
    try:
        app = start_app(
            upstream_url=upstream.url,
            upstream_key=UPSTREAM_KEY,
            data_dir=tmp_path_factory.mktemp("app-data"),
            log_path=ARTIFACTS / "app.log",
            # Short cache and timeouts, so the tests see sources fail and recover quickly.
            extra_env={"AI_REGISTRY_CACHE_TTL_S": "1", "AI_REGISTRY_SOURCE_TIMEOUT_S": "2"},
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield app
    stop_app(app)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_server: RunningApp, upstream: ContractServer):
    """A fresh browser context signed in as the admin, at desktop size, with clipboard access, against a
    healthy upstream."""
    upstream.reset()
    context = app_server.signed_in_context(
        browser, "admin", viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def copy_and_read(page, button) -> str:
    """Click a Copy button as a person does and return what then lands on the clipboard.

    The clipboard is emptied first, and read back once the browser's asynchronous write has landed
    (at most 5 s), so a stale clipboard or a read racing the write cannot pass or fail the test.
    """
    page.evaluate("() => navigator.clipboard.writeText('')")
    button.click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()).length > 0", timeout=5_000)
    return page.evaluate("() => navigator.clipboard.readText()")
