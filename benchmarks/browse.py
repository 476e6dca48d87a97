"""How fast the gallery is, from a real Chromium session against the production server.

    .venv/bin/python benchmarks/browse.py [--runs 15] [--round-trips 20] [--sizes 1000,10000]

Prints:
  (a) time from navigation start to the first card on screen for the built-in catalog, median of
      cold navigations (a new browser context each) of the gallery's address, divided by the same
      for a static HTML copy of the page (the server's own prerendered card markup and built CSS,
      images and icon, no scripts) served by a loopback http.server; target at most 1.2 (issue 18).
  (b) p50 and p95 of category switch, sort and search round trips with 1,000 and 10,000 models:
      from the event leaving the browser (the websocket send after the click, the select change or
      the debounced keystroke) to the grid updated in the DOM and the next frame; target p95 under
      100 ms at 10,000.
      Also the search keystroke: from the last key of a query typed into the box (the debounce
      included) to the new cards; target p50 at most 150 ms.
  (c) the same at 10,000 models while the app refreshes its sources every second (cache TTL 1 s
      instead of the default 300 s): what a person sees while a large catalog is being re-fetched.

Everything runs on 127.0.0.1: the loopback upstream (tests/support/contract_server.py), the app
(`reflex run --env prod`, started here once per catalog size) and the static server. Every loop is
bounded in count and in time.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import ARTIFACTS  # noqa: E402
from tests.support.app_process import (  # noqa: E402
    CHROMIUM_ARGS,
    RunningApp,
    sign_in_browser,
    start_app,
    stop_app,
)
from tests.support.contract_server import ContractServer  # noqa: E402
from tests.support.synthetic import synthetic_registry_models  # noqa: E402

UPSTREAM_KEY = "bench-upstream-key"
# The production default: no source refresh in the middle of a measurement.
APP_ENV = {"AI_REGISTRY_CACHE_TTL_S": "300", "AI_REGISTRY_SOURCE_TIMEOUT_S": "10"}
GALLERY = "/dashboard/ai-settings/"  # where the build keeps the prerendered page
PAGE_URL = "/dashboard/ai-settings"  # the address people use (the spec's), not the build's folder
TIME_BUDGET_S = 600  # the whole benchmark stops measuring after this, whatever is left
OP_TIMEOUT_MS = 5_000

# Runs before any page script: first-card-visible time, and the time of each websocket send.
FIRST_CARD_PROBE = """
(() => {
  const check = () => {
    const el = document.querySelector('[data-testid=model-card]');
    if (el) {
      const r = el.getBoundingClientRect();
      if (r.height > 0 && r.width > 0 && r.top < innerHeight && getComputedStyle(el).visibility !== 'hidden') {
        window.__firstCard = performance.now();
        return;
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""
SEND_PROBE = """
(() => {
  const send = WebSocket.prototype.send;
  window.__sends = [];
  WebSocket.prototype.send = function (data) {
    if (data !== '3' && data !== '2') window.__sends.push(performance.now());  // not engine.io ping/pong
    return send.call(this, data);
  };
})();
"""
# Resolves with timings once the grid's signature (count text and first card slugs) changes.
WATCH_GRID = """
([startedAt, timeoutMs]) => new Promise((resolve) => {
  const sig = () => {
    const count = document.querySelector('[data-testid=result-count]');
    const slugs = [...document.querySelectorAll('[data-testid=model-card]')].slice(0, 4).map(e => e.dataset.slug);
    return (count ? count.textContent : '') + '|' + slugs.join(',');
  };
  const before = window.__sigBefore;
  const grid = document.querySelector('main');
  let done = false;
  const finish = (ok) => {
    if (done) return;
    done = true;
    observer.disconnect();
    const dom = performance.now();
    requestAnimationFrame(() => {
      const frame = performance.now();
      const sends = window.__sends.filter(t => t >= startedAt);
      const cards = document.querySelectorAll('[data-testid=model-card]').length;
      resolve({ok, dom, frame, sent: sends.length ? sends[0] : null, startedAt, cards});
    });
  };
  const observer = new MutationObserver(() => { if (sig() !== before) finish(true); });
  observer.observe(grid, {subtree: true, childList: true, characterData: true, attributes: true});
  if (sig() !== before) finish(true);
  setTimeout(() => finish(false), timeoutMs);
})
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@contextlib.contextmanager
def running_app(upstream: ContractServer, n_models: int, label: str, ttl_s: int = 300) -> Iterator[RunningApp]:
    upstream.reset()
    upstream.registry_models = synthetic_registry_models(n_models) if n_models else []
    with tempfile.TemporaryDirectory(prefix="bench-app-") as data_dir:
        app = start_app(
            upstream_url=upstream.url,
            upstream_key=UPSTREAM_KEY,
            data_dir=Path(data_dir),
            log_path=ARTIFACTS / f"bench-app-{label}.log",
            extra_env={**APP_ENV, "AI_REGISTRY_CACHE_TTL_S": str(ttl_s)},
        )
        try:
            yield app
        finally:
            stop_app(app)


# ------------------------------------------------------------------------------------------------
# (a) first card: the app against a static copy of its own HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a browser closing early is not news
        pass


@contextlib.contextmanager
def static_copy(app: RunningApp, folder: Path) -> Iterator[str]:
    """The app's prerendered gallery HTML without scripts, its CSS and images, on a loopback server."""
    with httpx.Client(base_url=app.url, timeout=10, cookies=app.cookies("viewer")) as client:
        html = client.get(GALLERY).text
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
        html = re.sub(r'<link rel="modulepreload"[^>]*/>', "", html)
        assets = set(re.findall(r'href="(/[^"]+\.css)"', html)) | set(re.findall(r'src="(/[^"]+)"', html))
        assets.add("/favicon.ico")
        for asset in assets:
            target = folder / urlparse(asset).path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            response = client.get(asset)
            if response.status_code == 200:
                target.write_bytes(response.content)
    page = folder / PAGE_URL.strip("/") / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(html, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # The trailing slash: http.server would answer the folder with a redirect.
        yield f"http://127.0.0.1:{server.server_address[1]}{PAGE_URL}/"
    finally:
        server.shutdown()
        server.server_close()


def first_card_ms(browser, url: str, app_url: str) -> tuple[float, float]:
    """Navigation start to the first card on screen, and to the first card laid out, in a cold context.

    Laid out: the first animation frame in which the card has a box in the viewport (its frame is
    still to be painted). On screen: that, or the first contentful paint if it comes later; when
    the card is laid out before the first contentful paint, that paint is the one that shows it.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    sign_in_browser(context, app_url, "viewer")  # the app's pages need a session; the static copy ignores it
    try:
        page = context.new_page()
        page.add_init_script(FIRST_CARD_PROBE)
        page.goto(url, wait_until="commit", timeout=20_000)
        page.wait_for_function(
            "() => window.__firstCard !== undefined && performance.getEntriesByName('first-contentful-paint').length",
            timeout=20_000,
        )
        laid_out, fcp = page.evaluate(
            "() => [window.__firstCard, performance.getEntriesByName('first-contentful-paint')[0].startTime]"
        )
        return max(laid_out, fcp), laid_out
    finally:
        context.close()


def bench_first_card(browser, app: RunningApp, runs: int, deadline: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder, static_copy(app, Path(folder)) as static_url:
        app_url = urljoin(app.url, PAGE_URL)
        # One warm-up each (server-side caches, Chromium's own start-up), not counted.
        first_card_ms(browser, app_url, app.url)
        first_card_ms(browser, static_url, app.url)
        samples: dict[str, list[float]] = {"app": [], "static": [], "app_layout": [], "static_layout": []}
        for _ in range(runs):
            if time.monotonic() > deadline:
                break
            for name, url in (("app", app_url), ("static", static_url)):  # interleaved: same conditions
                on_screen, laid_out = first_card_ms(browser, url, app.url)
                samples[name].append(on_screen)
                samples[f"{name}_layout"].append(laid_out)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "runs": len(samples["app"]),
        **medians,
        "ratio": medians["app"] / medians["static"],
        "layout_ratio": medians["app_layout"] / medians["static_layout"],
    }


# ------------------------------------------------------------------------------------------------
# (b) round trips at 1,000 and 10,000 models


CATEGORY_CYCLE = ["video", "image", "audio", "coding", "embedding", "all"]
SORT_CYCLE = ["name", "oldest", "newest"]
OPERATIONS = ("category", "sort", "search", "keystroke")
# Queries whose last key changes the results (a number narrows a word's matches).
KEYSTROKE_CYCLE = ["otter 12", "falcon 7", "comet 3", "harbor 9", "ember 5", "maple 2", "quartz 8", "delta 4"]
SEARCH_CYCLE = ["swift", "otter 12", "nova", "bright comet", "acme", "falcon 7", "harbor", "globex ember"]


def _url_has(name: str, value: str | None):
    """A predicate on the page's URL: its query parameter `name` is `value` (None: absent)."""

    def check(url: str) -> bool:
        return parse_qs(urlparse(url).query).get(name, [None])[0] == value

    return check


def _open_loaded_gallery(browser, app: RunningApp, expected_total: int):
    context = app.signed_in_context(browser, "viewer", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(SEND_PROBE)
    page.goto(PAGE_URL)
    # The first visit refreshes the sources in the background; the count follows.
    page.wait_for_function(
        "n => (document.querySelector('[data-testid=result-count]') || {}).textContent === n + ' models'",
        arg=expected_total,
        timeout=60_000,
    )
    page.wait_for_load_state("networkidle")
    return context, page


def _measure(page, act, *, settled) -> dict | None:
    page.evaluate(
        """() => {
          const count = document.querySelector('[data-testid=result-count]');
          const slugs = [...document.querySelectorAll('[data-testid=model-card]')].slice(0, 4).map(e => e.dataset.slug);
          window.__sigBefore = (count ? count.textContent : '') + '|' + slugs.join(',');
        }"""
    )
    page.evaluate(f"() => {{ window.__watch = ({WATCH_GRID})([performance.now(), {OP_TIMEOUT_MS}]); }}")
    act()
    result = page.evaluate("() => window.__watch")
    # The choice lands in the URL, and the route change asks the server once more (on_load).
    with contextlib.suppress(Exception):
        page.wait_for_url(settled, timeout=OP_TIMEOUT_MS)
    page.wait_for_timeout(150)
    if not result["ok"] or result["sent"] is None:
        return None
    return {
        "from_send": result["frame"] - result["sent"],
        "from_action": result["frame"] - result["startedAt"],
        "cards": result["cards"],
    }


def _steps(page, op: str, i: int):
    """The i-th step of an operation: what to do, and the URL that says the choice landed."""
    if op == "category":
        cat = CATEGORY_CYCLE[i % len(CATEGORY_CYCLE)]
        return page.get_by_test_id(f"tab-{cat}").click, _url_has("category", cat if cat != "all" else None)
    if op == "sort":
        order = SORT_CYCLE[i % len(SORT_CYCLE)]
        return (
            functools.partial(page.get_by_test_id("sort-select").select_option, order),
            _url_has("sort", order if order != "newest" else None),
        )
    query = SEARCH_CYCLE[i % len(SEARCH_CYCLE)]
    if op == "keystroke":
        query = KEYSTROKE_CYCLE[i % len(KEYSTROKE_CYCLE)]
        # Everything but the last character first (not measured), then the last key as a person types it.
        box = page.get_by_test_id("search-input")
        box.fill(query[:-1])
        with contextlib.suppress(Exception):
            page.wait_for_url(_url_has("q", query[:-1].strip() or None), timeout=OP_TIMEOUT_MS)
        page.wait_for_timeout(150)
        return functools.partial(box.press, query[-1]), _url_has("q", query)
    return functools.partial(page.get_by_test_id("search-input").fill, query), _url_has("q", query)


def bench_round_trips(browser, app: RunningApp, expected_total: int, count: int, deadline: float) -> dict:
    """Each operation `count` times (after one warm-up), each step changing the previous view."""
    context, page = _open_loaded_gallery(browser, app, expected_total)
    summary: dict = {}
    max_cards = 0
    try:
        for op in OPERATIONS:
            samples, failed = [], 0
            for i in range(count + 1):
                if time.monotonic() > deadline:
                    break
                act, settled = _steps(page, op, i)
                sample = _measure(page, act, settled=settled)
                if i == 0:
                    continue
                if sample is None:
                    failed += 1
                    continue
                samples.append(sample)
                max_cards = max(max_cards, sample["cards"])
            sent = [s["from_send"] for s in samples]
            summary[op] = {
                "n": len(sent),
                "failed": failed,
                "p50": percentile(sent, 0.5),
                "p95": percentile(sent, 0.95),
                "p50_from_action": percentile([s["from_action"] for s in samples], 0.5),
            }
    finally:
        context.close()
    summary["max_cards_in_dom"] = max_cards
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="cold navigations per page for (a)")
    parser.add_argument("--round-trips", type=int, default=20, help="measured round trips per operation and size")
    parser.add_argument("--sizes", default="1000,10000", help="synthetic models added for (b)")
    parser.add_argument(
        "--refresh-size", type=int, default=10_000,
        help="(c): the round trips again with this many models while the app refreshes its sources every second "
        "(a cache TTL of 1 s, as in the e2e tests; 0 skips it)",
    )
    parser.add_argument("--skip-first-card", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs, round_trips = max(1, min(args.runs, 100)), max(1, min(args.round_trips, 200))
    deadline = time.monotonic() + TIME_BUDGET_S

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("Chromium is missing: run `make setup-test`", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as upstream, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            baseline_total = None
            with running_app(upstream, 0, "builtin") as app:
                html = httpx.get(app.url + GALLERY, timeout=10, cookies=app.cookies("viewer")).text
                baseline_total = int(re.search(r"(\d+)\s*<!-- -->\s*models", html).group(1))
                if not args.skip_first_card:
                    first = bench_first_card(browser, app, runs, deadline)
                    print(
                        f"(a) first card on screen, {baseline_total} models, median of {first['runs']} cold loads: "
                        f"app {first['app']:.0f} ms, static {first['static']:.0f} ms, "
                        f"ratio {first['ratio']:.2f} (target <= 1.2); first card laid out: "
                        f"app {first['app_layout']:.0f} ms, static {first['static_layout']:.0f} ms, "
                        f"ratio {first['layout_ratio']:.2f}",
                        flush=True,
                    )
            runs_b = [(size, 300, "(b)") for size in sizes]
            if args.refresh_size:
                runs_b.append((args.refresh_size, 1, "(c)"))
            for size, ttl, tag in runs_b:
                if time.monotonic() > deadline:
                    print(f"{tag} {size:,} models: skipped, time budget spent")
                    continue
                with running_app(upstream, size, f"{size}-ttl{ttl}", ttl_s=ttl) as app:
                    summary = bench_round_trips(browser, app, baseline_total + size, round_trips, deadline)
                note = ", sources refreshed every second" if ttl == 1 else ""
                for op in OPERATIONS[:3]:
                    s = summary[op]
                    print(
                        f"{tag} {size:>6,} models{note}  {op:<8} p50 {s['p50']:6.1f} ms  p95 {s['p95']:6.1f} ms  "
                        f"(n={s['n']}, failed={s['failed']}; p50 from the user's action {s['p50_from_action']:.1f} ms)",
                        flush=True,
                    )
                k = summary["keystroke"]
                print(
                    f"{tag} {size:>6,} models{note}  search keystroke -> new cards p50 {k['p50_from_action']:6.1f} ms "
                    f"(the debounce included; p50 from the send {k['p50']:.1f} ms; n={k['n']}, failed={k['failed']}; "
                    "target p50 <= 150 ms)",
                    flush=True,
                )
                print(f"{tag} {size:>6,} models  at most {summary['max_cards_in_dom']} cards in the DOM", flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
