"""Faults in the scaled mode, in Chromium: real PostgreSQL and Redis, a job worker, and the web app
with two granian workers (`python -m ai_registry web`, respawning workers).

- Every web worker is SIGKILLed during a 20 s image run against the loopback upstream: granian puts
  new workers in their place, the tab reconnects, and reloaded it still holds its form (the session
  survived: the dead workers' socket records were swept) and shows the run's result when it lands.
- PostgreSQL and Redis are restarted while runs go on: the app reconnects, every run that had
  finished is still there, and a new run through the page succeeds.

These start apps of their own, before the shared e2e app.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.support.app_process import ROOT, _wait_ready, create_accounts, free_port, signed_in_context
from tests.support.contract_server import ContractServer, Fault

pytestmark = [pytest.mark.e2e, pytest.mark.own_app]

KEY = "scaled-upstream-key"
MODEL = "qwen-image-edit"
LOAD_MODEL = "bge-small-en-v1-5"
GALLERY = "/dashboard/ai-settings"
WAIT_S = 90
STARTUP_S = 300


def wait_for(condition, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / 0.2) + 1):
        if value := condition():
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")


def children_of(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        if any(line.split(":\t", 1) == ["PPid", str(pid)] for line in lines):
            found.add(int(status.parent.name))
    return found


class ScaledApp:
    """A job worker and the web app (two workers) on one PostgreSQL database and one Redis."""

    def __init__(self, *, database_url: str, redis_url: str, upstream: ContractServer, data_dir: Path) -> None:
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "REFLEX_REDIS_URL": redis_url,
            "AI_REGISTRY_QUEUE": "procrastinate",
            "AI_REGISTRY_DATA_DIR": str(data_dir),
            "AINATIVE_API_BASE": upstream.url,
            "AINATIVE_API_KEY": KEY,
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
            f"{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        python = [sys.executable, "-m", "ai_registry"]
        subprocess.run([*python, "migrate"], cwd=ROOT, env=self.env, check=True, timeout=120)
        create_accounts(self.env)  # one person per role, as the embedded tests' app has
        # The job worker under the cluster's supervisor, as `make cluster` runs it (started again if it exits).
        supervised = (
            "import sys\nfrom ai_registry.supervisor import Child, Supervisor\n"
            "s = Supervisor()\ns.add(Child('worker', [sys.executable, '-m', 'ai_registry', 'worker']))\ns.run()\n"
        )
        self.worker = self._start("worker", [sys.executable, "-c", supervised])
        self.web = self._start("web", [*python, "web", "--port", str(self.port), "--workers", "2"])
        try:
            _wait_ready(self.url, self.web, time.monotonic() + STARTUP_S)
        except RuntimeError:
            self.stop()
            raise

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        ARTIFACTS.mkdir(exist_ok=True)
        with (ARTIFACTS / f"scaled-{name}.log").open("ab") as log:
            process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        self.processes.append(process)
        return process

    def workers_if(self, wanted) -> set[int] | None:
        """The web app's granian workers, when `wanted(them)`."""
        found = children_of(self.web.pid)
        return found if wanted(found) else None

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def answers(url: str) -> bool:
    try:
        return httpx.get(url + "/ping", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def runs(database_url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as db:
        return dict(db.execute("SELECT id, status FROM run").fetchall())


@pytest.fixture
def scaled(postgres_server, redis_server, tmp_path: Path):
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    name = postgres_server.migrated_database()
    with ContractServer(api_key=KEY, prefix="/v1") as upstream:
        database_url = postgres_server.url(name)
        app = ScaledApp(database_url=database_url, redis_url=redis_server.url, upstream=upstream,
                        data_dir=tmp_path / "data")  # fmt: skip
        try:
            yield app, upstream, database_url
        finally:
            app.stop()
    postgres_server.drop_database(name)


def open_playground(browser, url: str):
    context = signed_in_context(browser, url, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{GALLERY}/{MODEL}")
    page.wait_for_load_state("networkidle")
    return context, page


def test_killing_every_web_worker_mid_run_loses_neither_the_session_nor_the_result(browser, scaled) -> None:
    app, upstream, database_url = scaled
    upstream.set_fault("/multimodal/image", Fault(delay=20, times=1))
    context, page = open_playground(browser, app.url)
    page.get_by_test_id("field-prompt").fill("a lighthouse in a storm")
    page.get_by_test_id("run").click()
    wait_for(lambda: upstream.requests_to("/multimodal/image", "POST"), "the upstream got the image request")
    [(run_id, status)] = runs(database_url).items()
    assert status == "running"
    before = wait_for(lambda: app.workers_if(lambda found: len(found) == 2), "two web workers")
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: app.workers_if(lambda found: len(found) == 2 and not found & before), "two new web workers")
    assert app.web.poll() is None, "the web app must outlive its workers"
    wait_for(lambda: answers(app.url), "the new workers serving")
    page.reload()
    expect(page.get_by_test_id("field-prompt")).to_have_value("a lighthouse in a storm")  # the same session
    expect(page.get_by_test_id("result-image")).to_be_visible(timeout=WAIT_S * 1000)
    expect(page.get_by_test_id("run-status")).to_be_visible()
    screenshot(page, "scaled-result-after-worker-kill")
    assert runs(database_url) == {run_id: "succeeded"}
    assert len(upstream.requests_to("/multimodal/image", "POST")) == 1  # followed, not run again
    context.close()


def test_restarting_postgres_and_redis_under_load_loses_no_finished_run(
    browser, scaled, postgres_server, redis_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    from ai_registry.aggregator.runtime import find_model  # noqa: F401  (the catalog of this process)
    from ai_registry.catalog.builtin import load_builtin_catalog
    from ai_registry.inference import jobs
    from ai_registry.inference.result import new_run_id
    from tests.conftest import clear_process_caches
    from tests.support.services import restart_postgres, restart_redis

    app, upstream, database_url = scaled
    # This process submits runs as another web worker would; the setting leaves with the test.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AI_REGISTRY_QUEUE", "procrastinate")
    clear_process_caches()
    model = next(m for m in load_builtin_catalog() if m.slug == LOAD_MODEL)  # no rate limit of its own
    submitted: list[str] = []
    stop = threading.Event()
    page_errors: list[int] = []

    def submit_runs() -> None:  # load: a run every 0.2 s from another process, as another web worker would
        async def loop() -> None:
            while not stop.is_set():
                run_id = new_run_id()
                try:
                    await jobs.submit(model, {"input": "load"}, run_id=run_id)
                    submitted.append(run_id)
                except Exception:  # the database is restarting: this one was refused, honestly
                    pass
                await asyncio.sleep(0.2)

        asyncio.run(loop())

    def load_pages() -> None:
        with httpx.Client(base_url=app.url, timeout=10, trust_env=False) as client:
            while not stop.is_set():
                try:
                    response = client.get(f"{GALLERY}/")
                    if response.status_code >= 500:
                        page_errors.append(response.status_code)
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)

    threads = [threading.Thread(target=submit_runs), threading.Thread(target=load_pages)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: sum(s == "succeeded" for s in runs(database_url).values()) >= 5, "five runs finished")
        finished_before = {run_id for run_id, status in runs(database_url).items() if status == "succeeded"}
        restart_postgres(postgres_server)
        restart_redis(redis_server)
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    after = runs(database_url)
    assert all(after.get(run_id) == "succeeded" for run_id in finished_before), "a finished run was lost"
    # Every run accepted before, during or after the restarts ends; none is left running.
    def unfinished() -> dict[str, str | None]:
        now = runs(database_url)
        return {r: now.get(r) for r in submitted if now.get(r) not in ("succeeded", "failed")}

    try:
        wait_for(lambda: not unfinished(), "queued runs ended")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {unfinished()} of {len(submitted)}") from None
    assert not page_errors
    # The app reconnected: a run through the page succeeds.
    context, page = open_playground(browser, app.url)
    page.get_by_test_id("field-prompt").fill("after the restarts")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("result-image")).to_be_visible(timeout=WAIT_S * 1000)
    context.close()
    statuses = runs(database_url)
    assert sum(s == "succeeded" for s in statuses.values()) > len(finished_before)
