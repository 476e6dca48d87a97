"""Benchmark of the scaled mode (issue 14), on this machine, over the loopback interface only.

    .venv/bin/python benchmarks/scale.py [--seconds 5] [--rounds 3] [--concurrency 16]

Starts a real PostgreSQL and Redis (tests/support/services.py, temporary folders), the loopback
upstream (tests/support/contract_server.py), the local engine as its own service
(`python -m ai_registry engine`), a job worker (`python -m ai_registry worker`) and the web app
(`python -m ai_registry web --workers N`), and prints:

  (a) requests per second with one web worker (engine in-process) and with two (engine split out),
      both with runs inline, and their ratio, for
      - gallery page loads: `GET /dashboard/ai-settings/` with a signed-in person's cookie (the page
        as the server sends it; the cards then come over the websocket, not counted here);
      - `GET /api/models?per_page=50` with an API key (catalog refresh check, query, JSON).
      `--concurrency` requests are kept in flight from this process (which shares the machine's
      cores with the servers) for `--seconds`; rounds alternate between the two apps, both running.
  (b) with two web workers and runs as jobs (`AI_REGISTRY_QUEUE=procrastinate`): every web worker
      SIGKILLed during a playground image run that the upstream answers after 10 s; seconds from the
      kill to the replacement workers answering, to the reloaded tab holding its form, to the run's
      result on screen and to its record `succeeded` (and when the upstream answered, for scale: the
      result cannot come before it).
  (c) resident memory (VmRSS) per web worker after a local chat and an embedding run in the
      playground (inline, so in the web worker): with the engine in the web worker (the embedded
      default) and split out (`AI_REGISTRY_ENGINE_URL`), plus the engine service's own.
  (d) three concurrent chats against the engine service: wall time of three at once divided by one,
      rounds alternating (the issue's target: at most 1.5).

Each web app makes a production build of the frontend when it starts (a minute or more). Every
loop is bounded in count and in time. The machine is shared: figures vary with what else runs on
it; the ratios matter more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.e2e.test_scaled_faults import answers, children_of, runs  # noqa: E402
from tests.support.app_process import (  # noqa: E402
    CHROMIUM_ARGS,
    _wait_ready,
    account_email,
    create_accounts,
    free_port,
    run_cli,
    session_token,
    signed_in_context,
)
from tests.support.contract_server import ContractServer, Fault  # noqa: E402
from tests.support.services import start_postgres, start_redis, stop_postgres, stop_redis  # noqa: E402

UPSTREAM_KEY = "bench-scale-upstream-key"
ENGINE_KEY = "bench-scale-engine-key"
GALLERY = "/dashboard/ai-settings"
IMAGE_MODEL = "qwen-image-edit"
CHAT_SLUG = "local-smollm2-135m-instruct"
EMBED_SLUG = "local-all-minilm-l6-v2"
CHAT_MODEL = "smollm2-135m-instruct"
UPSTREAM_DELAY_S = 10.0
STARTUP_S = 600.0
WAIT_S = 120.0
CHAT_TOKENS = 96
CHAT_ROUNDS = 3
LOGS = Path(tempfile.gettempdir()) / "ai-registry-bench-scale"


def wait_for(condition: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> object:
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / 0.05) + 1):
        if value := condition():
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not happen within {timeout_s:.0f} s")


def run_async(coroutine):
    """`asyncio.run` in a thread of its own: Playwright's sync API keeps a loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(name: str, argv: list[str], env: Mapping[str, str]) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{name}.log").open("ab") as log:
        return subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Services:
    """PostgreSQL, Redis, the loopback upstream and the engine service, for every deployment."""

    def __init__(self) -> None:
        self.postgres = start_postgres()
        self.redis = start_redis()
        self.upstream = ContractServer(api_key=UPSTREAM_KEY, prefix="/v1").start()
        self.data_dir = Path(tempfile.mkdtemp(prefix="ai-registry-bench-scale-"))
        self.database_url = self.postgres.url(self.postgres.create_database())
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "REFLEX_REDIS_URL": self.redis.url,
            "AI_REGISTRY_QUEUE": "procrastinate",
            "AI_REGISTRY_DATA_DIR": str(self.data_dir),
            "AI_REGISTRY_ENGINE_KEY": ENGINE_KEY,
            "AINATIVE_API_BASE": self.upstream.url,
            "AINATIVE_API_KEY": UPSTREAM_KEY,
            "HF_HUB_OFFLINE": "1",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
            f"{os.pathsep}{os.environ.get('PATH', '')}",
        }
        migrate = [sys.executable, "-m", "ai_registry", "migrate"]
        subprocess.run(migrate, cwd=ROOT, env=self.env, check=True, timeout=300)
        create_accounts(self.env)
        self.api_key = run_cli(self.env, "keys", "create", "--user", account_email("member"), "--name", "bench")
        self.api_key = self.api_key.stdout.strip().splitlines()[-1].strip()
        self.engine_port = free_port()
        self.engine_url = f"http://127.0.0.1:{self.engine_port}"
        self.engine = start("engine", [sys.executable, "-m", "ai_registry", "engine", "--port", str(self.engine_port)],
                            self.env)  # fmt: skip
        worker_env = {**self.env, "AI_REGISTRY_ENGINE_URL": self.engine_url}  # as `make cluster` runs it
        self.worker = start("worker", [sys.executable, "-m", "ai_registry", "worker"], worker_env)
        wait_for(lambda: _ok(f"{self.engine_url}/v1/models", ENGINE_KEY), "the engine service answering", STARTUP_S)

    def close(self) -> None:
        for process in (self.worker, self.engine):
            stop(process)
        self.upstream.stop()
        stop_redis(self.redis)
        stop_postgres(self.postgres)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _ok(url: str, key: str) -> bool:
    try:
        return httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=5, trust_env=False).is_success
    except httpx.HTTPError:
        return False


