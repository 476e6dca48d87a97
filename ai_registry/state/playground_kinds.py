"""One playground substate per kind: what only that kind's playground holds and shows.

Each names its kind in `KIND` (the `Kind.name` of `ai_registry.kinds`) and overrides the base
state's `_kind_*` hooks; the playground wing binds that kind's widgets and Run button to it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any, ClassVar

import reflex as rx

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.inference.result import RunResult
from ai_registry.inference.validation import validate_values
from ai_registry.kinds.audio import AudioKind
from ai_registry.kinds.chat import ChatKind, usage_summary
from ai_registry.kinds.embedding import EmbeddingKind
from ai_registry.kinds.image import PRESETS, ImageKind
from ai_registry.kinds.video import VideoKind
from ai_registry.local.samples import SAMPLE_FILENAME, sample_recording
from ai_registry.media.uploads import save_upload
from ai_registry.state.auth import requires
from ai_registry.state.form_views import value_text
from ai_registry.state.playground import PlaygroundState


@dataclasses.dataclass
class ChatMessage:
    role: str = "user"
    content: str = ""


@dataclasses.dataclass
class SimilarityRow:
    label: str = ""
    cells: list[str] = dataclasses.field(default_factory=list)


def _parsed(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


class ChatPlaygroundState(PlaygroundState):
    """The conversation: the messages so far and the message being typed."""

    KIND: ClassVar[str] = ChatKind.name

    @rx.event(background=True)
    @requires("member")
    async def run(self):
        await self._run()

    messages: list[ChatMessage] = []
    chat_input: str = ""
    usage_text: str = ""  # tokens, time to first token and speed of the last answer
    sent: bool = False  # a message was sent from this page: the emptied message box takes the focus back

    @rx.var
    def last_answer(self) -> str:
        """The model's latest answer, whole: what the live region reads once its stream has ended."""
        return next((m.content for m in reversed(self.messages) if m.role == "assistant"), "")

    def _kind_setup(self, model: UnifiedAIModel) -> None:
        self.messages, self.chat_input, self.sent = [], "", False
        self._kind_reset()

    def _kind_reset(self) -> None:
        self.usage_text = ""

    def _kind_values(self, raw: dict[str, Any]) -> None:
        raw["messages"] = [{"role": m.role, "content": m.content} for m in self.messages]
        raw["stream"] = "true"

    def _kind_errors(self, errors: dict[str, str]) -> None:
        errors.pop("messages", None)  # the composer says "Type a message first." itself

    def _kind_before_run(self) -> bool:
        text = self.chat_input.strip()
        if not text:
            self.errors = {**self.errors, "chat": "Type a message first."}
            return False
        self.messages = [*self.messages, ChatMessage("user", text)]
        self.chat_input = ""
        self.sent = True
        self.form_version += 1
        return True

    def _kind_run_refused(self) -> None:
        self.messages = self.messages[:-1]

    def _kind_result(self, result: RunResult) -> None:
        content = self.partial or result.text or ""
        if content:
            self.messages = [*self.messages, ChatMessage("assistant", content)]
        self.partial = ""
        if result.succeeded:
            self.usage_text = usage_summary(
                _parsed(result.response_json), duration_ms=result.duration_ms, first_text_ms=result.first_text_ms
            )

    def _kind_load(self, name: str, value: Any) -> bool:
        if name == "messages" and isinstance(value, list):
            self.messages = [ChatMessage(m.get("role", "user"), m.get("content", "")) for m in value]
            return True
        return False

    def _kind_loaded_result(self, row: Any) -> None:
        """The stored answer is already the conversation's last message; its usage is in the JSON."""
        if row.status == "succeeded":
            self.usage_text = usage_summary(
                _parsed(row.response_json), duration_ms=row.duration_ms or 0, first_text_ms=None
            )

    @rx.event
    @requires("member")
    def set_chat_input(self, text: str):
        self.chat_input = text
        self._estimate_with(text)

    def _estimate_with(self, text: str) -> None:
        """The Send button's estimate counts the message being typed (issue 15: tokens in + max tokens out)."""
        model = self._model()
        if model is None:
            return
        raw = self._raw_values()
        if text.strip():
            raw["messages"] = [*raw.get("messages", []), {"role": "user", "content": text}]
        typed, _errors = validate_values(model, raw)
        self.price_text = estimate_cost(model, typed).label

    @rx.event
    @requires("member")
    def clear_chat(self):
        if not self.running:
            self.messages = []
            self._reset_result()


