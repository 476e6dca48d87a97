"""The Playground tab's base state: the model, its generated form, the upload, and the run in flight.

Form values are kept as the strings the inputs hold; `validate_values` types and checks them on
every change and again before a run, so errors show at the field and nothing typed is lost. Runs
are background events: the rest of the app stays responsive while a model works. What only one
kind needs (a conversation, presets, a similarity table) lives in that kind's substate in
`state/playground_kinds.py`, which overrides the `_kind_*` hooks below.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import reflex as rx

from ai_registry import routes
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.identity.media_links import signed_media_url
from ai_registry.identity.roles import role_at_least
from ai_registry.inference.jobs import run_and_record
from ai_registry.inference.result import RunResult
from ai_registry.inference.validation import validate_values
from ai_registry.kinds import kind_for
from ai_registry.media.uploads import save_upload
from ai_registry.settings import get_settings
from ai_registry.state.auth import current_actor, requires, visible_model
from ai_registry.state.detail import DetailState
from ai_registry.state.form_views import FieldView, default_values, field_view, needs_key_notice, rate_text, value_text
from ai_registry.state.playground_hooks import KindHooks
from ai_registry.state.run_follow import follow_in_state, needs_follower, run_stopped
from ai_registry.state.stored_run_form import StoredRunForm

UPLOAD_ID = "playground-upload"
STREAM_FLUSH_S = 0.08  # how often streamed text reaches the browser (about 12 times a second)
PROGRESS_TICK_S = 0.5  # how often the progress bar moves


class PlaygroundState(KindHooks, StoredRunForm, rx.State):
    """Inputs, validation, the run in flight and its result, for every kind."""

    model_slug: str = ""
    kind: str = ""
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
    loaded_example: str = ""  # the example "Try this example" last put in the form (issue 15)
    _follow_beat: float = 0.0  # when a follower of the run last ticked (state/run_follow.py)
    status: str = ""  # "" | succeeded | failed | cancelled
    error: str = ""
    error_hint: str = ""
    error_link: str = ""
    error_link_label: str = ""
    error_kind: str = ""  # a RunError's kind: "no_key" hides the key notice the error repeats
    output_kind: str = ""
    output_url: str = ""
    output_text: str = ""
    response_json: str = ""
    duration_text: str = ""
    partial: str = ""  # a streamed answer as it arrives
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

    async def _kind_state(self) -> PlaygroundState:
        """The substate of the open model's kind (this state when none matches)."""
        for substate in self.get_substates():  # also through a background event's StateProxy
            if getattr(substate, "KIND", None) == self.kind:
                return await self.get_state(substate)
        return self

    # ---------- loading ----------

    def _model(self) -> UnifiedAIModel | None:
        """The model this playground shows; a model the curation hides is not there except for admins, so
        a hand-made event naming its slug sets up, validates and runs nothing (the gateway refuses it too)."""
        return visible_model(self.model_slug)

    @rx.event
    @requires("viewer")
    async def on_load(self):
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        run_id = self.router.url.query_parameters.get("run", "")
        if self.running and self.run_id and await asyncio.to_thread(run_stopped, self.run_id):
            # A run this tab still shows in flight is over: its process died, or it ended meanwhile.
            self.running = False
            if slug == self.model_slug:
                await (await self._kind_state())._load_run(self.run_id)
        if slug != self.model_slug:
            await self._setup(slug)
        elif (model := self._model()) is not None:
            self.needs_key = await asyncio.to_thread(needs_key_notice, model)
        # Runs are members' business: a viewer's `?run=` opens nothing.
        if run_id and run_id != self.run_id and not self.running and role_at_least(current_actor().role, "member"):
            state = await self._kind_state()
            await state._load_run(run_id)
        example = self.router.url.query_parameters.get("example", "")
        if example and example != self.loaded_example and not self.running:  # "Try this example" (issue 15)
            await (await self._kind_state())._load_example(example)
        if needs_follower(self):  # its follower may have died with its web worker: follow it from here too
            return PlaygroundState.follow_run

    @rx.event(background=True)
    @requires("member")
    async def follow_run(self):
        await follow_in_state(self)

    async def _setup(self, slug: str) -> None:
        self.model_slug, self.loaded_example = slug, ""
        self._reset_result()
        self._clear_upload()
        model = self._model()
        if model is None:
            self.fields, self.values, self.kind = [], {}, ""
            return
        kind = kind_for(model)
        self.kind = kind.name
        self.fields = [field_view(p) for p in model.parameters if p.name not in kind.own_fields]
        file_param = next((p for p in model.parameters if p.type == "file"), None)
        self.file_field = file_param.name if file_param else ""
        if file_param is not None:
            self.upload_accept = {mime: [] for mime in file_param.accept or []}
            self.upload_max_bytes = file_param.max_bytes or get_settings().upload_max_bytes
        self.values = default_values(model)
        self.form_version += 1
        self.errors = {}
        self.needs_key = await asyncio.to_thread(needs_key_notice, model)
        self.rate_text = rate_text(model)
        self.expected_seconds = kind.expected_run_seconds(model)
        state = await self._kind_state()
        state._kind_setup(model)
        state._kind_defaults(model)
        state._revalidate(model, show_required=False)

    def _reset_result(self) -> None:
        self.status = self.error = self.error_hint = self.error_link = self.error_link_label = ""
        self.error_kind = ""
        self.output_kind = self.output_url = self.output_text = self.response_json = ""
        self.duration_text = ""
        self.elapsed = 0.0
        self._kind_reset()

    def _clear_upload(self) -> None:
        self._upload = {}
        self.upload_name = self.upload_preview = self.upload_kind = self.upload_error = ""

    # ---------- form ----------

    def _raw_values(self) -> dict[str, Any]:
        raw: dict[str, Any] = dict(self.values)
        if self.file_field:
            raw[self.file_field] = dict(self._upload) if self._upload else (self.values.get(self.file_field) or "")
        self._kind_values(raw)
        return raw

    def _revalidate(self, model: UnifiedAIModel, *, show_required: bool) -> dict[str, Any]:
        typed, errors = validate_values(model, self._raw_values())
        if not show_required:
            # An empty required field is not an error until the person tries to run.
            errors = {k: v for k, v in errors.items() if not (v == "Required" and not self.values.get(k))}
        self._kind_errors(errors)
        self.errors = errors
        self.price_text = estimate_cost(model, typed).label
        return typed

    async def _sync_snippet(self, typed: dict[str, Any]) -> None:
        detail = await self.get_state(DetailState)
        detail._values = {k: v for k, v in typed.items() if not isinstance(v, dict)}
        detail.values_version += 1

    @rx.event
    @requires("viewer")
    async def set_value(self, name: str, value: Any):
        model = self._model()
        if model is None or model.parameter(name) is None:
            return
        self.values[name] = value_text(value) if not isinstance(value, str) else value
        state = await self._kind_state()
        typed = state._revalidate(model, show_required=False)
        await self._sync_snippet(typed)

    @rx.event
    @requires("viewer")
    async def set_slider(self, name: str, value: str):
        await self.set_value(name, value)

    @rx.event
    @requires("viewer")
    async def set_flag(self, name: str, checked: bool):
        await self.set_value(name, "true" if checked else "false")

    @rx.event
    @requires("viewer")
    async def reset_form(self):
        model = self._model()
        if model is None:
            return
        self.values = default_values(model)
        self._clear_upload()
        self.form_version += 1
        state = await self._kind_state()
        state._kind_defaults(model)
        typed = state._revalidate(model, show_required=False)
        await self._sync_snippet(typed)

    # ---------- uploads ----------

    @rx.event
    @requires("member")
    async def handle_upload(self, files: list[rx.UploadFile]):
        model = self._model()
        param = model.parameter(self.file_field) if model and self.file_field else None
        if param is None or not files:
            return
        upload = files[0]
        name = Path(upload.name or upload.filename or "upload").name
        data = await upload.read()
        saved, problem = await asyncio.to_thread(save_upload, param, name, upload.content_type or "", data)
        if self._take_upload(saved, f"{name}: {problem}"):
            state = await self._kind_state()
            state._revalidate(model, show_required=False)

    def _take_upload(self, saved: Any, problem: str) -> bool:
        """Show a saved upload, or why it was refused (`saved` None); True when it was taken."""
        if saved is None:
            self._clear_upload()
            self.upload_error = problem
            return False
        self._upload = saved.reference
        self.upload_name = saved.label
        self.upload_preview = signed_media_url(Path(saved.path).name)
        self.upload_kind = saved.content_type.split("/", 1)[0]
        self.upload_error = ""
        self.values[self.file_field] = ""
        return True

    @rx.event
    @requires("member")
    def upload_rejected(self, reasons: list[str]):
        self._clear_upload()
        self.upload_error = "; ".join(reasons) or "That file was not accepted."

    @rx.event
    @requires("member")
    def remove_upload(self):
        self._clear_upload()

    # ---------- running ----------

    async def _run(self) -> None:
        """Run the model with the form's values, as a background event of the kind's substate.

        Reflex binds an inherited handler to the state that defines it, so each substate defines its
        own `run` event calling this: then `self` is the substate and its hooks apply.
        """
        async with self:
            if self.running:  # Run is Cancel while a run is in flight (one button, see run_buttons)
                self.cancel_requested = True
                return
            model = self._model()
            if model is None or not self._kind_before_run():
                return
            typed = self._revalidate(model, show_required=True)
            if self.errors:
                self.status, self.error = "failed", "Fix the highlighted fields, then run again."
                self._kind_run_refused()
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
            task = asyncio.create_task(run_and_record(
                model, values, run_id=run_id, owner_id=current_actor().id, on_text=on_text, cancel=cancel
            ))
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
                    self.elapsed, self._follow_beat = now - started, time.time()
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
            self.error_kind = result.error.kind or ""
            if result.error.fields:
                self.errors = {**self.errors, **result.error.fields}
        elif result.status == "cancelled":
            self.error = "Cancelled."
        self._kind_result(result)
