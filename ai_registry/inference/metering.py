"""Usage records for every model call: what it used, what it cost, how long it took (issue 13).

One place for the gateway's API calls and the playground's and compare page's runs, so both are
metered alike. Costs are the upstream's own figure (`credits_used`) when it sends one, else the
catalog price's estimate, marked `estimated`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord
from ai_registry.store.usage import insert_usage

log = logging.getLogger(__name__)

CREDITS_PER_USD = 2000.0  # CONTRACT.md: every price is credits / 2,000 dollars
DEFAULT_CHAT_TOKENS = 256


def usage_kind(model: UnifiedAIModel) -> str:
    """chat | embedding | audio | image | video, from the model's route."""
    route = endpoint_route(model.endpoint)
    if route.startswith("/chat"):
        return "chat"
    if "embeddings" in route:
        return "embedding"
    if route.startswith("/audio"):
        return "audio"
    if route.startswith("/multimodal/image"):
        return "image"
    return "video" if "video" in route or route.endswith("/run") else model.category.lower()


def tokens_of(text: str) -> int:
    """A rough token count (4 characters a token) where the backend reports none."""
    return math.ceil(len(text) / 4) if text else 0


def _token_prices(model: UnifiedAIModel) -> tuple[float, float] | None:
    """USD per (input, output) token: a price per 1,000 or per million tokens (the same both ways), or a
    provider's list price per 1M input / output tokens (`catalog/list_prices.py`); None otherwise."""
    pricing = model.pricing
    if pricing is None:
        return None
    if pricing.usd is not None and pricing.basis in ("per_1k_tokens", "per_1m_tokens"):
        each = pricing.usd / (1000 if pricing.basis == "per_1k_tokens" else 1_000_000)
        return each, each
    if pricing.usd is None and pricing.input_usd is not None:
        output = pricing.output_usd if pricing.output_usd is not None else pricing.input_usd
        return pricing.input_usd / 1_000_000, output / 1_000_000
    return None


def usd_per_credit(model: UnifiedAIModel) -> float:
    pricing = model.pricing
    if pricing and pricing.usd and pricing.credits:
        return pricing.usd / pricing.credits
    return 1 / CREDITS_PER_USD


