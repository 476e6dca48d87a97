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
    ChatMessage,
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


async def test_a_tab_following_a_run_its_process_left_stops_showing_it_in_flight() -> None:
    """A reloaded tab whose state still says a run is in flight (state kept in Redis, or a worker
    restarted) shows the stored outcome once the run was marked interrupted."""
    from ai_registry.inference.interrupted import interrupted_reason, mark_interrupted_runs
    from ai_registry.store.db import session_scope
    from ai_registry.store.runs import create_run
    from tests.inference.test_interrupted_runs import a_dead_process

    dead = a_dead_process()
    with session_scope() as session:
        create_run(session=session, run_id="left", model_slug="qwen-image-edit", inputs={}, worker=dead.text)
    base, _ = await open_model("qwen-image-edit")
    base.running, base.run_id = True, "left"
    sign_in_state(base, "admin", path="/dashboard/ai-settings/qwen-image-edit")
    await base.on_load()
    assert base.running  # the run is still `running` in the store: the tab keeps following it
    assert mark_interrupted_runs() == ["left"]
    await base.on_load()
    assert not base.running
    assert (base.status, base.error) == ("interrupted", interrupted_reason(dead))


class _Proxy:
    """What a background event's `self` is to `follow_in_state`: the state, entered with `async with`."""

    def __init__(self, state: PlaygroundState) -> None:
        object.__setattr__(self, "_state", state)

    def __getattr__(self, name: str):
        return getattr(self._state, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._state, name, value)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        return None


async def test_a_reloaded_tab_follows_a_queued_run_to_its_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scaled mode: the web worker that followed a chat run died; the reloaded tab's `on_load` starts a
    follower here, which shows the text streamed so far and then the answer, as the original would."""
    import asyncio
    import time

    from ai_registry.settings import get_settings
    from ai_registry.state import run_follow
    from ai_registry.store import run_progress
    from ai_registry.store.db import session_scope
    from ai_registry.store.runs import create_run, finish_run

    monkeypatch.setenv("AI_REGISTRY_QUEUE", "procrastinate")
    get_settings.cache_clear()
    monkeypatch.setattr(run_follow, "FOLLOW_POLL_S", 0.01)
    monkeypatch.setattr(run_follow, "QUIET_S", 0.2)
    with session_scope() as session:
        create_run(session=session, run_id="moved", model_slug="gpt-4", inputs={}, worker=None)
        run_progress.save_progress(session=session, run_id="moved", text="Hel")
    base, chat = await open_model("gpt-4")
    chat.messages = [ChatMessage("user", "Say hello")]
    base.running, base.run_id = True, "moved"
    base._follow_beat = time.time()  # the original follower, alive a moment ago (then its worker died)
    sign_in_state(base, "admin", path="/dashboard/ai-settings/gpt-4")
    assert await base.on_load() == PlaygroundState.follow_run
    follower = asyncio.ensure_future(run_follow.follow_in_state(_Proxy(base)))
    for _ in range(500):
        if base.partial == "Hel":
            break
        await asyncio.sleep(0.01)
    assert base.partial == "Hel" and base.running
    assert base._follow_beat > 0  # its stamp keeps a second follower passive
    done = RunResult(status="succeeded", output_kind=OutputKind.CHAT, run_id="moved", text="Hello!")
    with session_scope() as session:
        run_progress.save_progress(session=session, run_id="moved", text="Hello!")
        finish_run(session=session, run_id="moved", result=done)
    await asyncio.wait_for(follower, 30)
    assert not base.running and base.status == "succeeded"
    assert [(m.role, m.content) for m in chat.messages] == [("user", "Say hello"), ("assistant", "Hello!")]


async def test_the_embedded_mode_starts_no_follower() -> None:
    base, _ = await open_model("gpt-4")
    base.running, base.run_id = True, "inline"
    from ai_registry.state.run_follow import needs_follower

    assert not needs_follower(base)


async def test_a_hidden_model_sets_up_no_playground_for_a_member_but_does_for_an_admin() -> None:
    """A hand-made on_load naming a model the curation hides gets no fields and can run nothing."""
    from ai_registry.catalog.curation import Curation
    from ai_registry.state.playground import PlaygroundState as Base
    from ai_registry.store.curation import save_curation
    from ai_registry.store.db import session_scope

    with session_scope() as session:
        save_curation(session=session, entry=Curation("cogvideox-2b", hidden=True))
    for role, shown in (("member", False), ("viewer", False), ("admin", True)):
        root = build_states()
        sign_in_state(root, role, path="/dashboard/ai-settings/cogvideox-2b")
        base = substate(root, Base)
        await Base.on_load.fn(base)
        assert (base.kind != "" and bool(base.fields)) is shown, role