class Web:
    """`python -m ai_registry web --workers N` on a free port, with the services' environment."""

    def __init__(self, services: Services, *, workers: int, engine_split: bool, queue: str) -> None:
        env = {**services.env, "AI_REGISTRY_QUEUE": queue}
        if engine_split:
            env["AI_REGISTRY_ENGINE_URL"] = services.engine_url
        self.label = f"{workers} web worker{'s' if workers > 1 else ''}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        argv = [sys.executable, "-m", "ai_registry", "web", "--port", str(self.port), "--workers", str(workers)]
        self.process = start(f"web-{workers}-{queue}-{'split' if engine_split else 'embedded'}", argv, env)
        try:
            _wait_ready(self.url, self.process, time.monotonic() + STARTUP_S)
            wait_for(lambda: len(children_of(self.process.pid)) == workers, f"{workers} web workers")
        except BaseException:
            stop(self.process)
            raise

    def worker_pids(self) -> set[int]:
        return children_of(self.process.pid)

    def close(self) -> None:
        stop(self.process)


# -- (a) requests per second ------------------------------------------------------------------------


async def _rate(url: str, *, headers: Mapping[str, str], cookies: Mapping[str, str], seconds: float,
                concurrency: int) -> tuple[float, int]:  # fmt: skip
    """Successful responses per second with `concurrency` requests in flight; and the failures."""
    done = failed = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=dict(headers), cookies=dict(cookies), timeout=30, limits=limits,
                                 trust_env=False) as client:  # fmt: skip
        for _ in range(concurrency):  # warm: connections open, catalog refreshed in every worker
            await client.get(url)
        end = time.monotonic() + seconds

        async def loop() -> None:
            nonlocal done, failed
            while time.monotonic() < end:
                try:
                    response = await client.get(url)
                    if response.status_code == 200:
                        done += 1
                    else:
                        failed += 1
                except httpx.HTTPError:
                    failed += 1

        started = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return done / (time.monotonic() - started), failed


