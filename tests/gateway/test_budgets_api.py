"""Budgets at the gateway: twenty parallel calls against a budget for five let exactly five reach the
upstream; a refusal is a 402 naming the budget before any upstream call; a soft budget warns; a
stream that outgrows the budget ends cleanly and is billed for what was sent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openai import OpenAI

from ai_registry.catalog.models import Pricing
from ai_registry.store.budgets import set_budget
from ai_registry.store.db import session_scope
from tests.gateway.test_openai_client import records

SPEECH = {"model": "tts-1", "voice": "alloy", "input": "x" * 1000}  # 1,000 characters: $0.015, 14 credits


def set_for(scope: str, subject: str, limit: float, *, unit: str = "usd", period: str = "day", hard: bool = True):
    with session_scope() as session:
        set_budget(session=session, scope=scope, subject=subject, unit=unit, period=period, limit=limit, hard=hard)


def speak(gateway, key: str = "member") -> httpx.Response:
    headers = {"Authorization": f"Bearer {gateway.keys[key]}"}
    return httpx.post(f"{gateway.base_url}/audio/speech", json=SPEECH, headers=headers, timeout=60)


def test_twenty_parallel_calls_against_a_budget_for_five_let_five_through(gateway) -> None:
    set_for("user", str(gateway.user_ids["member"]), 5 * 0.015)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: speak(gateway), range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 5 and statuses.count(402) == 15, statuses
    assert len(gateway.upstream.requests_to("/audio/speech")) == 5  # the contract server counted five
    refused = next(a for a in answers if a.status_code == 402)
    detail = refused.json()["detail"]
    assert "your daily USD budget is $0.075" in detail and "left" in detail and "resets at" in detail
    rows = records(20)
    assert sum(r.status == "ok" for r in rows) == 5 and sum(r.status == "refused" for r in rows) == 15
    assert {r.http_status for r in rows if r.status == "refused"} == {402}
    # The refused are recorded but not billed; the five are billed the upstream's 14 credits each.
    assert sum(r.credits or 0 for r in rows) == 70 and all(r.usd is None for r in rows if r.status == "refused")


def test_a_key_budget_in_credits_stops_that_key_only(gateway) -> None:
    set_for("key", str(gateway.key_ids["member"]), 14, unit="credits", period="month")
    assert speak(gateway).status_code == 201
    refused = speak(gateway)
    assert refused.status_code == 402 and "monthly credits budget of key" in refused.json()["detail"]
    assert refused.headers["x-budget-reset"].startswith(("20",))
    assert speak(gateway, "member2").status_code == 201  # the same person's other key
    assert len(gateway.upstream.requests_to("/audio/speech")) == 2


def test_a_role_default_applies_to_each_member_and_a_soft_budget_warns(gateway) -> None:
    set_for("role", "member", 0.02, hard=False)
    first = speak(gateway)
    assert first.status_code == 201 and "x-budget-warning" not in first.headers
    second = speak(gateway)
    assert second.status_code == 201  # soft: over the limit, still served
    assert "daily USD budget of the member role" in second.headers["x-budget-warning"]
    assert "150% " in second.headers["x-budget-warning"] or "%" in second.headers["x-budget-warning"]
    assert speak(gateway, "admin").headers.get("x-budget-warning") is None  # admins have no default here


def test_a_stream_that_outgrows_the_budget_ends_cleanly_and_is_billed_for_what_was_sent(gateway, monkeypatch) -> None:
    from ai_registry.gateway import routing

    real = routing.catalog_models

    async def priced() -> list:
        models = await real()
        per_token = Pricing(usd=10.0, basis="per_1m_tokens", unit="per 1M tokens")  # $0.00001 a token
        return [m.model_copy(update={"pricing": per_token}) if m.id == "gpt-4" else m for m in models]

    monkeypatch.setattr("ai_registry.gateway.routes.catalog_models", priced)
    gateway.upstream.stream_delay = 0.0
    set_for("user", str(gateway.user_ids["member"]), 0.005)  # the prompt (~$0.003) and part of the answer
    words = " ".join(f"word{i}" for i in range(150))
    with OpenAI(base_url=gateway.base_url, api_key=gateway.keys["member"], max_retries=0, timeout=60) as client:
        stream = client.chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": words}], max_tokens=400, stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("Echo: word0") and "word149" not in text  # cut short, without an error
    (row,) = [r for r in records(1) if r.model_slug == "gpt-4"]
    assert row.status == "ok" and row.estimated
    assert 0.003 < row.usd <= 0.005 + 1e-9
    assert row.completion_tokens == pytest.approx(len(text) / 4, abs=2)
    time.sleep(0.1)
    refused = httpx.post(
        f"{gateway.base_url}/chat/completions",
        json={"model": "gpt-4", "messages": [{"role": "user", "content": words}], "stream": True},
        headers={"Authorization": f"Bearer {gateway.keys['member']}"},
    )
    assert refused.status_code == 402