@dataclass
class Usage:
    """What one call used and cost; the fields of a `UsageRecord` that describe the call itself."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    images: int | None = None
    video_seconds: float | None = None
    characters: int | None = None
    audio_minutes: float | None = None
    credits: float | None = None
    usd: float | None = None
    estimated: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def expected_cost(
    model: UnifiedAIModel, body: Mapping[str, Any], *, audio_seconds: float | None = None
) -> tuple[float | None, float | None]:
    """(USD, credits) a call is expected to cost before it is sent; None where unknown."""
    prices = _token_prices(model)
    if prices is not None:
        # A stream holds its prompt up front and the rest as its tokens arrive (the gateway extends
        # the hold while it passes the events on, and ends the stream where a budget runs out).
        prompt = _prompt_tokens(body)
        completion = int(_number(body.get("max_tokens") or body.get("max_completion_tokens")) or DEFAULT_CHAT_TOKENS)
        completion = 0 if body.get("stream") is True else completion
        usd = prices[0] * prompt + prices[1] * completion
        return usd, usd / usd_per_credit(model)
    estimate = estimate_cost(model, body, audio_seconds=audio_seconds)
    if estimate.usd is None and estimate.credits is None:
        return None, None
    credits = estimate.credits
    if credits is None and estimate.usd is not None:
        credits = estimate.usd / usd_per_credit(model)
    return estimate.usd, credits


def _prompt_tokens(body: Mapping[str, Any]) -> int:
    return tokens_of(json.dumps(body.get("messages") or body.get("input") or "", default=str))


def measure(
    model: UnifiedAIModel,
    body: Mapping[str, Any],
    reported: Mapping[str, Any],
    *,
    completion_text: str | None = None,
    audio_seconds: float | None = None,
) -> Usage:
    """The units and cost of a finished call, from the request body and what the answer reported
    (`reported`: the answer's JSON, or the numbers found in a streamed one)."""
    usage = Usage()
    kind = usage_kind(model)
    tokens = reported.get("usage") if isinstance(reported.get("usage"), Mapping) else reported
    if kind in ("chat", "embedding"):
        usage.prompt_tokens = _int(tokens.get("prompt_tokens"))
        usage.completion_tokens = _int(tokens.get("completion_tokens"))
        if kind == "chat" and usage.completion_tokens is None and completion_text is not None:
            usage.completion_tokens = tokens_of(completion_text)
            usage.prompt_tokens = usage.prompt_tokens or _prompt_tokens(body)
    elif kind == "image":
        usage.images = 1
    elif kind == "video":
        body_input = body.get("input") if isinstance(body.get("input"), Mapping) else {}
        usage.video_seconds = _number(reported.get("duration_s")) or _number(
            body.get("duration") or body_input.get("duration")
        )
    elif kind == "audio" and "speech" in model.endpoint:
        usage.characters = len(str(body.get("input") or body.get("text") or ""))
    elif kind == "audio":
        seconds = _number(reported.get("duration")) or audio_seconds
        usage.audio_minutes = round(seconds / 60, 4) if seconds is not None else None
    credits = _number(reported.get("credits_used"))
    if credits is not None:
        usage.credits, usage.usd, usage.estimated = credits, credits * usd_per_credit(model), False
        return usage
    prices = _token_prices(model)
    if prices is not None and (usage.prompt_tokens or usage.completion_tokens):
        usage.usd = prices[0] * (usage.prompt_tokens or 0) + prices[1] * (usage.completion_tokens or 0)
        usage.credits = usage.usd / usd_per_credit(model)
    else:
        seconds = (usage.audio_minutes or 0) * 60 or audio_seconds
        usage.usd, usage.credits = expected_cost(model, body, audio_seconds=seconds)
    if model.pricing is not None and model.pricing.basis == "free":
        usage.usd, usage.credits, usage.estimated = 0.0, 0.0, False
    return usage


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def write_usage(record: UsageRecord) -> None:
    """Store one record (blocking); a database that cannot be written is logged, never raised."""
    try:
        with session_scope() as session:
            insert_usage(session=session, record=record)
    except Exception:
        log.exception("could not store the usage of a call of %s", record.model_slug)


def usage_record(model: UnifiedAIModel, usage: Usage, **fields: Any) -> UsageRecord:
    """A `UsageRecord` of `model` with `usage`'s units and cost and the call's own `fields`."""
    return UsageRecord(
        model_slug=model.slug,
        kind=usage_kind(model),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        images=usage.images,
        video_seconds=usage.video_seconds,
        characters=usage.characters,
        audio_minutes=usage.audio_minutes,
        credits=usage.credits,
        usd=usage.usd,
        estimated=usage.estimated,
        **fields,
    )


_RUN_STATUS = {"succeeded": "ok", "failed": "error", "cancelled": "canceled"}


async def meter_run(
    model: UnifiedAIModel, values: Mapping[str, Any], result: Any, *, owner_id: int | None, source: str
) -> None:
    """The usage record of a playground or compare run (`result` a `RunResult`), written off the loop."""
    try:
        reported = json.loads(result.response_json) if result.response_json else {}
    except ValueError:
        reported = {}
    if not isinstance(reported, Mapping):
        reported = {}
    succeeded = result.status == "succeeded"
    usage = measure(model, values, reported, completion_text=result.text if succeeded else None)
    if not succeeded:  # a failed or cancelled run is not billed by the upstream
        usage.usd = usage.credits = None if usage.estimated else usage.usd
    record = usage_record(
        model, usage, user_id=owner_id, key_id=None, source=source, latency_ms=result.duration_ms,
        ttft_ms=result.first_text_ms, status=_RUN_STATUS.get(result.status, "error"),
        http_status=result.http_status, run_id=result.run_id or None, request_id=result.run_id or None,
    )  # fmt: skip
    await asyncio.to_thread(write_usage, record)
