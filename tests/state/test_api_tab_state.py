"""The API tab's snippet in the detail state: this registry by default, a key made for the snippet,
the runs-API form for long-running models, and the direct-to-AINative form."""

from __future__ import annotations

import pytest

from ai_registry.codegen.key_source import API_KEY_PLACEHOLDER, REGISTRY_KEY_PLACEHOLDER
from ai_registry.settings import get_settings
from ai_registry.state.detail import DetailState
from ai_registry.store.api_keys import verify_api_key
from tests.state.playground_states import build_states, substate
from tests.support.accounts import sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")
PUBLIC = "https://models.example.com"


@pytest.fixture(autouse=True)
def public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_REGISTRY_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()


async def detail(slug: str, role: str = "member") -> DetailState:
    root = build_states()
    sign_in_state(root, role, path=f"/dashboard/ai-settings/{slug}")
    state = substate(root, DetailState)
    await state.on_load()
    assert state.found
    return state


async def test_every_snippet_calls_this_registry_with_a_placeholder_naming_developer_settings() -> None:
    state = await detail("gpt-4")
    assert state.call_mode == "registry" and state.upstream_model and not state.long_running
    code = state.code_text
    assert f"curl -X POST {PUBLIC}/v1/chat/completions" in code
    assert f"Bearer {REGISTRY_KEY_PLACEHOLDER}" in code and "Developer settings" in code
    assert "an API key of this registry" in state.key_sentence


async def test_create_a_key_for_this_snippet_puts_a_working_key_in_it() -> None:
    state = await detail("gpt-4")
    state.create_snippet_key()
    assert state.snippet_key.startswith("air_") and verify_api_key(state.snippet_key)
    assert state.snippet_key_name == "Snippet: GPT-4"
    for fmt in ("curl", "http", "python", "javascript"):
        state.set_code_format(fmt)
        assert f"Bearer {state.snippet_key}" in state.code_text and REGISTRY_KEY_PLACEHOLDER not in state.code_text


async def test_a_viewer_cannot_make_a_key_here() -> None:
    state = await detail("gpt-4", role="viewer")
    state.create_snippet_key()
    assert state.snippet_key == ""


async def test_the_direct_form_goes_to_ainative_with_ones_own_key() -> None:
    state = await detail("gpt-4")
    state.create_snippet_key()
    state.set_call_mode("direct")
    code = state.code_text
    assert "curl -X POST https://api.ainative.studio/v1/chat/completions" in code
    assert f"Bearer {API_KEY_PLACEHOLDER}" in code and state.snippet_key not in code
    assert "AINATIVE_API_KEY" in state.key_sentence
    state.set_call_mode("registry")
    assert f"Bearer {state.snippet_key}" in state.code_text


async def test_long_running_models_offer_the_runs_api_form() -> None:
    state = await detail("text-to-video")
    assert state.long_running and state.run_minutes == "about 2 minutes"
    state.set_call_mode("runs")
    assert state.call_mode == "runs"
    state.set_code_format("python")
    code = state.code_text
    assert f'base_url = "{PUBLIC}"' in code and "/api/runs" in code and 'run["urls"]["get"]' in code
    state.set_code_format("curl")
    assert f"BASE='{PUBLIC}'" in state.code_text or f"BASE={PUBLIC}" in state.code_text
    chat = await detail("gpt-4")
    chat.set_call_mode("runs")  # not offered for a quick model: the choice stays
    assert chat.call_mode == "registry"


async def test_local_models_have_no_direct_form() -> None:
    state = await detail("local-smollm2-135m-instruct")
    assert not state.upstream_model
    state.set_call_mode("direct")
    assert state.call_mode == "registry" and f"{PUBLIC}/v1/chat/completions" in state.code_text
