"""The Playground tab: a form built from the model's parameters, uploads, runs, results.

Form values are kept as the strings the inputs hold; `validate_values` types and checks them on
every change and again before a run, so errors show at the field and nothing typed is lost.
Runs are background events: the rest of the app stays responsive while a model works.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from pathlib import Path
from typing import Any

import reflex as rx

from ai_registry import routes
from ai_registry.aggregator.runtime import find_model, upstream_api_key
from ai_registry.catalog.models import ModelParameter, UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.categories.request import category_name
from ai_registry.inference.client import RunResult, run_and_record
from ai_registry.inference.media import MEDIA_TYPES, media_dir, sniff_media
from ai_registry.inference.validation import check_upload, validate_values
from ai_registry.settings import get_settings
from ai_registry.state.detail import DetailState, is_local
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope

# Fields the kind's own widgets handle instead of the generic form.
_OWN_WIDGETS = {"chat": {"messages", "stream"}}
_TEXTAREA_NAMES = {"prompt", "negative_prompt", "motion_prompt", "input", "text"}
_EXPECTED_SECONDS = {"video": 120.0, "image": 10.0, "audio": 5.0, "chat": 5.0, "embedding": 1.0}
IMAGE_PRESETS = [
    ("512 × 512", 512, 512),
    ("1024 × 1024", 1024, 1024),
    ("1024 × 768", 1024, 768),
    ("768 × 1024", 768, 1024),
    ("1536 × 1024", 1536, 1024),
    ("2048 × 2048", 2048, 2048),
]
UPLOAD_ID = "playground-upload"
STREAM_FLUSH_S = 0.08  # how often streamed text reaches the browser (about 12 times a second)
PROGRESS_TICK_S = 0.5  # how often the progress bar moves


@dataclasses.dataclass
class FieldView:
    """One input of the generated form."""

    name: str = ""
    label: str = ""
    widget: str = "text"  # text | textarea | lines | number | slider | buttons | select | checkbox | file
    required: bool = False
    advanced: bool = False
    description: str = ""
    min: str = ""
    max: str = ""
    step: str = ""
    max_length: int = 0
    choices: list[list[str]] = dataclasses.field(default_factory=list)  # [value, label] pairs
    unit: str = ""
    accept: str = ""
    allow_url: bool = False


@dataclasses.dataclass
class ChatMessage:
    role: str = "user"
    content: str = ""


@dataclasses.dataclass
class SimilarityRow:
    label: str = ""
    cells: list[str] = dataclasses.field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def widget_for(param: ModelParameter) -> str:
    if param.type == "file":
        return "file"
    if param.type == "boolean":
        return "checkbox"
    if param.options:
        return "buttons" if len(param.options) <= 6 else "select"
    if param.type in ("integer", "number"):
        return "slider" if param.min is not None and param.max is not None else "number"
    if param.type == "array":
        return "lines"
    if param.name in _TEXTAREA_NAMES or (param.max_length or 0) > 300:
        return "textarea"
    return "text"


def field_view(param: ModelParameter) -> FieldView:
    widget = widget_for(param)
    options = [_text(o) for o in param.options or []]
    labels = [f"{o}{'s' if param.name == 'duration' else ''}" for o in options]
    if widget in ("select", "buttons") and not param.required and param.default is None:
        # An optional choice can be taken back: "Auto" for a language, "None" otherwise.
        options, labels = ["", *options], ["Auto" if param.name == "language" else "None", *labels]
    step = param.step if param.step is not None else (1 if param.type == "integer" else 0.1)
    return FieldView(
        name=param.name,
        label=param.title,
        widget=widget,
        required=param.required,
        advanced=param.advanced,
        description=param.description,
        min=_text(param.min),
        max=_text(param.max),
        step=_text(step),
        max_length=param.max_length or 0,
        choices=[[o, label] for o, label in zip(options, labels, strict=True)],
        unit="s" if param.name == "duration" else "",
        accept=",".join(param.accept or []),
        allow_url=param.type == "file" and (param.accept or [""])[0].startswith("image/"),
    )


def default_values(model: UnifiedAIModel) -> dict[str, str]:
    return {p.name: _text(p.default) for p in model.parameters}


def _rate_text(model: UnifiedAIModel) -> str:
    limit = model.rate_limit
    if limit is None:
        return ""
    window = "minute" if limit.per_seconds == 60 else f"{limit.per_seconds} s"
    return f"Limit: {limit.requests} run{'s' if limit.requests != 1 else ''} per {window}"


class PlaygroundState(rx.State):
    """Inputs, validation, the run in flight and its result."""

    model_slug: str = ""
    kind: str = ""
    audio_mode: str = ""  # transcribe | speech (audio models only)
    fields: list[FieldView] = []
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    file_field: str = ""
    upload_name: str = ""
    upload_preview: str = ""
    upload_kind: str = ""
    upload_error: str = ""
    upload_accept: dict[str, list[str]] = {}
    upload_max_bytes: int = 25_000_000
    _upload: dict[str, Any] = {}

    needs_key: bool = False
    rate_text: str = ""
    price_text: str = ""
    expected_seconds: float = 10.0

    running: bool = False
    cancel_requested: bool = False
    elapsed: float = 0.0
    run_id: str = ""
    status: str = ""  # "" | succeeded | failed | cancelled
    error: str = ""
    error_hint: str = ""
    error_link: str = ""
    error_link_label: str = ""
    output_kind: str = ""
    output_url: str = ""
    output_text: str = ""
    response_json: str = ""
    duration_text: str = ""
    vectors_json: str = ""
    dimensions: int = 0
    similarity: list[SimilarityRow] = []
    similarity_labels: list[str] = []

    messages: list[ChatMessage] = []
    partial: str = ""  # the answer streaming in, until it joins `messages`
    chat_input: str = ""
    form_version: int = 0  # bumped when values change from the server side (reset, a loaded run)

    # ---------- derived ----------

    @rx.var
    def basic_fields(self) -> list[FieldView]:
        return [f for f in self.fields if not f.advanced and f.widget != "file"]

    @rx.var
    def advanced_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.advanced and f.widget != "file"]

    @rx.var
    def file_view(self) -> FieldView:
        return next((f for f in self.fields if f.widget == "file"), FieldView())

    @rx.var
    def has_errors(self) -> bool:
        return bool(self.errors)

    @rx.var
    def progress(self) -> int:
        if not self.running or self.expected_seconds <= 0:
            return 0
        return min(99, int(100 * self.elapsed / self.expected_seconds))

    @rx.var
    def elapsed_text(self) -> str:
        return f"{self.elapsed:.0f} s of about {self.expected_seconds:.0f} s"

    @rx.var
    def history_url(self) -> str:
        return routes.runs_url(self.model_slug) if self.model_slug else routes.BROWSE

    # ---------- loading ----------

    def _model(self) -> UnifiedAIModel | None:
        return find_model(self.model_slug) if self.model_slug else None

    @rx.event
    async def on_load(self):
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        run_id = self.router.url.query_parameters.get("run", "")
        if slug != self.model_slug:
            self._setup(slug)
        elif (model := self._model()) is not None:
            self.needs_key = not is_local(model) and not upstream_api_key()
        if run_id and run_id != self.run_id and not self.running:
            await self._load_run(run_id)

    def _setup(self, slug: str) -> None:
        self.model_slug = slug
        self._reset_result()
        self.messages, self.chat_input = [], ""
        self._clear_upload()
        model = self._model()
        if model is None:
            self.fields, self.values, self.kind = [], {}, ""
            return
        self.kind = category_name(model)
        self.audio_mode = (
            ("speech" if model.endpoint.endswith("/speech") else "transcribe") if self.kind == "audio" else ""
        )
        hidden = _OWN_WIDGETS.get(self.kind, set())
        self.fields = [field_view(p) for p in model.parameters if p.name not in hidden]
        file_param = next((p for p in model.parameters if p.type == "file"), None)
        self.file_field = file_param.name if file_param else ""
        if file_param is not None:
            self.upload_accept = {mime: [] for mime in file_param.accept or []}
            self.upload_max_bytes = file_param.max_bytes or get_settings().upload_max_bytes
        self.values = default_values(model)
        self.form_version += 1
        self.errors = {}
        self.needs_key = not is_local(model) and not upstream_api_key()
        self.rate_text = _rate_text(model)
        self.expected_seconds = model.expected_seconds or _EXPECTED_SECONDS.get(self.kind, 10.0)
        self._revalidate(model, show_required=False)

    def _reset_result(self) -> None:
        self.status = self.error = self.error_hint = self.error_link = self.error_link_label = ""
        self.output_kind = self.output_url = self.output_text = self.response_json = ""
        self.duration_text = self.vectors_json = ""
        self.dimensions = 0
        self.similarity, self.similarity_labels = [], []
        self.elapsed = 0.0

    def _clear_upload(self) -> None:
        self._upload = {}
        self.upload_name = self.upload_preview = self.upload_kind = self.upload_error = ""

    # ---------- form ----------

    def _raw_values(self) -> dict[str, Any]:
        raw: dict[str, Any] = dict(self.values)
        if self.file_field:
            raw[self.file_field] = dict(self._upload) if self._upload else (self.values.get(self.file_field) or "")
        if self.kind == "chat":
            raw["messages"] = [{"role": m.role, "content": m.content} for m in self.messages]
            raw["stream"] = "true"
        return raw

    def _revalidate(self, model: UnifiedAIModel, *, show_required: bool) -> dict[str, Any]:
        typed, errors = validate_values(model, self._raw_values())
        if not show_required:
            # An empty required field is not an error until the person tries to run.
            errors = {k: v for k, v in errors.items() if not (v == "Required" and not self.values.get(k))}
        if self.kind == "chat":
            errors.pop("messages", None)
        self.errors = errors
        self.price_text = estimate_cost(model, typed).label
        return typed

    async def _sync_snippet(self, typed: dict[str, Any]) -> None:
        detail = await self.get_state(DetailState)
        detail._values = {k: v for k, v in typed.items() if not isinstance(v, dict)}
        detail.values_version += 1

    @rx.event
    async def set_value(self, name: str, value: Any):
        model = self._model()
        if model is None or model.parameter(name) is None:
            return
        self.values[name] = _text(value) if not isinstance(value, str) else value
        typed = self._revalidate(model, show_required=False)
        await self._sync_snippet(typed)

    @rx.event
    async def set_slider(self, name: str, value: str):
        await self.set_value(name, value)

    @rx.event
    async def set_flag(self, name: str, checked: bool):
        await self.set_value(name, "true" if checked else "false")

    @rx.event
    async def apply_preset(self, width: int, height: int):
        await self.set_value("width", str(width))
        await self.set_value("height", str(height))

    @rx.event
    async def reset_form(self):
        model = self._model()
        if model is None:
            return
        self.values = default_values(model)
        self._clear_upload()
        self.form_version += 1
        typed = self._revalidate(model, show_required=False)
        await self._sync_snippet(typed)

    # ---------- uploads ----------

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        model = self._model()
        param = model.parameter(self.file_field) if model and self.file_field else None
        if param is None or not files:
            return
        upload = files[0]
        name = Path(upload.name or upload.filename or "upload").name
        data = await upload.read()
        problem = check_upload(param, name, upload.content_type or "", len(data), data[:64])
        if problem:
            self._clear_upload()
            self.upload_error = f"{name}: {problem}"
            return
        # Named by what the bytes are (checked above), so the /media route serves the preview.
        detected = MEDIA_TYPES.get(sniff_media(data[:64]) or "")
        if detected is None:
            self._clear_upload()
            self.upload_error = f"{name}: the file's contents are not a media type this model takes."
            return
        ext, content_type, _kind = detected
        target_dir = media_dir()
        target = target_dir / f"up_{uuid.uuid4().hex}.{ext}"
        await asyncio.to_thread(target.write_bytes, data)
        self._upload = {"filename": name, "content_type": content_type, "path": str(target), "size": len(data)}
        self.upload_name = f"{name} ({len(data) / 1e6:.1f} MB)" if len(data) > 1e5 else f"{name} ({len(data):,} bytes)"
        self.upload_preview = f"/media/{target.name}"
        self.upload_kind = content_type.split("/", 1)[0]
        self.upload_error = ""
        self.values[self.file_field] = ""
        self._revalidate(model, show_required=False)

    @rx.event
    def upload_rejected(self, reasons: list[str]):
        self._clear_upload()
        self.upload_error = "; ".join(reasons) or "That file was not accepted."

    @rx.event
    def remove_upload(self):
        self._clear_upload()

    # ---------- chat ----------

    @rx.event
    def set_chat_input(self, text: str):
        self.chat_input = text

    @rx.event
    def clear_chat(self):
        if not self.running:
            self.messages = []
            self._reset_result()

    # ---------- running ----------

    @rx.event
    def stop(self):
        self.cancel_requested = True

    @rx.event(background=True)
    async def run(self):
        async with self:
            if self.running:
                return
            model = self._model()
            if model is None:
                return
            if self.kind == "chat":
                text = self.chat_input.strip()
                if not text:
                    self.errors = {**self.errors, "chat": "Type a message first."}
                    return
                self.messages = [*self.messages, ChatMessage("user", text)]
                self.chat_input = ""
                self.form_version += 1
            typed = self._revalidate(model, show_required=True)
            if self.errors:
                self.status, self.error = "failed", "Fix the highlighted fields, then run again."
                if self.kind == "chat":
                    self.messages = self.messages[:-1]
                return
            values = {p.name: typed.get(p.name) for p in model.parameters}
            self._reset_result()
            self.partial = ""
            self.running, self.cancel_requested = True, False
            run_id = self.run_id = uuid.uuid4().hex
        cancel = asyncio.Event()
        started = last_tick = time.monotonic()
        # Tokens are collected here and shown in batches: one state update per token would keep the
        # event loop busy serializing deltas while a fast model streams (tens of tokens a second).
        pending: list[str] = []

        async def on_text(delta: str) -> None:
            pending.append(delta)

        try:
            task = asyncio.create_task(run_and_record(model, values, run_id=run_id, on_text=on_text, cancel=cancel))
            while not task.done():
                await asyncio.wait({task}, timeout=STREAM_FLUSH_S)
                now = time.monotonic()
                if not pending and now - last_tick < PROGRESS_TICK_S and not task.done():
                    continue
                last_tick = now
                async with self:
                    if pending:
                        self.partial += "".join(pending)
                        pending.clear()
                    self.elapsed = now - started
                    if self.cancel_requested:
                        cancel.set()
            result = task.result()
        except Exception as exc:  # a bug must surface as a message, never a blank result
            async with self:
                self.running = False
                self.status, self.error = "failed", f"The run failed unexpectedly: {exc}"
            return
        async with self:
            self.partial += "".join(pending)
            self._show_result(result)
            self.running = False
            self.elapsed = time.monotonic() - started

    def _show_result(self, result: RunResult) -> None:
        self.status = result.status
        self.output_kind = result.output_kind or ""
        self.output_url = result.output_url or ""
        self.response_json = result.response_json or ""
        self.duration_text = f"{(result.duration_ms or 0) / 1000:.1f} s"
        if result.error is not None:
            self.error = result.error.message
            self.error_hint = result.error.hint or ""
            self.error_link = result.error.link or ""
            self.error_link_label = result.error.link_label or ""
            if result.error.fields:
                self.errors = {**self.errors, **result.error.fields}
        elif result.status == "cancelled":
            self.error = "Cancelled."
        if self.kind == "chat":
            content = self.partial or result.text or ""
            if content:
                self.messages = [*self.messages, ChatMessage("assistant", content)]
            self.partial = ""
        else:
            self.output_text = result.text or ""
        data = result.data or {}
        vectors = data.get("vectors") or []
        if vectors:
            self.dimensions = int(data.get("dimensions") or len(vectors[0]))
            self.vectors_json = json.dumps(vectors)
            inputs = [t for t in (self.values.get("input") or "").splitlines() if t.strip()]
            labels = [(t[:24] + "…") if len(t) > 25 else t for t in inputs] or [
                f"#{i + 1}" for i in range(len(vectors))
            ]
            self.similarity_labels = labels
            self.similarity = [
                SimilarityRow(labels[i] if i < len(labels) else f"#{i + 1}", [f"{c:.3f}" for c in row])
                for i, row in enumerate(data.get("similarity") or [])
            ]

    async def _load_run(self, run_id: str) -> None:
        """Put a stored run's inputs back into the form, with its result."""
        with session_scope() as session:
            row = run_store.get_run(session=session, run_id=run_id)
        if row is None or row.model_slug != self.model_slug:
            self.status, self.error = "failed", "That run does not exist for this model."
            return
        model = self._model()
        if model is None:
            return
        for name, value in run_store.run_inputs(row).items():
            if name == "messages" and isinstance(value, list):
                self.messages = [ChatMessage(m.get("role", "user"), m.get("content", "")) for m in value]
            elif name == self.file_field and isinstance(value, dict):
                path = Path(value.get("path", ""))
                if path.is_file():
                    self._upload = value
                    self.upload_name = value.get("filename", path.name)
                    self.upload_preview = f"/media/{path.name}"
                    self.upload_kind = str(value.get("content_type", "")).split("/", 1)[0]
            elif model.parameter(name) is not None:
                self.values[name] = _text(value)
        self.form_version += 1
        typed = self._revalidate(model, show_required=False)
        await self._sync_snippet(typed)
        self.run_id = run_id
        self.status = row.status
        self.output_kind = row.output_kind or ""
        self.output_url = run_store.output_url(row) or ""
        self.response_json = row.response_json or ""
        self.error = row.error or ""
        if self.kind != "chat":
            self.output_text = run_store.run_text(row)
