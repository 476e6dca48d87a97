"""Playground benchmark: is the app still responsive while long runs are in flight, and what does a
big video response cost in memory?

1. The production app is started against the loopback upstream (CONTRACT.md) whose video and image
   routes are made to take `--run-seconds` each. One browser session measures the round trip of a
   simple UI event (a duration button: click -> the server's answer marks it checked) with no run in
   flight, then while three other sessions each have a long run going. Prints p50/p95 of both and
   the ratio of the p50s (target at most 1.2).
2. The memory side is `benchmarks/playground_memory.py` (a 50 MB video received by the inference
   client), run here in a subprocess so its figures print with the rest.

Prints figures; asserts nothing. Everything binds to 127.0.0.1 and every loop is bounded.

    .venv/bin/python benchmarks/playground.py [--samples 40] [--run-seconds 40]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai_registry.store.api_keys import KEY_PREFIX, hash_key  # noqa: E402
from tests.support.app_process import CHROMIUM_ARGS, signed_in_context, start_app, stop_app  # noqa: E402
from tests.support.contract_server import ContractServer, Fault  # noqa: E402

KEY = "bench-upstream-key"
PROBE_MODEL = "alibaba-wan-22-i2v-720p"
# Three different models, so the per-model rate limits (1-5 runs a minute) do not refuse them.
LONG_RUNS = [
    ("text-to-video", "/multimodal/video/t2v"),
    ("cogvideox-2b", "/multimodal/video/cogvideox"),
    ("qwen-image-edit", "/multimodal/image"),
]

# Click a duration button and wait for the server's state to mark it checked; returns milliseconds.
ROUND_TRIP_JS = """
async (value) => {
  const button = document.querySelector(`[data-testid="option-duration-${value}"]`);
  const start = performance.now();
  button.click();
  const deadline = start + 10000;
  while (button.getAttribute('aria-checked') !== 'true') {
    if (performance.now() > deadline) return -1;
    await new Promise(r => requestAnimationFrame(r));
  }
  return performance.now() - start;
}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(page, samples: int) -> list[float]:
    times = []
    for i in range(samples):
        value = (5, 8)[i % 2]
        ms = page.evaluate(ROUND_TRIP_JS, value)
        if ms >= 0:
            times.append(ms)
        page.wait_for_timeout(50)
    return times


def start_long_run(browser, base_url: str, slug: str):
    context = signed_in_context(browser, base_url)
    page = context.new_page()
    page.goto(f"/dashboard/ai-settings/{slug}")
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("field-prompt").fill("a slow benchmark run")
    page.get_by_test_id("run").click()
    page.get_by_test_id("progress").wait_for(timeout=15_000)
    return context


def start_local_chat(browser, base_url: str):
    """A long answer from the local SmolLM2 model: the engine stays busy on the CPU meanwhile."""
    context = signed_in_context(browser, base_url)
    page = context.new_page()
    page.goto("/dashboard/ai-settings/local-smollm2-135m-instruct")
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("field-max_tokens").fill("512")
    page.get_by_test_id("chat-input").fill("Write a long story about a lighthouse keeper and the sea.")
    page.get_by_test_id("chat-send").click()
    page.get_by_test_id("chat-stop").wait_for(timeout=15_000)
    return context, page


def create_app_key(data_dir: Path) -> str:
    """An API key of the app, written to its database the way Developer settings stores one (a hash)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with sqlite3.connect(data_dir / "registry.db") as db:
        db.execute(
            "INSERT INTO api_key (name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?)",
            ("benchmark", raw[:10], hash_key(raw), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
    return raw


class ApiChatLoad:
    """Keeps the local engine generating for an OpenAI-style API client until stopped."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.tokens = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        body = {
            "model": "smollm2-135m-instruct",
            "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
            "max_tokens": 512,
            "stream": True,
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base_url, timeout=120) as client:
            for _ in range(50):  # bounded: each answer takes a few seconds
                if self._stop.is_set():
                    return
                with client.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response:
                    for line in response.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.startswith("data: {"):
                            self.tokens += 1

    def __enter__(self) -> ApiChatLoad:
        self._thread.start()
        deadline = time.monotonic() + 30
        while self.tokens == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--run-seconds", type=float, default=40.0)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is missing: run `make test` once (it installs Debian's chromium)")
    with tempfile.TemporaryDirectory() as tmp, ContractServer(api_key=KEY) as upstream:
        app = start_app(
            upstream_url=upstream.url, upstream_key=KEY, data_dir=Path(tmp) / "data", log_path=Path(tmp) / "app.log"
        )
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                probe_context = signed_in_context(browser, app.url)
                probe = probe_context.new_page()
                probe.goto(f"/dashboard/ai-settings/{PROBE_MODEL}")
                probe.wait_for_load_state("networkidle")
                measure(probe, 5)  # warm up
                idle = measure(probe, args.samples)

                for _slug, route in LONG_RUNS:
                    upstream.set_fault(route, Fault(delay=args.run_seconds))
                started = time.monotonic()
                runners = [start_long_run(browser, app.url, slug) for slug, _route in LONG_RUNS]
                busy = measure(probe, args.samples)
                still_running = time.monotonic() - started < args.run_seconds
                for context in runners:
                    context.close()

                # The local engine busy generating for an API client (issue 6): the dashboard must not notice.
                with ApiChatLoad(app.url, create_app_key(app.data_dir)) as load:
                    engine_busy = measure(probe, args.samples)
                    tokens_during = load.tokens

                # The same, with the answer streaming into a second browser on these two cores.
                chat_context, chat_page = start_local_chat(browser, app.url)
                engine_and_browser = measure(probe, args.samples)
                chat_still_running = chat_page.get_by_test_id("chat-stop").is_visible()
                chat_context.close()
                probe_context.close()
                browser.close()
        finally:
            stop_app(app)

    print(f"UI event round trip (duration button click -> checked), {args.samples} samples each")
    print(f"  idle:                      p50 {statistics.median(idle):6.1f} ms   p95 {percentile(idle, 0.95):6.1f} ms")
    print(f"  3 long runs in flight:     p50 {statistics.median(busy):6.1f} ms   p95 {percentile(busy, 0.95):6.1f} ms")
    ratio = statistics.median(busy) / statistics.median(idle)
    verdict = "OK" if ratio <= 1.2 else "ABOVE TARGET"
    print(f"  ratio busy/idle (p50):     {ratio:.2f}  (target <= 1.2)  -> {verdict}")
    if not still_running:
        print("  note: the long runs ended before the busy samples did; raise --run-seconds")
    for label, busy_times, note in (
        ("local engine generating (API client)", engine_busy, f"{tokens_during} tokens streamed meanwhile"),
        (
            "... and its answer in a 2nd browser",
            engine_and_browser,
            "" if chat_still_running else "the answer ended before the samples did",
        ),
    ):
        ratio = statistics.median(busy_times) / statistics.median(idle)
        print(
            f"  {label}: p50 {statistics.median(busy_times):6.1f} ms   p95 {percentile(busy_times, 0.95):6.1f} ms   "
            f"ratio {ratio:.2f} (target <= 1.2) -> {'OK' if ratio <= 1.2 else 'ABOVE TARGET'}"
            + (f"  ({note})" if note else "")
        )
    print()
    print("Memory while a 50 MB video response is received (benchmarks/playground_memory.py):")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "playground_memory.py")], check=False, timeout=600)


if __name__ == "__main__":
    main()