class ImagePlaygroundState(PlaygroundState):
    """Size presets beside the generated fields."""

    KIND: ClassVar[str] = ImageKind.name

    @rx.event(background=True)
    @requires("member")
    async def run(self):
        await self._run()

    @rx.var
    def presets(self) -> list[list[str]]:
        """[label, width, height] for each one-click size."""
        return [[label, str(width), str(height)] for label, width, height in PRESETS]

    @rx.event
    @requires("viewer")
    async def apply_preset(self, width: int, height: int):
        await self.set_value("width", str(width))
        await self.set_value("height", str(height))


class VideoPlaygroundState(PlaygroundState):
    """Everything a video run needs is in the generated form and the upload zone."""

    KIND: ClassVar[str] = VideoKind.name

    @rx.event(background=True)
    @requires("member")
    async def run(self):
        await self._run()


class AudioPlaygroundState(PlaygroundState):
    """Speech-to-text (an upload) or text-to-speech (a voice), by the model's route."""

    KIND: ClassVar[str] = AudioKind.name

    @rx.event(background=True)
    @requires("member")
    async def run(self):
        await self._run()

    audio_mode: str = ""  # transcribe | speech
    making_sample: bool = False

    def _kind_setup(self, model: UnifiedAIModel) -> None:
        self.audio_mode = "speech" if model.endpoint.endswith("/speech") else "transcribe"
        self._kind_reset()

    @rx.event(background=True)
    @requires("member")
    async def use_sample(self):
        """Attach a short recording the local voice speaks, so there is something to transcribe."""
        async with self:
            model = self._model()
            param = model.parameter(self.file_field) if model and self.file_field else None
            if param is None or self.making_sample or self.running:
                return
            self.making_sample = True
        saved, problem = None, ""
        try:
            wav = await sample_recording()
            saved, refused = await asyncio.to_thread(save_upload, param, SAMPLE_FILENAME, "audio/wav", wav)
            problem = f"{SAMPLE_FILENAME}: {refused}"
        except Exception as exc:  # the engine's packages or voice file are missing: say so
            problem = f"The local voice could not make a sample ({type(exc).__name__}: {exc})."
        async with self:
            self.making_sample = False
            base = await self.get_state(PlaygroundState)
            if base._take_upload(saved, problem):
                self._revalidate(model, show_required=False)


class EmbeddingPlaygroundState(PlaygroundState):
    """The vectors of a run and how similar its texts are."""

    KIND: ClassVar[str] = EmbeddingKind.name

    @rx.event(background=True)
    @requires("member")
    async def run(self):
        await self._run()

    vectors_json: str = ""
    dimensions: int = 0
    similarity: list[SimilarityRow] = []
    similarity_labels: list[str] = []

    def _kind_defaults(self, model: UnifiedAIModel) -> None:
        """The texts box starts with the model's example lines: something to embed at once."""
        if (self.values.get("input") or "").strip():
            return
        example = EmbeddingKind().example_values(model).get("input")
        if example:
            self.values = {**self.values, "input": value_text(example)}

    def _kind_reset(self) -> None:
        self.vectors_json = ""
        self.dimensions = 0
        self.similarity, self.similarity_labels = [], []

    def _kind_result(self, result: RunResult) -> None:
        self.output_text = result.text or ""
        data = result.data or {}
        vectors = data.get("vectors") or []
        if not vectors:
            return
        self.dimensions = int(data.get("dimensions") or len(vectors[0]))
        self.vectors_json = json.dumps(vectors)
        inputs = [t for t in (self.values.get("input") or "").splitlines() if t.strip()]
        labels = [(t[:24] + "…") if len(t) > 25 else t for t in inputs] or [f"#{i + 1}" for i in range(len(vectors))]
        self.similarity_labels = labels
        self.similarity = [
            SimilarityRow(labels[i] if i < len(labels) else f"#{i + 1}", [f"{c:.3f}" for c in row])
            for i, row in enumerate(data.get("similarity") or [])
        ]


KIND_STATES: tuple[type[PlaygroundState], ...] = (
    ChatPlaygroundState,
    ImagePlaygroundState,
    VideoPlaygroundState,
    AudioPlaygroundState,
    EmbeddingPlaygroundState,
)
