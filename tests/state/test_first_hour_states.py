"""Issue 10 in the playground states: example inputs to start with, the chat's usage line."""

from __future__ import annotations

import json

import pytest

from ai_registry.inference.result import RunResult
from ai_registry.kinds import OutputKind
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.playground_kinds import ChatPlaygroundState, EmbeddingPlaygroundState
from tests.state.playground_states import build_states, substate

pytestmark = pytest.mark.usefixtures("migrated_db")


async def open_model(slug: str):
    base = substate(build_states(), PlaygroundState)
    await base._setup(slug)
    return base, await base._kind_state()


@pytest.mark.parametrize("slug", ["local-all-minilm-l6-v2", "bge-small-en-v1-5"])
async def test_embedding_box_starts_with_example_lines_and_reset_brings_them_back(slug: str) -> None:
    base, emb = await open_model(slug)
    assert isinstance(emb, EmbeddingPlaygroundState)
    lines = base.values["input"].splitlines()
    assert len(lines) >= 2 and all(line.strip() for line in lines)
    assert base.errors == {} and not base.has_errors
    await base.set_value("input", "")
    await base.reset_form()
    assert base.values["input"].splitlines() == lines


async def test_chat_result_shows_usage_and_json() -> None:
    base, chat = await open_model("local-smollm2-135m-instruct")
    assert isinstance(chat, ChatPlaygroundState)
    response = {"choices": [], "usage": {"prompt_tokens": 31, "completion_tokens": 12, "total_tokens": 43}}
    chat.partial = "Hello there"
    chat._show_result(
        RunResult(
            status="succeeded",
            output_kind=OutputKind.CHAT,
            response_json=json.dumps(response),
            duration_ms=1500,
            first_text_ms=300,
        )
    )
    assert chat.usage_text == "31 prompt tokens · 12 completion tokens · first token 0.30 s · 10.0 tokens/s"
    assert json.loads(base.response_json)["usage"]["completion_tokens"] == 12
    chat._reset_result()
    assert chat.usage_text == "" and base.response_json == ""
