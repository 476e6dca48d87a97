"""A run in flight when the server is killed is shown as interrupted after the restart, never `running`.

The real app runs an image model against the loopback upstream, whose image route waits two minutes;
mid-run the app's whole process group gets SIGKILL (no shutdown code runs). The app started again
on the same data folder marks the run interrupted before serving, and Chromium finds it so in the
request log, with its reason, and in the playground, no longer in flight. This test starts apps of
its own, before the shared e2e app starts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ai_registry.inference.interrupted import ProcessId, interrupted_reason, is_alive
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.support.app_process import signed_in_context, start_app, stop_app
from tests.support.contract_server import ContractServer, Fault

pytestmark = [pytest.mark.e2e, pytest.mark.own_app]

KEY = "interrupt-upstream-key"
MODEL = "qwen-image-edit"
GALLERY = "/dashboard/ai-settings"
WAIT_S = 60


def stored_runs(data_dir: Path) -> list[tuple[str, str, str | None, str | None]]:
    with sqlite3.connect(data_dir / "registry.db") as db:
        return db.execute("SELECT id, status, worker, error FROM run WHERE model_slug = ?", (MODEL,)).fetchall()


def wait_for(condition, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / 0.2) + 1):
        if condition():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout_s:.0f} s")


def open_page(browser, url: str):
    context = signed_in_context(browser, url, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context, context.new_page()


def test_a_run_killed_with_its_server_shows_as_interrupted_after_the_restart(browser, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with ContractServer(api_key=KEY, prefix="/v1") as upstream:
        upstream.set_fault("/multimodal/image", Fault(delay=120))
        first = start_app(
            upstream_url=upstream.url, upstream_key=KEY, data_dir=data_dir, log_path=ARTIFACTS / "interrupt-first.log"
        )
        try:
            context, page = open_page(browser, first.url)
            page.goto(f"{GALLERY}/{MODEL}")
            page.wait_for_load_state("networkidle")
            page.get_by_test_id("field-prompt").fill("a lighthouse in a storm")
            page.get_by_test_id("run").click()
            wait_for(lambda: upstream.requests_to("/multimodal/image", "POST"), "the upstream got the image request")
            [(run_id, status, worker, _)] = stored_runs(data_dir)
            assert status == "running"
            owner = ProcessId.parse(worker)
            assert owner is not None and is_alive(owner)
            context.close()
            os.killpg(first.process.pid, signal.SIGKILL)  # the whole app, at once: no shutdown code runs
            first.process.wait(timeout=30)
            wait_for(lambda: not is_alive(owner), f"the process that ran the run (pid {owner.pid}) died")
        finally:
            stop_app(first)
    assert stored_runs(data_dir)[0][1] == "running"  # nothing marked it on the way down

    second = start_app(
        upstream_url=None, upstream_key=None, data_dir=data_dir, log_path=ARTIFACTS / "interrupt-second.log"
    )
    try:
        [(_, status, _, error)] = stored_runs(data_dir)
        assert status == "interrupted"
        reason = interrupted_reason(owner)
        assert error == reason
        assert f"(pid {owner.pid} on host {owner.host})" in reason

        context, page = open_page(browser, second.url)
        page.goto(f"{GALLERY}/{MODEL}/runs?run={run_id}")
        expect(page.get_by_test_id("selected-run-status")).to_have_text("interrupted")
        expect(page.get_by_test_id("selected-run-error")).to_have_text(reason)
        expect(page.get_by_test_id("run-row-status")).to_have_text(["interrupted"])
        expect(page.get_by_text("running", exact=True)).to_have_count(0)
        screenshot(page, "interrupted-run-request-log")

        # The playground that loads the run shows its reason and is ready to run again.
        page.goto(f"{GALLERY}/{MODEL}?run={run_id}")
        expect(page.get_by_test_id("run-error")).to_have_text(reason)
        expect(page.get_by_test_id("run")).to_be_enabled()
        context.close()
    finally:
        stop_app(second)
