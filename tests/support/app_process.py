"""Start and stop the real app (`reflex run --env prod`) for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every started app has one account per role, made with the command line as an operator would.
ROLES = ("admin", "member", "viewer")
PASSWORD = "e2e correct horse battery"
SESSION_COOKIE = "air_session"


def account_email(role: str) -> str:
    return f"{role}@e2e.example"


class RunningApp:
    """A started app: its URL, process, log and data folder."""

    def __init__(self, url: str, process: subprocess.Popen, log_path: Path, data_dir: Path) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path
        self.data_dir = data_dir

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def session_token(self, role: str = "admin", *, email: str | None = None, password: str = PASSWORD) -> str:
        return session_token(self.url, role, email=email, password=password)

    def cookies(self, role: str = "admin") -> dict[str, str]:
        """Cookies of a freshly signed-in browser, for httpx."""
        return {SESSION_COOKIE: self.session_token(role)}

    def signed_in_context(self, browser, role: str = "admin", **options):
        return signed_in_context(browser, self.url, role, **options)


def session_token(url: str, role: str = "admin", *, email: str | None = None, password: str = PASSWORD) -> str:
    """Sign in through the app's real form route, as a browser does; returns the new session's token."""
    answer = httpx.post(
        url + "/auth/sign-in",
        data={"email": email or account_email(role), "password": password, "next": "/"},
        headers={"Origin": url}, follow_redirects=False, timeout=30,
    )
    token = answer.cookies.get(SESSION_COOKIE)
    if answer.status_code != 303 or not token:
        raise RuntimeError(f"sign-in as {email or role} failed: {answer.status_code} {answer.text[:300]}")
    return token


def sign_in_browser(context, url: str, role: str = "admin") -> None:
    """Give a Playwright context the session cookie of a fresh sign-in at the app at `url`."""
    context.add_cookies([{
        "name": SESSION_COOKIE, "value": session_token(url, role), "url": url, "httpOnly": True, "sameSite": "Lax",
    }])


def signed_in_context(browser, url: str, role: str = "admin", **options):
    """A new Playwright context (`base_url` = the app) whose browser is signed in as `role`."""
    context = browser.new_context(base_url=url, **options)
    sign_in_browser(context, url, role)
    return context


def run_cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m ai_registry ...` with the app's environment."""
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", *args], cwd=ROOT, env=dict(env), input=stdin,
        capture_output=True, text=True, timeout=120, check=True,
    )


def create_accounts(env: Mapping[str, str]) -> None:
    """One account per role, made with `users create` (the password on stdin); on a data folder an
    earlier start used, the accounts it made are kept."""
    existing = run_cli(env, "users", "list").stdout
    for role in ROLES:
        if account_email(role) in existing:
            continue
        run_cli(env, "users", "create", "--role", role, "--email", account_email(role),
                "--password-file", "-", stdin=PASSWORD + "\n")


def set_upstream_key(data_dir: Path, key: str | None, *, secret_key: str | None = None) -> None:
    """Save (or with None, remove) the app's upstream API key in its database, as Developer settings does.

    The key is encrypted with the app's own secret (`secret_key`, else `AI_REGISTRY_SECRET_KEY` of this
    environment, else the data folder's key file), exactly as the store saves it.
    """
    from ai_registry.store.app_settings import UPSTREAM_API_KEY, load_secret_box

    secret = secret_key if secret_key is not None else os.environ.get("AI_REGISTRY_SECRET_KEY")
    with sqlite3.connect(data_dir / "registry.db") as db:
        db.execute("DELETE FROM app_setting WHERE key = ?", (UPSTREAM_API_KEY,))
        if key is not None:
            stored = load_secret_box(data_dir=data_dir, secret_key=secret).encrypt(key)
            db.execute(
                "INSERT INTO app_setting (key, value, updated_at) VALUES (?, ?, ?)",
                (UPSTREAM_API_KEY, stored, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
            )


def _wait_ready(url: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode} before serving")
        try:
            ready = httpx.get(url + "/ping", timeout=2).status_code == 200
            if ready and httpx.get(url + "/sign-in", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not serve {url} within {STARTUP_TIMEOUT_S} s")


def start_app(
    *,
    upstream_url: str | None,
    upstream_key: str | None,
    data_dir: Path,
    log_path: Path,
    extra_env: Mapping[str, str] = (),
) -> RunningApp:
    """Migrate a fresh data folder, make one account per role (`RunningApp.signed_in_context` signs a
    browser in), save the upstream key there, and serve the app on a free loopback port.

    The key is saved like Developer settings saves it (not through `AINATIVE_API_KEY`), so a test
    can take it away while the app runs. With `upstream_url` None the app starts with no upstream
    configured at all, as `make run` does on a fresh machine.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "AI_REGISTRY_DATA_DIR": str(data_dir),
        "AINATIVE_API_BASE": upstream_url,
        # Room for a 10,000-model upstream source in the scale tests and benchmarks.
        "AI_REGISTRY_MAX_SOURCE_BYTES": "50000000",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
        f"{os.pathsep}{os.environ.get('PATH', '')}",
        **dict(extra_env),
    }
    env.pop("DATABASE_URL", None)
    env.pop("AINATIVE_API_KEY", None)
    if upstream_url is None:
        env.pop("AINATIVE_API_BASE")
    subprocess.run([sys.executable, "-m", "ai_registry", "migrate"], cwd=ROOT, env=env, check=True)
    create_accounts(env)
    set_upstream_key(data_dir, upstream_key, secret_key=env.get("AI_REGISTRY_SECRET_KEY"))
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod",
                "--frontend-port", str(port), "--backend-port", str(port), "--backend-host", "127.0.0.1",
                "--loglevel", "info",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", process, log_path, data_dir)
    try:
        _wait_ready(app.url, process, time.monotonic() + STARTUP_TIMEOUT_S)
    except RuntimeError as exc:
        stop_app(app)
        raise RuntimeError(f"{exc}\n--- app log ---\n{app.log_tail()}") from None
    return app


def stop_app(app: RunningApp) -> None:
    """Ctrl-C the whole process group, as a person would; kill it if it does not stop in 20 s."""
    process = app.process
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
