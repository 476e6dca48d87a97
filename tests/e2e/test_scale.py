"""The gallery with 10,000 more models from the upstream registry: paged, and still quick to use.

The loopback upstream serves synthetic models in the CONTRACT's ai-registry shape; the app picks
them up on its next refresh (its cache TTL is 1 s in these tests). Figures for the issue come from
benchmarks/browse.py; the bounds here only catch a page that stops being usable.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from ai_registry.aggregator.merge import SourceFacts, merge_catalog
from ai_registry.aggregator.normalize import normalize_registry_models
from ai_registry.catalog.models import CATEGORIES
from ai_registry.catalog.query import CatalogIndex
from tests.support.synthetic import synthetic_registry_models

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"
N = 10_000
PAGE_SIZE = 48
# Generous: a CI machine with two cores; the benchmark measures the real figures.
SLOW_S = 3.0


def count_text(page) -> str:
    return page.get_by_test_id("result-count").inner_text()


def cards(page):
    return page.locator("[data-testid=model-card]")


def tab_counts(page) -> dict[str, int]:
    return {c: int(page.get_by_test_id(f"tab-{c.lower()}").locator("span").inner_text()) for c in CATEGORIES}


@pytest.fixture(scope="module")
def synthetic():
    records = synthetic_registry_models(N)
    facts = normalize_registry_models({"models": records}).facts
    return records, CatalogIndex(merge_catalog([], [SourceFacts("registry", facts, "Coding", rich=True)]))


@pytest.fixture
def big(page, upstream, synthetic):
    """The gallery open on the big catalog; afterwards the app is back on the usual one."""
    records, index = synthetic
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.goto(GALLERY)
    page.wait_for_load_state("networkidle")
    baseline = tab_counts(page)
    upstream.registry_models = records
    page.wait_for_timeout(1_100)  # past the app's TTL: the next visit refreshes its sources
    page.reload()
    expect(page.get_by_test_id("result-count")).to_have_text(f"{baseline['All'] + N} models", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.received = received
    yield page, baseline, index
    upstream.reset()
    # A refresh that started before the reset may still bring the big list and count as fresh for the
    # TTL (1 s); later visits then fetch the small one. Visit again until it shows, for at most 90 s.
    expected = f"{baseline['All']} models"
    deadline = time.monotonic() + 90
    while True:
        page.wait_for_timeout(1_200)
        page.goto(GALLERY)
        page.wait_for_load_state("networkidle")
        try:
            expect(page.get_by_test_id("result-count")).to_have_text(expected, timeout=5_000)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def timed(page, action, expected_count: str) -> float:
    started = time.perf_counter()
    action()
    expect(page.get_by_test_id("result-count")).to_have_text(expected_count, timeout=15_000)
    return time.perf_counter() - started


def test_ten_thousand_models_paged_and_responsive(big):
    page, baseline, index = big
    synthetic = index.facets()
    assert tab_counts(page) == {c: baseline[c] + synthetic[c] for c in CATEGORIES}
    # Only one page of cards reaches the browser.
    expect(cards(page)).to_have_count(PAGE_SIZE)
    assert page.get_by_test_id("show-more").is_visible()

    timings = {}
    page.received.clear()
    expected = baseline["Video"] + synthetic["Video"]
    timings["category"] = timed(page, lambda: page.get_by_test_id("tab-video").click(), f"{expected} models")
    page.wait_for_url(re.compile(r"category=video"))
    expect(cards(page)).to_have_count(PAGE_SIZE)
    # The switch sent one page of cards, not the catalog (about 4 MB as JSON).
    page.wait_for_load_state("networkidle")
    assert sum(page.received) < 100_000, f"{sum(page.received)} bytes over the websocket for one switch"

    started = time.perf_counter()
    page.get_by_test_id("sort-select").select_option("name")
    page.wait_for_url(re.compile(r"sort=name"))
    names = [m.name for m in index.query(category="Video", sort="name")]
    first = cards(page).first.locator("h3")
    # The built-in video models sort in among the synthetic ones; the first card is one of either.
    page.wait_for_function(
        "() => { const h = [...document.querySelectorAll('[data-testid=model-card] h3')].map(e => e.textContent);"
        " return h.length > 1 && h.every((n, i) => i === 0 || h[i - 1].toLowerCase() <= n.toLowerCase()); }"
    )
    timings["sort"] = time.perf_counter() - started
    assert first.inner_text().casefold() <= names[0].casefold()

    q = "swift otter"
    expected = len(index.query(category="Video", q=q))
    assert 0 < expected < PAGE_SIZE
    timings["search"] = timed(page, lambda: page.get_by_test_id("search-input").fill(q), f"{expected} models")
    page.wait_for_url(re.compile(r"q=swift"))
    expect(cards(page)).to_have_count(expected)
    shown = cards(page).locator("h3").all_inner_texts()
    assert all("swift" in n.casefold() and "otter" in n.casefold() for n in shown)

    page.get_by_test_id("search-clear").click()
    page.get_by_test_id("tab-all").click()
    page.wait_for_url(re.compile(r"ai-settings\?sort=name$"))
    expect(page.get_by_test_id("result-count")).to_have_text(f"{baseline['All'] + N} models")
    page.get_by_test_id("show-more").click()
    expect(cards(page)).to_have_count(2 * PAGE_SIZE)

    print(" ".join(f"{op} {t * 1000:.0f} ms" for op, t in timings.items()))
    slow = {op: t for op, t in timings.items() if t > SLOW_S}
    assert not slow, f"slow at {N:,} models: {slow}"


def test_gallery_address_serves_its_cards_without_a_redirect(app_server):
    """The first HTML answers the address people use, and already holds the cards: first paint
    waits for no redirect and no websocket round trip (for a signed-in browser; others go to sign-in)."""
    cookies = app_server.cookies("viewer")
    anonymous = httpx.get(app_server.url + GALLERY + "?category=video", follow_redirects=False, timeout=10)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/sign-in?next=/dashboard/ai-settings%3Fcategory%3Dvideo"
    assert 'data-testid="model-card"' not in anonymous.text
    for query in ("", "?category=video&sort=name"):
        response = httpx.get(app_server.url + GALLERY + query, follow_redirects=False, timeout=10, cookies=cookies)
        assert response.status_code == 200, response.headers.get("location")
        assert response.text.count('data-testid="model-card"') >= 15
    missing = httpx.get(app_server.url + "/dashboard/no-such-page", follow_redirects=False, cookies=cookies)
    assert missing.status_code == 404
