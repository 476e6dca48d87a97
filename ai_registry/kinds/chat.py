"""Chat models: `POST /v1/chat/completions` with `{model, messages, temperature, top_p, max_tokens, stream}`.

Answers stream as OpenAI-style server-sent events by default, or come whole as a chat completion.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.answers import require_json
from ai_registry.kinds.base import Answer, BadAnswer, Kind, KindOutput, OutputKind, RequestSpec
from ai_registry.kinds.values import examples_for, fill_values, model_name, take

EXAMPLE_MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Explain in two sentences what an embedding model is."},
]


def _messages(value: Any) -> list[Any]:
    # A bare prompt is one user message.
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return list(value)


def _streamed_completion(answer: Answer) -> dict[str, Any]:
    """The streamed events as one chat completion, for the request log."""
    meta: dict[str, Any] = {}
    usage: Any = None
    finish: str | None = None
    for event in answer.events or []:
        for key in ("id", "model", "created"):
            if key in event:
                meta.setdefault(key, event[key])
        usage = event.get("usage") or usage
        for choice in event.get("choices") or []:
            if isinstance(choice, Mapping):
                finish = choice.get("finish_reason") or finish
    completion: dict[str, Any] = {
        **meta,
        "object": "chat.completion",
        "streamed": True,
        "events": len(answer.events or []),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer.streamed_text}, "finish_reason": finish}
        ],
    }
    if usage is not None:
        completion["usage"] = usage
    return completion


def _count(usage: Mapping[str, Any], name: str) -> int | None:
    value = usage.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def usage_summary(response: Any, *, duration_ms: int, first_text_ms: int | None) -> str:
    """One line of what a chat run used: prompt and completion tokens, time to first token and
    tokens per second (counted from the first token on, when the answer streamed)."""
    usage = response.get("usage") if isinstance(response, Mapping) else None
    usage = usage if isinstance(usage, Mapping) else {}
    prompt, completion = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
    parts = [
        f"{prompt if prompt is not None else 'unreported'} prompt tokens",
        f"{completion if completion is not None else 'unreported'} completion tokens",
    ]
    if first_text_ms is not None:
        parts.append(f"first token {first_text_ms / 1000:.2f} s")
    generating_ms = duration_ms - (first_text_ms or 0)
    if completion and generating_ms > 0:
        parts.append(f"{completion / (generating_ms / 1000):.1f} tokens/s")
    return " · ".join(parts)


class ChatKind(Kind):
    name = "chat"
    output = OutputKind.CHAT
    categories = ("Coding",)
    expected_seconds = 5.0
    # The conversation and the composer replace the generic fields for these.
    own_fields = frozenset({"messages", "stream"})
    shared_inputs = (("message", ("messages",)),)

    def shared_value(self, role: str, value: Any) -> Any:
        """The compare form's message is the conversation's one user turn."""
        return [{"role": "user", "content": str(value)}] if role == "message" else value

    def compare_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """Compared answers stream side by side."""
        return {"stream": True} if model.parameter("stream") is not None else {}

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        response = result.get("response")
        usage = response.get("usage") if isinstance(response, Mapping) else None
        usage = usage if isinstance(usage, Mapping) else {}
        prompt, completion = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
        if prompt is None and completion is None:
            return "tokens unreported"
        shown = ["?" if n is None else str(n) for n in (prompt, completion)]
        return f"{shown[0]} prompt + {shown[1]} completion tokens"

    def handles(self, route: str) -> bool:
        """The chat completions route (OpenAI style)."""
        return route.rstrip("/").endswith("/chat/completions")

    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """Answers stream by default, as the playground shows them."""
        return copy.deepcopy(examples_for(model, {"messages": EXAMPLE_MESSAGES, "stream": True}))

    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """The chat completion request; `stream` defaults to true and then asks for server-sent events."""
        filled = fill_values(model, values, self.example_values(model))
        messages = take(filled, "messages")
        if messages is None:
            messages = values.get("messages") or copy.deepcopy(EXAMPLE_MESSAGES)
        body: dict[str, Any] = {
            "model": take(filled, "model") or model_name(model),
            "messages": _messages(messages),
            **filled,
        }
        stream = bool(body.setdefault("stream", True))
        if stream:
            # OpenAI-style servers then end the stream with the token counts the playground shows.
            body.setdefault("stream_options", {"include_usage": True})
        return RequestSpec(
            method=model.method,
            path=path,
            json=body,
            form=None,
            files=[],
            stream=stream,
            accept="text/event-stream" if stream else None,
            output=OutputKind.CHAT,
            timeout_s=60.0,
        )

    def stream_text(self, event: Mapping[str, Any]) -> str:
        pieces = []
        for choice in event.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, Mapping) else None
            content = delta.get("content") if isinstance(delta, Mapping) else None
            if isinstance(content, str):
                pieces.append(content)
        return "".join(pieces)

    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        if answer.events is not None:
            return KindOutput(OutputKind.CHAT, text=answer.streamed_text, response=_streamed_completion(answer))
        parsed = require_json(answer)
        try:
            content = parsed["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BadAnswer("it has no choices[0].message.content") from None
        text = content if isinstance(content, str) else json.dumps(content)
        return KindOutput(OutputKind.CHAT, text=text, response=parsed)

    def python_result(self, spec: RequestSpec) -> list[str]:
        return ['print(response.json()["choices"][0]["message"]["content"])']

    def python_stream(self, spec: RequestSpec) -> list[str]:
        return [
            f"with httpx.Client(timeout={spec.timeout_s!r}) as client:",
            f"    with client.stream({json.dumps(spec.method)}, url, headers=headers, json=payload) as response:",
            "        response.raise_for_status()",
            "        for line in response.iter_lines():",
            '            if not line.startswith("data:"):',
            "                continue",
            '            data = line[len("data:"):].strip()',
            '            if data == "[DONE]":',
            "                break",
            "            # The last event may carry only the token counts (usage), with no choices.",
            '            for choice in json.loads(data).get("choices") or []:',
            '                print((choice.get("delta") or {}).get("content") or "", end="", flush=True)',
            "print()",
        ]

    def javascript_result(self, spec: RequestSpec) -> list[str]:
        if spec.stream:
            return ["await printStream(response);", 'write("\\n");']
        return ["const result = await response.json();", "console.log(result.choices[0].message.content);"]
