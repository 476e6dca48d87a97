"""Calls through the gateway with the official `openai` client show on the caller's usage page.

Issue 13's last proof: a member's key and the running app as `base_url`, real calls to an upstream
model (the loopback contract server receives the administrator's key, never the member's) and to a
local model; then that member, signed in in Chromium, finds exactly those calls on /dashboard/usage.
"""

from __future__ import annotations

import pytest
from openai import OpenAI
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from ai_registry.identity.accounts import create_user
from ai_registry.identity.keys import create_key_for
from ai_registry.routes import USAGE
from ai_registry.store.tables import User
from tests.e2e.conftest import UPSTREAM_KEY
from tests.support.app_process import SESSION_COOKIE

pytestmark = pytest.mark.e2e

EMAIL = "gateway-caller@e2e.example"
PASSWORD = "a long password for the gateway test"


@pytest.fixture(scope="module")
def caller_key(app_server) -> str:
    """A member of their own (so no other test's calls are counted) with a key made for a script."""
    engine = create_engine(f"sqlite:///{app_server.data_dir / 'registry.db'}")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == EMAIL)).first()
        if user is None:
            user = create_user(session=session, email=EMAIL, password=PASSWORD, role="member")
        _row, raw = create_key_for(session=session, owner=user, name="gateway-e2e-script")
        session.commit()
    engine.dispose()
    return raw


def test_openai_client_calls_through_the_gateway_show_on_the_usage_page(
    browser, app_server, upstream, caller_key
) -> None:
    client = OpenAI(base_url=f"{app_server.url}/v1", api_key=caller_key, timeout=120, max_retries=0)
    listed = {m.id for m in client.models.list()}
    assert {"gpt-4", "smollm2-135m-instruct"} <= listed, sorted(listed)

    since = len(upstream.requests)
    answer = client.chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "hello gateway"}], max_tokens=16
    )
    assert answer.choices[0].message.content
    streamed = client.chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "stream please"}], max_tokens=16, stream=True
    )
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices)
    sent = [r for r in upstream.requests[since:] if r.path.endswith("/chat/completions")]
    assert len(sent) == 2
    assert all(r.headers.get("authorization") == f"Bearer {UPSTREAM_KEY}" for r in sent)
    assert all(caller_key not in str(r.headers) for r in sent)
    local = client.embeddings.create(model="all-minilm-l6-v2", input=["one line", "another line"])
    assert len(local.data) == 2

    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.add_cookies([{
        "name": SESSION_COOKIE, "value": app_server.session_token(email=EMAIL, password=PASSWORD),
        "url": app_server.url, "httpOnly": True, "sameSite": "Lax",
    }])  # fmt: skip
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(USAGE)
    expect(page.get_by_test_id("range-7")).to_be_enabled()
    # Usage records are written a moment after each answer (a background writer): reload until they land.
    for _ in range(20):
        if page.get_by_test_id("stat-requests-value").inner_text() == "3":
            break
        page.wait_for_timeout(500)
        page.reload()
        expect(page.get_by_test_id("range-7")).to_be_enabled()
    expect(page.get_by_test_id("stat-requests-value")).to_have_text("3")
    expect(page.get_by_test_id("stat-top-model-value")).to_have_text("gpt-4")
    expect(page.get_by_test_id("key-chart")).to_contain_text("gateway-e2e-script")
    expect(page.get_by_test_id("stat-tokens-value")).not_to_have_text("0")
    context.close()
