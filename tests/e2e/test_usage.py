"""The usage page in Chromium against the production server: a member sees their own calls (stat
cards, bars in both charts) and not another member's, exports them as CSV; an admin sees everyone's
and the upstream's own figures; a viewer is sent back to the gallery."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from ai_registry.identity.accounts import create_user
from ai_registry.identity.keys import create_key_for
from ai_registry.routes import BROWSE, USAGE
from ai_registry.store.tables import UsageRecord, User
from ai_registry.store.usage import insert_usage
from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.support.app_process import SESSION_COOKIE

pytestmark = pytest.mark.e2e

# Members of their own: the shared e2e `member` makes playground runs in other tests, and every run
# is metered now, so its figures depend on the test order.
MEMBER = "usage-member@e2e.example"
MEMBER_PASSWORD = "a long password for the usage test"
OTHER = "other-member@e2e.example"
MINE = ("e2e-usage-chat", "e2e-usage-image")
THEIRS = "e2e-usage-theirs-only"


@pytest.fixture(scope="module")
def seeded(app_server) -> dict[str, object]:
    """Usage records for two members, written into the running app's own database (as the gateway would)."""
    engine = create_engine(f"sqlite:///{app_server.data_dir / 'registry.db'}")
    now = datetime.now(UTC).replace(microsecond=0)
    with Session(engine) as session:
        member = session.exec(select(User).where(User.email == MEMBER)).first()
        if member is None:
            member = create_user(session=session, email=MEMBER, password=MEMBER_PASSWORD, role="member")
        other = session.exec(select(User).where(User.email == OTHER)).first()
        if other is None:
            other = create_user(session=session, email=OTHER, password="another long password", role="member")
        key, _raw = create_key_for(session=session, owner=member, name="usage-e2e-script")
        calls = [
            (member, key.id, MINE[0], now, 0.25, 120, True),
            (member, key.id, MINE[0], now - timedelta(days=1), 0.5, 300, False),
            (member, None, MINE[1], now - timedelta(days=2), 1.5, 0, False),
            (member, None, MINE[1], now, 0.5, 0, False),  # today: two models, stacked in one bar
            (other, None, THEIRS, now, 9.0, 50, False),
        ]
        for who, key_id, model, at, usd, tokens, estimated in calls:
            insert_usage(session=session, record=UsageRecord(
                at=at, user_id=who.id, key_id=key_id, model_slug=model, usd=usd, credits=usd * 10,
                prompt_tokens=tokens, estimated=estimated, source="api" if key_id else "playground",
            ))  # fmt: skip
        session.commit()
        ids = {"member": member.id, "other": other.id}
    engine.dispose()
    return ids


def open_usage(page) -> None:
    page.goto(USAGE)
    expect(page.get_by_test_id("range-7")).to_be_enabled()  # on_load has answered over the live connection


