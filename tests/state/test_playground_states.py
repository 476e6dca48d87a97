"""The playground's base state and one substate per kind, built directly and driven by their hooks."""

from __future__ import annotations

import pytest

from ai_registry.aggregator.runtime import find_model
from ai_registry.inference.errors import RunError
from ai_registry.inference.result import RunResult
from ai_registry.kinds import OutputKind
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.playground_kinds import (
    AudioPlaygroundState,
    ChatPlaygroundState,
    EmbeddingPlaygroundState,
    ImagePlaygroundState,
    VideoPlaygroundState,
)
from tests.state.playground_states import build_states, substate
from tests.support.accounts import sign_in_state

pytestmark = pytest.mark.usefixtures("migrated_db")


async def open_model(slug: str) -> tuple[PlaygroundState, PlaygroundState]:
    """The base state with `slug` set up, and the substate of its kind."""
    root = build_states()
    sign_in_state(root, "member", path=f"/dashboard/ai-settings/{slug}")
    base = substate(root, PlaygroundState)
    await base._setup(slug)
    return base, await base._kind_state()


@pytest.mark.parametrize(
    ("slug", "cls"),
    [
        ("gpt-4", ChatPlaygroundState),
        ("qwen-image-edit", ImagePlaygroundState),
        ("cogvideox-2b", VideoPlaygroundState),
        ("tts", AudioPlaygroundState),
        ("bge-small-en-v1-5", EmbeddingPlaygroundState),
    ],
)
async def test_each_model_gets_its_kinds_substate(slug: str, cls: type[PlaygroundState]) -> None:
    base, kind_state = await open_model(slug)
    assert type(kind_state) is cls and base.kind == cls.KIND
    model = find_model(slug)
    assert model is not None
    assert base.values == {p.name: base.values[p.name] for p in model.parameters}
    assert base.expected_seconds > 0 and base.errors == {}


async def test_chat_fields_leave_out_what_the_conversation_draws() -> None:
    base, chat = await open_model("gpt-4")
    assert {f.name for f in base.fields}.isdisjoint({"messages", "stream"})
    assert isinstance(chat, ChatPlaygroundState)
    chat.chat_input = "   "
    assert chat._kind_before_run() is False and chat.errors["chat"] == "Type a message first."
    chat.chat_input = "Hello"
    assert chat._kind_before_run() is True
    assert [(m.role, m.content) for m in chat.messages] == [("user", "Hello")] and chat.chat_input == ""
    typed = chat._revalidate(find_model("gpt-4"), show_required=True)
    assert chat.errors == {} and typed["messages"] == [{"role": "user", "content": "Hello"}]
    chat.partial = "Hi "
    chat._show_result(RunResult(status="succeeded", output_kind=OutputKind.CHAT, text="Hi there"))
    assert [(m.role, m.content) for m in chat.messages][-1] == ("assistant", "Hi ")
    assert chat.partial == "" and base.output_text == ""
    chat.clear_chat()
    assert chat.messages == [] and base.status == ""


async def test_a_refused_chat_run_takes_the_message_back() -> None:
    _, chat = await open_model("gpt-4")
    assert isinstance(chat, ChatPlaygroundState)
    chat.chat_input = "one"
    chat._kind_before_run()
    chat._kind_run_refused()
    assert chat.messages == []


async def test_opening_another_model_resets_the_conversation() -> None:
    base, chat = await open_model("gpt-4")
    assert isinstance(chat, ChatPlaygroundState)
    chat.chat_input = "kept?"
    chat._kind_before_run()
    await base._setup("gpt-3-5-turbo")
    assert chat.messages == [] and chat.chat_input == ""


async def test_image_presets_set_width_and_height() -> None:
    base, image = await open_model("qwen-image-edit")
    assert isinstance(image, ImagePlaygroundState)
    assert ["1024 × 768", "1024", "768"] in image.presets
    await image.apply_preset(1024, 768)
    assert (base.values["width"], base.values["height"]) == ("1024", "768")


async def test_audio_mode_follows_the_route() -> None:
    _, speech = await open_model("tts")
    assert isinstance(speech, AudioPlaygroundState) and speech.audio_mode == "speech"
    _, stt = await open_model("whisper-transcription")
    assert isinstance(stt, AudioPlaygroundState) and stt.audio_mode == "transcribe"


async def test_embedding_result_shows_vectors_and_similarity() -> None:
    base, emb = await open_model("bge-small-en-v1-5")
    assert isinstance(emb, EmbeddingPlaygroundState)
    base.values["input"] = "How do I rotate an API key that is long enough to be cut?\nSecond"
    data = {"vectors": [[1.0, 0.0], [0.0, 1.0]], "dimensions": 2, "similarity": [[1.0, 0.0], [0.0, 1.0]]}
    emb._show_result(RunResult(status="succeeded", output_kind=OutputKind.EMBEDDINGS, data=data))
    assert emb.dimensions == 2 and emb.vectors_json == "[[1.0, 0.0], [0.0, 1.0]]"
    assert emb.similarity_labels == ["How do I rotate an API k…", "Second"]
    assert [r.cells for r in emb.similarity] == [["1.000", "0.000"], ["0.000", "1.000"]]
    emb._reset_result()
    assert emb.dimensions == 0 and emb.similarity == []


async def test_a_failed_result_shows_its_error_and_fields() -> None:
    base, video = await open_model("cogvideox-2b")
    error = RunError("The prompt was refused.", hint="Shorten it.", kind="invalid", fields={"prompt": "Too long"})
    video._show_result(RunResult(status="failed", output_kind=OutputKind.VIDEO, error=error))
    assert (base.status, base.error, base.error_hint) == ("failed", "The prompt was refused.", "Shorten it.")
    assert base.errors["prompt"] == "Too long" and base.has_errors


async def test_set_value_validates_through_the_kind() -> None:
    base, _ = await open_model("qwen-image-edit")
    await base.set_value("width", "99999")
    assert "width" in base.errors
    await base.set_value("width", "512")
    assert "width" not in base.errors and base.price_text
