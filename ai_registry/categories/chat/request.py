"""Chat requests: `POST /v1/chat/completions` with `{model, messages, temperature, top_p, max_tokens, stream}`."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.categories import RequestSpec, examples_for, fill_values, model_name, take

EXAMPLE_MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Explain in two sentences what an embedding model is."},
]


def handles(route: str) -> bool:
    """True for the chat completions route (OpenAI style)."""
    return route.rstrip("/").endswith("/chat/completions")


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Example values for every parameter; answers stream by default, as the playground shows them."""
    return copy.deepcopy(examples_for(model, {"messages": EXAMPLE_MESSAGES, "stream": True}))


def _messages(value: Any) -> list[Any]:
    # A bare prompt is one user message.
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return list(value)


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    """The chat completion request; `stream` defaults to true and then asks for server-sent events."""
    filled = fill_values(model, values, example_values(model))
    messages = take(filled, "messages")
    if messages is None:
        messages = values.get("messages") or copy.deepcopy(EXAMPLE_MESSAGES)
    body: dict[str, Any] = {
        "model": take(filled, "model") or model_name(model),
        "messages": _messages(messages),
        **filled,
    }
    stream = bool(body.setdefault("stream", True))
    return RequestSpec(
        method=model.method,
        path=path,
        json=body,
        form=None,
        files=[],
        stream=stream,
        accept="text/event-stream" if stream else None,
        output="chat",
        timeout_s=60.0,
    )