def test_a_member_sees_their_own_usage_and_exports_it(browser, app_server, seeded, tmp_path) -> None:
    context = browser.new_context(
        base_url=app_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.add_cookies([{
        "name": SESSION_COOKIE, "value": app_server.session_token(email=MEMBER, password=MEMBER_PASSWORD),
        "url": app_server.url, "httpOnly": True, "sameSite": "Lax",
    }])  # fmt: skip
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(BROWSE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Usage").click()
    expect(page).to_have_url(re.compile(re.escape(USAGE) + "$"))
    expect(page.get_by_test_id("range-7")).to_be_enabled()

    expect(page.get_by_test_id("usage-scope")).to_contain_text("Your model calls")
    expect(page.get_by_test_id("stat-requests-value")).to_have_text("4")
    expect(page.get_by_test_id("stat-spend-value")).to_have_text("$2.75")
    expect(page.get_by_test_id("stat-spend-estimated")).to_be_visible()  # one call's cost is an estimate
    expect(page.get_by_test_id("stat-tokens-value")).to_have_text("420")
    expect(page.get_by_test_id("stat-top-model-value")).to_have_text(MINE[0])
    # Both charts are drawn: an svg with bar shapes (three days of spend, two keys).
    spend_bars = page.get_by_test_id("spend-chart").locator("svg .recharts-bar-rectangle")
    expect(spend_bars.first).to_be_visible()
    assert spend_bars.count() == 4  # Dec 03, Dec 04, and today's two segments
    # Today's segments are stacked: the same column, one above the other.
    boxes = [spend_bars.nth(n).bounding_box() for n in range(spend_bars.count())]
    columns: dict[int, list[float]] = {}
    for box in boxes:
        columns.setdefault(round(box["x"] + box["width"] / 2), []).append(box["y"])
    stacked = [ys for ys in columns.values() if len(ys) == 2]
    assert len(stacked) == 1 and abs(stacked[0][0] - stacked[0][1]) > 1, columns
    expect(page.get_by_test_id("spend-chart").locator(".recharts-legend-item-text", has_text=MINE[1])).to_be_visible()
    expect(page.get_by_test_id("key-chart").locator("svg .recharts-bar-rectangle")).to_have_count(2)
    expect(page.get_by_test_id("key-chart")).to_contain_text("usage-e2e-script")
    # The other member's calls are nowhere: not in the figures, the charts or the filters.
    assert THEIRS not in page.content()
    expect(page.get_by_test_id("usage-user")).to_have_count(0)
    expect(page.get_by_test_id("upstream-usage")).to_have_count(0)

    for name, (width, height) in VIEWPORTS.items():
        if name == "wide":
            continue
        page.set_viewport_size({"width": width, "height": height})
        expect(page.get_by_test_id("spend-chart").locator("svg .recharts-bar-rectangle").first).to_be_visible()
        # Nothing wider than the screen (the charts shrink with it).
        screenshot(page, f"usage-member-{width}")
        wide = page.evaluate(  # what sticks out, for the failure message
            "(w) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
            ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)", width
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (name, wide)
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert re.fullmatch(r"usage-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4 and {r["user"] for r in rows} == {MEMBER}
    assert sorted(r["model"] for r in rows) == [MINE[0], MINE[0], MINE[1], MINE[1]]
    assert [r["estimated"] for r in rows if r["usd"] == "0.25"] == ["yes"]

    # A model filter narrows the figures and the export.
    page.get_by_test_id("usage-model").select_option(MINE[1])
    expect(page.get_by_test_id("stat-requests-value")).to_have_text("2")
    assert f"model={MINE[1]}" in page.get_by_test_id("export-csv").get_attribute("href")
    # A custom range that ends before it starts is refused, clearly, and the last figures stay.
    page.get_by_test_id("usage-start").fill("2026-03-10")
    page.get_by_test_id("usage-end").fill("2026-03-01")
    expect(page.get_by_test_id("range-error")).to_contain_text("is before the start date")
    expect(page.get_by_test_id("usage-end")).to_have_attribute("aria-invalid", "true")
    assert errors == []
    context.close()


def test_an_admin_sees_everyone_filters_by_person_and_sees_the_upstream(page, upstream, seeded) -> None:
    upstream.add_usage_record("image", credits_used=50)
    upstream.add_usage_record("tts", credits_used=3)
    open_usage(page)
    expect(page.get_by_test_id("usage-scope")).to_contain_text("Everyone's model calls")
    expect(page.get_by_test_id("upstream-records")).to_have_text("2")
    expect(page.get_by_test_id("upstream-credits")).to_have_text("53")
    expect(page.get_by_test_id("spend-chart")).to_contain_text(THEIRS)
    page.get_by_test_id("usage-user").select_option(label=OTHER)
    expect(page.get_by_test_id("stat-requests-value")).to_have_text("1")
    expect(page.get_by_test_id("stat-top-model-value")).to_have_text(THEIRS)
    assert MINE[0] not in page.get_by_test_id("spend-chart").inner_text()
    screenshot(page, "usage-admin-1280")
    # A range with no calls: the empty state says so, with no chart.
    page.get_by_test_id("usage-start").fill("2020-01-01")
    page.get_by_test_id("usage-end").fill("2020-01-31")
    expect(page.get_by_test_id("usage-empty")).to_contain_text("No model calls in this range")
    expect(page.get_by_test_id("stat-requests-value")).to_have_text("0")
    expect(page.get_by_test_id("spend-chart")).to_have_count(0)
    expect(page.get_by_test_id("upstream-records")).to_have_text("0")  # the upstream's figures follow the range
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "usage-empty-375")


def test_an_admin_is_told_when_the_upstream_is_down(page, upstream, seeded) -> None:
    from tests.support.contract_server import Fault

    upstream.set_fault("/multimodal/usage", Fault(status=503))
    open_usage(page)
    expect(page.get_by_test_id("upstream-message")).to_contain_text("failed (503)")
    expect(page.get_by_test_id("upstream-records")).to_have_count(0)
    expect(page.get_by_test_id("stat-requests-value")).not_to_have_text("0")  # our figures still show


def test_a_viewer_is_sent_back_to_the_gallery(browser, app_server) -> None:
    context = app_server.signed_in_context(browser, "viewer", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(BROWSE)
    expect(page.get_by_test_id("account-role")).to_have_text("viewer")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Usage")).to_have_count(0)
    page.goto(USAGE)
    expect(page).to_have_url(re.compile(re.escape(BROWSE) + "$"))
    expect(page.get_by_test_id("usage-scope")).to_have_count(0)  # the gallery, not the usage page
    expect(page.get_by_test_id("stat-requests")).to_have_count(0)
    context.close()
