"""Playground and compare runs are metered like gateway calls: one usage record per run, of the run's
owner, with no key, its units, the upstream's credits (or the estimate, marked) and its timings."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ai_registry.inference import jobs
from ai_registry.inference.run import run_and_record
from ai_registry.store.db import session_scope
from ai_registry.store.migrate import upgrade
from ai_registry.store.tables import UsageRecord
from tests.support.contract_server import ContractServer, Fault


def usage() -> list[UsageRecord]:
    with session_scope() as session:
        return list(session.exec(select(UsageRecord).order_by(UsageRecord.id)))


async def test_a_playground_run_writes_a_usage_record_of_its_owner(upstream: ContractServer, catalog) -> None:
    upgrade()
    result = await run_and_record(catalog["qwen-image-edit"], {"prompt": "a cat", "width": "512"}, owner_id=7)
    assert result.succeeded
    (row,) = usage()
    assert (row.source, row.user_id, row.key_id, row.kind, row.status) == ("playground", 7, None, "image", "ok")
    assert row.images == 1 and row.credits == 50 and not row.estimated  # the upstream's credits_used
    assert row.usd == pytest.approx(0.025)
    assert row.run_id == result.run_id and row.latency_ms == result.duration_ms


async def test_a_streamed_chat_run_has_tokens_and_time_to_first_token(upstream: ContractServer, catalog) -> None:
    upgrade()
    values = {"messages": "Tell me about the sea", "max_tokens": "30", "stream": "true"}
    result = await run_and_record(catalog["gpt-4"], values, owner_id=3)
    assert result.succeeded
    (row,) = usage()
    assert row.kind == "chat" and row.completion_tokens and row.prompt_tokens
    assert row.ttft_ms is not None and row.ttft_ms <= row.latency_ms
    # gpt-4's price is its provider's list price (models.dev: $30 / $60 per 1M tokens), so an estimate.
    assert row.estimated and row.usd == pytest.approx(row.prompt_tokens * 30e-6 + row.completion_tokens * 60e-6)


async def test_compare_runs_say_so_and_a_failed_run_costs_nothing(upstream: ContractServer, catalog) -> None:
    upgrade()
    await jobs.run_and_record(catalog["tts"], {"input": "Hello there", "voice": "alloy"}, owner_id=5, source="compare")
    upstream.set_fault("/multimodal/image", Fault(status=500))
    failed = await run_and_record(catalog["qwen-image-edit"], {"prompt": "a cat"}, owner_id=5)
    assert not failed.succeeded
    speech, image = usage()
    assert speech.source == "compare" and speech.characters == len("Hello there") and speech.credits == 14
    assert image.status == "error" and image.http_status == 500 and image.usd is None and image.credits is None