def bench_throughput(services: Services, webs: list[Web], args: argparse.Namespace) -> None:
    """Rounds alternate between the deployments, so each sees the same background load."""
    targets = {"gallery page loads": f"{GALLERY}/", "/api/models": "/api/models?per_page=50"}
    key = {"Authorization": f"Bearer {services.api_key}"}
    cookies = {web.url: {"air_session": session_token(web.url, "viewer")} for web in webs}
    rates: dict[tuple[str, str], list[float]] = {}
    for round_number in range(args.rounds):
        for name, path in targets.items():
            for web in webs:
                headers, jar = (key, {}) if path.startswith("/api/") else ({}, cookies[web.url])
                rate, failed = run_async(_rate(web.url + path, headers=headers, cookies=jar, seconds=args.seconds,
                                               concurrency=args.concurrency))  # fmt: skip
                rates.setdefault((name, web.label), []).append(rate)
                print(f"    round {round_number + 1}, {web.label}, {name}: {rate:6.1f}/s ({failed} failed)", flush=True)
    for name in targets:
        medians = [statistics.median(rates[(name, web.label)]) for web in webs]
        figures = ", ".join(f"{web.label} {m:.1f}/s" for web, m in zip(webs, medians, strict=True))
        print(f"  {name} (median of {args.rounds} rounds of {args.seconds:.0f} s): {figures}; "
              f"ratio {medians[-1] / medians[0]:.2f}x")  # fmt: skip


# -- (b) a web-worker kill during a run ----------------------------------------------------------


def bench_kill(services: Services, web: Web, browser) -> None:
    from playwright.sync_api import expect

    upstream = services.upstream
    upstream.set_fault("/multimodal/image", Fault(delay=UPSTREAM_DELAY_S, times=1))
    context = signed_in_context(browser, web.url, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{GALLERY}/{IMAGE_MODEL}")
        page.wait_for_load_state("networkidle")
        page.get_by_test_id("field-prompt").fill("a lighthouse in a storm")
        before_runs = set(runs(services.database_url))
        page.get_by_test_id("run").click()
        wait_for(lambda: upstream.requests_to("/multimodal/image", "POST"), "the upstream got the image request")
        sent = time.monotonic()
        [run_id] = wait_for(lambda: set(runs(services.database_url)) - before_runs, "the run record")
        time.sleep(1.0)  # the run is well under way
        before = web.worker_pids()
        killed = time.monotonic()
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: (found := web.worker_pids()) and len(found) == web.workers and not found & before,
                 "new web workers")  # fmt: skip
        wait_for(lambda: answers(web.url), "the new workers answering")
        answering = time.monotonic() - killed
        page.reload()
        expect(page.get_by_test_id("field-prompt")).to_have_value("a lighthouse in a storm", timeout=WAIT_S * 1000)
        form_back = time.monotonic() - killed
        expect(page.get_by_test_id("result-image")).to_be_visible(timeout=WAIT_S * 1000)
        on_screen = time.monotonic() - killed
        wait_for(lambda: runs(services.database_url).get(run_id) == "succeeded", "the run record succeeded")
        recorded = time.monotonic() - killed
        upstream_done = sent + UPSTREAM_DELAY_S - killed
        print(f"  SIGKILL of {len(before)} web workers, {UPSTREAM_DELAY_S:.0f} s image run under way:")
        print(f"    replacement workers answering   {answering:6.2f} s after the kill")
        print(f"    reloaded tab holds its form     {form_back:6.2f} s")
        print(f"    result on screen                {on_screen:6.2f} s  (upstream answered at ~{upstream_done:.1f} s)")
        print(f"    run record `succeeded` (seen)   {recorded:6.2f} s")
        sends = len(upstream.requests_to("/multimodal/image", "POST"))
        print(f"    upstream image requests         {sends} (1: the run was followed, not run again)")
    finally:
        context.close()
        upstream.set_fault("/multimodal/image", None)


# -- (c) memory per web worker -------------------------------------------------------------------


