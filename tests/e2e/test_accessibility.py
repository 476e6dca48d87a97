"""The gallery for people who use a keyboard or a screen reader.

axe-core (installed from the npm registry into .tools by `make setup-test`) is injected by
Playwright and must report no serious or critical violation; the keyboard reaches the category
tabs, the search box and the cards, each with a visible focus ring.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

GALLERY = "/dashboard/ai-settings"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 200)),
  }));
}"""
# What the element with focus is, and whether a focus ring is drawn around it.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    testid: el.dataset ? el.dataset.testid || '' : '',
    role: el.getAttribute('role') || '',
    tag: el.tagName.toLowerCase(),
    outline: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
  };
}"""


def axe_violations(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make setup-test`")
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def open_settled(page, query: str = "") -> None:
    page.goto(GALLERY + query)
    expect(page.locator("[data-testid=request-model-card]")).to_be_visible()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("view", "query"),
    [("default", ""), ("filtered", "?category=video&sort=name&q=i2v"), ("empty", "?category=image&q=zzzz-no-model")],
)
def test_no_serious_axe_violations(page, view, query):
    open_settled(page, query)
    if view == "empty":
        expect(page.get_by_test_id("empty-state")).to_be_visible()
    else:
        expect(page.locator("[data-testid=model-card]").first).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  {v['nodes']}" for v in violations)


def test_no_serious_axe_violations_on_a_phone(browser, app_server):
    context = app_server.signed_in_context(browser, viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        open_settled(page)
        assert axe_violations(page) == []
    finally:
        context.close()


def test_keyboard_reaches_tabs_search_and_cards_with_a_visible_focus_ring(page):
    open_settled(page)
    page.locator("body").focus()
    reached: dict[str, dict] = {}
    for _ in range(40):  # bounded: the first card comes after about a dozen stops
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        kind = "tab" if focused["role"] == "tab" else focused["testid"]
        if kind in ("tab", "search-input", "model-card") and kind not in reached:
            reached[kind] = focused
        if "model-card" in reached:
            break
    assert set(reached) == {"tab", "search-input", "model-card"}, reached
    # The tab row is one stop, at the selected tab.
    assert reached["tab"]["testid"] == "tab-all"
    for kind, focused in reached.items():
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 1, f"no focus ring on {kind}: {focused}"


def test_arrow_keys_move_between_tabs_and_enter_selects(page):
    open_settled(page)
    page.get_by_test_id("tab-all").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("tab-image")).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_test_id("tab-embedding")).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps around
    expect(page.get_by_test_id("tab-all")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"category=embedding"))
    tab = page.get_by_test_id("tab-embedding")
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(tab).to_have_attribute("tabindex", "0")
    expect(page.get_by_test_id("tab-all")).to_have_attribute("tabindex", "-1")
    panel = page.get_by_role("tabpanel")
    expect(panel).to_have_attribute("aria-labelledby", "tab-embedding")
    expect(tab).to_have_attribute("aria-controls", panel.get_attribute("id"))
