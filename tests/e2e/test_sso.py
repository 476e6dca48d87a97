"""Single sign-on in Chromium, against a loopback OpenID Connect provider (tests/support/oidc_provider.py).

An app of its own is started with the AI_REGISTRY_SSO_* settings pointing at the provider. A person
opens the gallery signed out, is sent to the sign-in page, clicks "Sign in with Loopback ID", passes
the provider (which approves the test's user) and lands in the gallery signed in, with the role the
settings give new SSO accounts. Someone from a domain that is not allowed ends on the sign-in page
with the reason, and no account is made.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.support.app_process import ROOT, RunningApp, run_cli, start_app, stop_app
from tests.support.oidc_provider import OidcProvider

pytestmark = [pytest.mark.e2e, pytest.mark.own_app]

GALLERY = "/dashboard/ai-settings"
LABEL = "Loopback ID"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(client_id="registry-e2e", client_secret="e2e-loopback-secret") as provider:
        yield provider


@pytest.fixture(scope="module")
def sso_app(provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("sso-app-data")
    try:
        app = start_app(
            upstream_url=None, upstream_key=None, data_dir=data_dir, log_path=ARTIFACTS / "sso-app.log",
            extra_env={
                "AI_REGISTRY_SSO_ISSUER": provider.url,
                "AI_REGISTRY_SSO_CLIENT_ID": provider.client_id,
                "AI_REGISTRY_SSO_CLIENT_SECRET": provider.client_secret,
                "AI_REGISTRY_SSO_DOMAINS": "sso.example",
                "AI_REGISTRY_SSO_ROLE": "viewer",
                "AI_REGISTRY_SSO_LABEL": LABEL,
            },
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield app
    stop_app(app)


def users_list(app: RunningApp) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AI_REGISTRY_DATA_DIR": str(app.data_dir)}
    env.pop("DATABASE_URL", None)
    return run_cli(env, "users", "list").stdout


@pytest.fixture
def signed_out_page(browser, sso_app: RunningApp):
    context = browser.new_context(base_url=sso_app.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def test_sign_in_with_the_provider_lands_in_the_gallery_with_the_configured_role(
    signed_out_page, sso_app: RunningApp, provider: OidcProvider
) -> None:
    page = signed_out_page
    provider.misbehave = None
    provider.sign_in_as("sam@sso.example", name="Sam Sso")
    page.goto(GALLERY)
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/dashboard/ai-settings$"))
    button = page.get_by_role("link", name=f"Sign in with {LABEL}")
    expect(button).to_be_visible()
    screenshot(page, "sso-sign-in-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    expect(button).to_be_visible()
    screenshot(page, "sso-sign-in-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    button.click()
    expect(page).to_have_url(re.compile(r"/dashboard/ai-settings/?$"))
    expect(page.get_by_test_id("account-email")).to_have_text("sam@sso.example")
    expect(page.get_by_test_id("account-role")).to_have_text("viewer")
    expect(page.locator("[data-testid=model-card]").first).to_be_visible()
    screenshot(page, "sso-signed-in-gallery")
    # The browser went through the provider's authorize and token endpoints, not around them.
    assert {"GET /authorize", "POST /token", "GET /jwks"} <= set(provider.requests)
    assert re.search(r"sam@sso\.example\s.*viewer", users_list(sso_app))
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["air_session"]["httpOnly"] and cookies["air_session"]["sameSite"] == "Lax"


def test_a_domain_that_is_not_allowed_is_refused_on_the_sign_in_page(
    signed_out_page, sso_app: RunningApp, provider: OidcProvider
) -> None:
    page = signed_out_page
    provider.misbehave = None
    provider.sign_in_as("eve@elsewhere.example", name="Eve")
    page.goto("/sign-in")
    page.get_by_role("link", name=f"Sign in with {LABEL}").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("eve@elsewhere.example may not sign in here")
    expect(alert).to_contain_text("sso.example only")
    # Still the sign-in page, with both ways in; no session, no account.
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name=f"Sign in with {LABEL}")).to_be_visible()
    screenshot(page, "sso-domain-refused-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "sso-domain-refused-375")
    assert "air_session" not in {c["name"] for c in page.context.cookies()}
    assert "eve@elsewhere.example" not in users_list(sso_app)
    page.goto(GALLERY)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
