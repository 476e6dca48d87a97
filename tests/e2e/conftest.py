"""End-to-end harness: the real app in production mode, once per session, driven by Debian's Chromium.

The app is pointed at the loopback upstream that follows CONTRACT.md, so the tests can make its
sources fail and recover.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.support.contract_server import ContractServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
UPSTREAM_KEY = "e2e-upstream-key"
STARTUP_TIMEOUT_S = 300
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": (375, 812), "tablet": (768, 1024), "desktop": (1280, 900), "wide": (1600, 1000)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningApp:
    def __init__(self, url: str, process: subprocess.Popen, log_path: Path, data_dir: Path) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path
        self.data_dir = data_dir

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def upstream() -> Iterator[ContractServer]:
    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as server:
        yield server


def set_upstream_key(data_dir: Path, key: str | None) -> None:
    """Save (or with None, remove) the app's upstream API key in its database."""
    with sqlite3.connect(data_dir / "registry.db") as db:
        db.execute("DELETE FROM app_setting WHERE key = 'upstream_api_key'")
        if key is not None:
            db.execute(
                "INSERT INTO app_setting (key, value, updated_at) VALUES ('upstream_api_key', ?, ?)",
                (key, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
            )


def _wait_ready(url: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode} before serving")
        try:
            if httpx.get(url + "/ping", timeout=2).status_code == 200:
                if httpx.get(url + "/dashboard/ai-settings/", timeout=5).status_code == 200:
                    return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not serve {url} within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def app_server(upstream: ContractServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """`reflex run --env prod` on a free loopback port with its own data folder."""
    data_dir = tmp_path_factory.mktemp("app-data")
    port = free_port()
    env = {
        **os.environ,
        "AI_REGISTRY_DATA_DIR": str(data_dir),
        "AINATIVE_API_BASE": upstream.url,
        "AI_REGISTRY_CACHE_TTL_S": "1",
        "AI_REGISTRY_SOURCE_TIMEOUT_S": "2",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        # Room for the 10,000-model registry listing of the scale tests (about 4.2 MB), still bounded.
        "AI_REGISTRY_MAX_SOURCE_BYTES": "50000000",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
        f"{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DATABASE_URL", None)
    env.pop("AINATIVE_API_KEY", None)
    subprocess.run([sys.executable, "-m", "ai_registry", "migrate"], cwd=ROOT, env=env, check=True)
    # The upstream key is saved the way Developer settings saves it, so a test can take it away.
    set_upstream_key(data_dir, UPSTREAM_KEY)
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod",
                "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", process, log_path, data_dir)
    try:
        _wait_ready(app.url, process, time.monotonic() + STARTUP_TIMEOUT_S)
    except RuntimeError as exc:
        _stop(process)
        pytest.fail(f"{exc}\n--- app log ---\n{app.log_tail()}")
    yield app
    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


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
    """A fresh browser context at desktop size, with clipboard access, against a healthy upstream."""
    upstream.reset()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        base_url=app_server.url,
        permissions=["clipboard-read", "clipboard-write"],
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
