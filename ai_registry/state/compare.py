"""Compare: two to four models of one kind answer one shared input, side by side (issue 16).

The compare page's event handlers are all here (`CompareState`); the gallery's tray of picks and a
model page's tally of wins are in `state/compare_picks.py`.
Each panel is an ordinary run of the run service; the runs go concurrently in one background event
that holds the state lock only to read or write vars.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from pathlib import Path
from typing import Any

import reflex as rx

from ai_registry import routes
from ai_registry.aggregator.runtime import catalog_index, find_model
from ai_registry.identity.runs_access import can_see_run
from ai_registry.inference.compare import MAX_MODELS, panel_blocker, parse_models, plan_compare
from ai_registry.inference.validation import validate_values
from ai_registry.kinds import kind_for
from ai_registry.kinds.shared import map_shared, role_label, share_settings, shared_params, shared_roles
from ai_registry.media.storage import media_url
from ai_registry.media.uploads import save_upload
from ai_registry.state.auth import current_actor, requires, visible_model
from ai_registry.state.compare_runs import run_panels
from ai_registry.state.compare_store import load_session, save_measures, save_session, save_vote, stored_runs
from ai_registry.state.compare_views import (
    PanelView,
    SharedField,
    apply_measures,
    clear_result,
    estimate_panels,
    example_text,
    new_panel,
    shared_fields,
    show_stored,
)
from ai_registry.state.form_views import value_text
from ai_registry.store.upstream_key import upstream_api_key

FOLLOW_S = 1.0  # how often a colleague's page looks at runs still in flight
FOLLOW_FOR_S = 300.0


class CompareState(rx.State):
    """The compared models' panels, the shared input, the estimate, the runs and the vote."""

    kind: str = ""
    panels: list[PanelView] = []
    problems: list[str] = []
    shared: list[SharedField] = []
    shared_values: dict[str, str] = {}
    file_names: dict[str, str] = {}  # role -> the uploaded file's name
    file_previews: dict[str, str] = {}  # role -> its URL
    upload_error: str = ""
    _files: dict[str, dict[str, Any]] = {}  # role -> upload reference
    same_settings: bool = False
    total_cost: str = ""
    choices: list[list[str]] = []  # [slug, name] of the models a picker may add
    session_id: str = ""
    winner: int = -1
    notice: str = ""
    form_version: int = 0
    loaded: bool = False

    # ---------- derived ----------

    @rx.var
    def slugs(self) -> list[str]:
        return [p.slug for p in self.panels]

    @rx.var
    def running(self) -> bool:
        return any(p.running for p in self.panels)

    @rx.var
    def can_run(self) -> bool:
        return len(self.panels) >= 2 and any(not p.blocker for p in self.panels)

    @rx.var
    def finished(self) -> bool:
        return bool(self.session_id) and any(p.status == "succeeded" for p in self.panels) and not self.running

    @rx.var
    def share_url(self) -> str:
        return routes.compare_url(session=self.session_id) if self.session_id else ""

    @rx.var
    def upload_role(self) -> str:
        return next((f.role for f in self.shared if f.widget == "file"), "")

    # ---------- opening ----------

    @rx.event
    @requires("viewer")
    async def on_load(self):
        query = self.router.url.query_parameters
        session_id = query.get("session", "")
        if session_id:
            if session_id != self.session_id or not self.panels:
                return await self._open_session(session_id)
            return None
        await self._open_models(parse_models(query.get("models", "")))
        return None

    async def _open_models(self, slugs: list[str]) -> None:
        plan = plan_compare(slugs, visible_model)  # a hidden model's address is "no model" for non-admins
        key_set = bool(await asyncio.to_thread(upstream_api_key))
        same_kind = self.loaded and self.kind == plan.kind  # adding or removing a model keeps the input
        self.problems = plan.problems
        self.panels = [new_panel(i, m, blocker=panel_blocker(m, key_set=key_set)) for i, m in enumerate(plan.models)]
        self.shared = shared_fields(shared_roles(plan.models))
        first = plan.models[0] if plan.models else None
        examples = kind_for(first).example_values(first) if first else {}
        params = shared_params(first) if first else {}
        typed = self.shared_values if same_kind else {}
        self.shared_values = {
            f.role: typed.get(f.role) or example_text(examples.get(params.get(f.role, ""))) for f in self.shared
        }
        self.kind = plan.kind
        if not same_kind:
            self._files, self.file_names, self.file_previews = {}, {}, {}
        self.upload_error = ""
        self.same_settings, self.session_id, self.winner, self.notice = False, "", -1, ""
        self.choices = [
            [m.slug, m.name] for m in catalog_index().query() if not plan.kind or kind_for(m).name == plan.kind
        ]
        self.form_version += 1
        self.loaded = True
        self._refresh()

    async def _open_session(self, session_id: str):
        saved = await asyncio.to_thread(load_session, session_id)
        if saved is None:
            await self._open_models([])
            self.problems = [f"No comparison has the id “{session_id}”. Start a new one from the gallery."]
            return None
        await self._open_models(saved.models)
        inputs = saved.inputs
        shared = inputs.get("shared") if isinstance(inputs.get("shared"), dict) else {}
        self.shared_values = {f.role: str(shared.get(f.role) or "") for f in self.shared}
        files = inputs.get("files") if isinstance(inputs.get("files"), dict) else {}
        kept = {r: f for r, f in files.items() if isinstance(f, dict) and Path(f.get("path", "")).is_file()}
        self.file_names = {r: str(f.get("filename", "")) for r, f in kept.items()}
        self.file_previews = {r: str(f.get("url", "")) for r, f in kept.items()}
        self._files = {r: {k: v for k, v in f.items() if k != "url"} for r, f in kept.items()}
        settings = inputs.get("settings") if isinstance(inputs.get("settings"), list) else []
        panels = copy.deepcopy(list(self.panels))
        for panel, values in zip(panels, settings, strict=False):
            if isinstance(values, dict):
                panel.settings = {**panel.settings, **{k: str(v) for k, v in values.items() if k in panel.settings}}
        self.same_settings = bool(inputs.get("same_settings"))
        self.session_id = saved.id
        self.winner = saved.winner_panel if saved.winner_panel is not None else -1
        # Runs are private (issue 12): a panel shows only a run this person may see (theirs; an admin's: any).
        actor = current_actor()
        rows = [
            stored if stored is not None and can_see_run(stored.row, user_id=actor.id, role=actor.role) else None
            for stored in await asyncio.to_thread(stored_runs, saved.run_ids)
        ]
        for panel, stored, found in zip(panels, rows, saved.results + [{}] * len(panels), strict=False):
            if stored is not None:
                show_stored(panel, stored.row, text=stored.text, url=stored.url, data=stored.data)
                if stored.row.status != "running":
                    apply_measures(panel, found)
        self.panels = panels
        self.form_version += 1
        self._refresh()
        return CompareState.follow_runs if self.running else None

    # ---------- the form ----------

    def _shared_input(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(self.shared_values)
        values.update({role: dict(ref) for role, ref in self._files.items()})
        return values

    def _refresh(self) -> None:
        """What each panel cannot take, its estimate and the summed estimate, after any change."""
        panels = copy.deepcopy(list(self.panels))
        self.total_cost = estimate_panels(panels, self._shared_input(), same_settings=self.same_settings)
        self.panels = panels

    @rx.event
    @requires("viewer")
    def set_shared(self, role: str, value: str):
        if any(f.role == role for f in self.shared):
            self.shared_values = {**self.shared_values, role: value}
            self._refresh()

    @rx.event
    @requires("viewer")
    def set_setting(self, index: int, name: str, value: Any):
        value = value_text(value) if not isinstance(value, str) else value
        panels = copy.deepcopy(list(self.panels))
        for panel in panels:
            if (panel.index == index or self.same_settings) and name in panel.settings:
                panel.settings = {**panel.settings, name: value}
                # The other panels' inputs show the copied value; the one being typed in keeps its focus.
                panel.version += int(panel.index != index)
        self.panels = panels
        self._refresh()

    @rx.event
    @requires("viewer")
    def set_same_settings(self, checked: bool):
        self.same_settings = bool(checked)
        if self.same_settings and self.panels:
            panels = copy.deepcopy(list(self.panels))
            for panel in panels[1:]:
                model = find_model(panel.slug)
                if model is not None:
                    panel.settings = {**panel.settings, **share_settings(panels[0].settings, model)[0]}
                    panel.version += 1
            self.panels = panels
        self._refresh()

    @rx.event
    @requires("member")
    async def handle_upload(self, files: list[rx.UploadFile]):
        role = self.upload_role
        model = next((m for p in self.panels if (m := find_model(p.slug)) and role in shared_params(m)), None)
        param = model.parameter(shared_params(model)[role]) if model else None
        if param is None or not files:
            return
        upload = files[0]
        name = Path(upload.name or upload.filename or "upload").name
        data = await upload.read()
        saved, problem = await asyncio.to_thread(save_upload, param, name, upload.content_type or "", data)
        if saved is None:
            self.upload_error = f"{name}: {problem}"
            return
        self._files = {**self._files, role: dict(saved.reference)}
        self.file_names = {**self.file_names, role: saved.label}
        self.file_previews = {**self.file_previews, role: media_url(saved.path)}
        self.upload_error = ""
        self._refresh()

    @rx.event
    @requires("member")
    def remove_upload(self, role: str):
        self._files = {r: f for r, f in self._files.items() if r != role}
        self.file_names = {r: n for r, n in self.file_names.items() if r != role}
        self.file_previews = {r: n for r, n in self.file_previews.items() if r != role}
        self._refresh()

    @rx.event
    @requires("viewer")
    def add_model(self, slug: str):
        if slug and len(self.panels) < MAX_MODELS:
            return rx.redirect(routes.compare_url([*self.slugs, slug]))
        return None

    @rx.event
    @requires("viewer")
    def remove_panel(self, index: int):
        return rx.redirect(routes.compare_url([p.slug for p in self.panels if p.index != index]))

    # ---------- running ----------

    def _prepare(self) -> list[tuple[int, Any, dict[str, Any], str]]:
        """Mark the panels that run and return their jobs; a panel with bad values shows why and sits out."""
        panels = copy.deepcopy(list(self.panels))
        shared = self._shared_input()
        jobs = []
        for panel in panels:
            clear_result(panel)
            panel.errors = {}
            model = find_model(panel.slug)
            if panel.blocker or model is None:
                continue
            mapped = map_shared(model, shared, panel.settings)
            typed, errors = validate_values(model, mapped.values)
            if errors:
                labels = {param: role_label(role) for role, param in shared_params(model).items()}
                panel.errors = errors
                panel.status = "failed"
                panel.error = "Fix before running: " + "; ".join(f"{labels.get(k, k)}: {v}" for k, v in errors.items())
                continue
            panel.run_id = uuid.uuid4().hex
            panel.log_url = routes.runs_url(panel.slug, panel.run_id)
            panel.running, panel.status = True, "running"
            panel.elapsed_text = "starting…"
            jobs.append((panel.index, model, typed, panel.run_id))
        self.panels = panels
        return jobs

    def _inputs(self) -> dict[str, Any]:
        return {
            "shared": dict(self.shared_values),
            "files": {r: {**f, "url": self.file_previews.get(r, "")} for r, f in self._files.items()},
            "settings": [dict(p.settings) for p in self.panels],
            "same_settings": self.same_settings,
        }

    @rx.event(background=True)
    @requires("member")
    async def run_all(self):
        async with self:
            if self.running or not self.can_run:
                return
            jobs = self._prepare()
            if not jobs:
                self.notice = "No panel can run: see each panel's message."
                return
            self.notice, self.winner = "", -1
            kind, slugs, inputs = self.kind, list(self.slugs), self._inputs()
            run_ids = [p.run_id for p in self.panels]
        saved = await asyncio.to_thread(save_session, kind, slugs, inputs, run_ids)
        async with self:
            self.session_id = saved.id
        yield rx.call_script(f"window.history.replaceState(null, '', {routes.compare_url(session=saved.id)!r})")
        found = await run_panels(self, jobs, owner_id=current_actor().id)
        await asyncio.to_thread(save_measures, saved.id, [found.get(i, {}) for i in range(len(slugs))])

    @rx.event
    @requires("member")
    def cancel_panel(self, index: int):
        panels = copy.deepcopy(list(self.panels))
        for panel in panels:
            if panel.index == index and panel.running:
                panel.cancelling = True
                panel.elapsed_text = "cancelling…"
        self.panels = panels

    @rx.event(background=True)
    @requires("member")
    async def follow_runs(self):
        """A colleague opened a comparison whose runs are still going: show each as its run ends."""
        deadline = time.monotonic() + FOLLOW_FOR_S
        while time.monotonic() < deadline:
            await asyncio.sleep(FOLLOW_S)
            async with self:
                session_id, run_ids = self.session_id, [p.run_id for p in self.panels]
                if not self.running:
                    return
            rows = await asyncio.to_thread(stored_runs, run_ids)
            saved = await asyncio.to_thread(load_session, session_id)
            results = (saved.results if saved else []) + [{}] * len(run_ids)
            async with self:
                if self.session_id != session_id:
                    return
                panels = copy.deepcopy(list(self.panels))
                for panel, stored, found in zip(panels, rows, results, strict=False):
                    if stored is not None and panel.running:
                        show_stored(panel, stored.row, text=stored.text, url=stored.url, data=stored.data)
                        if stored.row.status != "running":
                            apply_measures(panel, found)
                self.panels = panels

    # ---------- the vote ----------

    @rx.event
    @requires("member")
    async def vote(self, index: int):
        if not self.session_id or self.running:
            return
        if not any(p.index == index and p.status == "succeeded" for p in self.panels):
            return
        saved = await asyncio.to_thread(save_vote, self.session_id, index)
        if saved is not None:
            self.winner = index
