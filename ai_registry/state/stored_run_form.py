"""Putting a stored run back into a playground: its inputs in the form, its result on screen.

A plain mixin of the base `PlaygroundState` (like `playground_hooks.KindHooks`); it only reads the
store off the event loop and sets the base state's vars.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ai_registry.identity.media_links import signed_media_url
from ai_registry.identity.runs_access import can_see_run
from ai_registry.state.auth import current_actor
from ai_registry.state.form_views import value_text
from ai_registry.state.run_follow import stored_run
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.examples import visible_example_run


def _example_run(run_id: str, viewer_id: int):
    with session_scope() as session:
        return visible_example_run(session=session, run_id=run_id, viewer_id=viewer_id)


class StoredRunForm:
    """`_load_run`, for a Reflex state with the playground's vars and hooks."""

    async def _load_run(self, run_id: str) -> None:
        """Put a stored run's inputs back into the form, with its result."""
        row, actor = await asyncio.to_thread(stored_run, run_id), current_actor()
        if not can_see_run(row, user_id=actor.id, role=actor.role) or row.model_slug != self.model_slug:
            self.status, self.error = "failed", "That run does not exist for this model."
            return
        model = self._model()
        if model is None:
            return
        await self._fill_inputs(model, row)
        self.run_id = run_id
        self.status = row.status
        self.output_kind = row.output_kind or ""
        self.output_url = run_store.output_url(row) or ""
        self.response_json = row.response_json or ""
        self.error = row.error or ""
        self._kind_loaded_result(row)

    async def _load_example(self, run_id: str) -> None:
        """"Try this example" (issue 15): a pinned example's inputs in the form, ready to run again.
        Team examples are everyone's; an own example only its owner's. Its result stays on the model page."""
        actor = current_actor()
        row = await asyncio.to_thread(_example_run, run_id, actor.id)
        model = self._model()
        if row is None or row.model_slug != self.model_slug or model is None:
            self.status, self.error = "failed", "That example does not exist for this model."
            return
        self._reset_result()
        await self._fill_inputs(model, row)
        self.loaded_example = run_id

    async def _fill_inputs(self, model, row):
        """The stored run's form values (and upload) back in the form; the typed values."""
        for name, value in run_store.run_inputs(row).items():
            if self._kind_load(name, value):
                continue
            if name == self.file_field and isinstance(value, dict):
                path = Path(value.get("path", ""))
                if path.is_file():
                    self._upload = value
                    self.upload_name = value.get("filename", path.name)
                    self.upload_preview = signed_media_url(path.name)
                    self.upload_kind = str(value.get("content_type", "")).split("/", 1)[0]
            elif model.parameter(name) is not None:
                self.values[name] = value_text(value)
        self.form_version += 1
        typed = self._revalidate(model, show_required=False)
        await self._sync_snippet(typed)
        return typed