def local_runs(web: Web, browser) -> None:
    """A local chat and an embedding through the playground, as a person runs them."""
    from playwright.sync_api import expect

    context = signed_in_context(browser, web.url, "admin", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{GALLERY}/{CHAT_SLUG}")
        page.wait_for_load_state("networkidle")
        box = page.get_by_test_id("chat-input")
        box.fill("Name a colour.")
        box.press("Enter")
        expect(page.get_by_test_id("message-assistant").last).not_to_be_empty(timeout=WAIT_S * 1000)
        expect(page.get_by_test_id("chat-send")).to_be_visible(timeout=WAIT_S * 1000)
        page.goto(f"{GALLERY}/{EMBED_SLUG}")
        page.wait_for_load_state("networkidle")
        field = page.get_by_test_id("field-input")
        field.fill("a sentence to embed")
        page.get_by_test_id("run").click()
        expect(page.get_by_test_id("result-dimensions")).to_contain_text("384 dimensions", timeout=WAIT_S * 1000)
    finally:
        context.close()


def bench_memory(web: Web, browser, label: str) -> list[float]:
    idle = sorted(rss_mib(pid) for pid in web.worker_pids())
    local_runs(web, browser)
    loaded = sorted(rss_mib(pid) for pid in web.worker_pids())
    print(f"  web worker RSS, engine {label}: idle {', '.join(f'{m:.0f}' for m in idle)} MiB; "
          f"after a local chat and an embedding {', '.join(f'{m:.0f}' for m in loaded)} MiB")  # fmt: skip
    return loaded


# -- (d) three concurrent chats ------------------------------------------------------------------


async def _chat(client: httpx.AsyncClient, url: str, prompt: str) -> tuple[float, int]:
    started = time.monotonic()
    response = await client.post(
        f"{url}/v1/chat/completions",
        json={"model": CHAT_MODEL, "max_tokens": CHAT_TOKENS, "temperature": 0,
              "messages": [{"role": "user", "content": prompt}]},
    )  # fmt: skip
    response.raise_for_status()
    return time.monotonic() - started, int(response.json()["usage"]["completion_tokens"])


async def _chats(url: str, count: int) -> tuple[float, list[int]]:
    headers = {"Authorization": f"Bearer {ENGINE_KEY}"}
    async with httpx.AsyncClient(headers=headers, timeout=300, trust_env=False) as client:
        started = time.monotonic()
        prompts = [f"Tell a long story about lighthouse number {i}." for i in range(count)]
        results = await asyncio.gather(*(_chat(client, url, p) for p in prompts))
        return time.monotonic() - started, [tokens for _, tokens in results]


def bench_chats(services: Services) -> None:
    run_async(_chats(services.engine_url, 1))  # the model loaded
    ones, threes = [], []
    for _ in range(CHAT_ROUNDS):  # alternating, so both see the same background load
        one, tokens_one = run_async(_chats(services.engine_url, 1))
        three, tokens_three = run_async(_chats(services.engine_url, 3))
        ones.append(one)
        threes.append(three)
        print(f"    one chat {one:5.2f} s ({tokens_one[0]} tokens); three at once {three:5.2f} s "
              f"({', '.join(map(str, tokens_three))} tokens)")  # fmt: skip
    one, three = statistics.median(ones), statistics.median(threes)
    print(f"  three concurrent chats / one chat: {three:.2f} / {one:.2f} s = {three / one:.2f}x (target at most 1.5x)")
    print(f"  engine service RSS: {rss_mib(services.engine.pid):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per round and target (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per deployment and target (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    args = parser.parse_args()
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        sys.exit("Chromium is missing: `make setup-test` installs it.")
    from playwright.sync_api import sync_playwright

    print(f"scale benchmark on {os.cpu_count()} cores (logs in {LOGS})", flush=True)
    services = Services()
    webs: list[Web] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            print("(d) the engine service", flush=True)
            bench_chats(services)

            # Runs inline in the web worker here, so where the engine lives decides the worker's memory.
            print("(a, c) one web worker (engine in-process) and two (engine split out), runs inline", flush=True)
            # Both apps build into this checkout's .web: each is used in the browser while its build is current.
            webs.append(Web(services, workers=1, engine_split=False, queue="inline"))
            in_process = bench_memory(webs[0], browser, "in-process")
            webs.append(Web(services, workers=2, engine_split=True, queue="inline"))
            split = bench_memory(webs[1], browser, "split out")
            bench_throughput(services, webs, args)
            engine = rss_mib(services.engine.pid)
            print(f"  RSS of the busiest web worker: {max(in_process):.0f} MiB with the engine in-process, "
                  f"{max(split):.0f} MiB split out; the engine service {engine:.0f} MiB")  # fmt: skip
            while webs:
                webs.pop().close()

            print("(b) two web workers, runs as jobs (AI_REGISTRY_QUEUE=procrastinate), engine split out", flush=True)
            webs.append(Web(services, workers=2, engine_split=True, queue="procrastinate"))
            bench_kill(services, webs[0], browser)
            print(f"  job worker RSS: {rss_mib(services.worker.pid):.0f} MiB")
            browser.close()
    finally:
        while webs:
            webs.pop().close()
        services.close()


if __name__ == "__main__":
    main()
