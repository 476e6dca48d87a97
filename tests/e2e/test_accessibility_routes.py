"""axe-core on every page of the app, at a phone's and a desktop's width, with no violation of any impact.

The pages come from the app itself (`app._unevaluated_pages`, every route registered with
`add_page`), so a route added later is checked without touching this file. A dynamic `[slug]`
route is opened once per kind of model (the first catalog model of each kind), and a model page
on each of its tabs.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.kinds import KINDS, kind_for
from ai_registry.local.catalog import local_models
from ai_registry.routes import TABS
from tests.e2e.test_accessibility import AXE, RUN_AXE
from tests.support.app_process import signed_in_context

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}


def registered_routes() -> list[str]:
    """Every route the app registers, as `/a/b/[slug]`."""
    from ai_registry.ai_registry import app  # builds the app's pages, as the server does

    routes = ["/" + route.strip("/") if route != "index" else "/" for route in app._unevaluated_pages]
    assert routes, "the app registers no page"
    return sorted(routes)


def one_model_per_kind() -> dict[str, str]:
    """A slug for each kind, local models first (they run offline)."""
    slugs: dict[str, str] = {}
    for model in [*local_models(), *load_builtin_catalog()]:
        slugs.setdefault(kind_for(model).name, model.slug)
    assert set(slugs) == {kind.name for kind in KINDS}, slugs
    return slugs


def concrete_urls() -> list[str]:
    """Each registered route as the URLs a person opens."""
    urls: list[str] = []
    for route in registered_routes():
        if "[slug]" not in route:
            urls.append(route)
            continue
        for slug in one_model_per_kind().values():
            url = route.replace("[slug]", slug)
            if route.endswith("[slug]"):
                urls.extend(url if tab == "playground" else f"{url}?tab={tab}" for tab in TABS)
            else:
                urls.append(url)
    return urls


def all_violations(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make setup-test`")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  {v['nodes']}" for v in violations)


@pytest.mark.parametrize("role", ["admin", "viewer"])
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("url", concrete_urls())
def test_every_page_has_no_axe_violation(browser, app_server, url: str, width: str, role: str) -> None:
    """Each role sees its own version of a page (a viewer has no Run, no keys): each is checked."""
    w, h = WIDTHS[width]
    context = signed_in_context(browser, app_server.url, role, viewport={"width": w, "height": h})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        expect(page.locator("main")).to_be_visible()
        violations = all_violations(page)
        assert violations == [], describe(violations)
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_sign_in_page_has_no_axe_violation(browser, app_server, width: str) -> None:
    """The one page served to a browser that is not signed in (a server-rendered form)."""
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=app_server.url)
    try:
        page = context.new_page()
        page.goto("/dashboard/ai-settings")
        page.wait_for_url(re.compile(r"/sign-in\?next="))
        violations = all_violations(page)
        assert violations == [], describe(violations)
    finally:
        context.close()
