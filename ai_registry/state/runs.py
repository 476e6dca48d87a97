"""The request log of one model: its stored runs, and one run opened by URL."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import reflex as rx

from ai_registry import routes
from ai_registry.aggregator.runtime import find_model
from ai_registry.identity.errors import NotAllowed
from ai_registry.identity.examples import pin_run, unpin_run
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.runs_access import can_see_run, share_run, stop_sharing
from ai_registry.state.auth import current_actor, requires
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.examples import run_pins
from ai_registry.store.share_links import count_open_share_links


@dataclasses.dataclass
class RunView:
    id: str = ""
    status: str = ""
    created: str = ""
    duration: str = ""
    cost: str = ""
    output_kind: str = ""
    output_url: str = ""
    error: str = ""
    open_url: str = ""
    load_url: str = ""
    record_url: str = ""
    inputs_json: str = ""
    request_json: str = ""
    response_json: str = ""


def _pretty(text: str | None) -> str:
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def cost_text(status: str, cost_usd: float | None) -> str:
    """What a run cost as the request log says it: a failed or cancelled run without a charge was
    not charged (the upstream bills only answers), not of unknown price."""
    if cost_usd:
        return f"${cost_usd:.3f}"
    if cost_usd == 0:
        return "Free"
    return "not charged" if status in ("failed", "cancelled") else "unknown"


def run_view(row, *, full: bool = False) -> RunView:
    return RunView(
        id=row.id,
        status=row.status,
        created=row.created_at.strftime("%Y-%m-%d %H:%M:%S UTC") if row.created_at else "",
        duration=f"{row.duration_ms / 1000:.1f} s" if row.duration_ms is not None else "",
        cost=cost_text(row.status, row.cost_usd),
        output_kind=row.output_kind or "",
        output_url=run_store.output_url(row) or "",
        error=row.error or "",
        open_url=routes.runs_url(row.model_slug, row.id),
        load_url=routes.model_url(row.model_slug) + f"?run={row.id}",
        record_url=run_store.record_url(row.id),
        inputs_json=_pretty(row.inputs_json) if full else "",
        request_json=_pretty(row.request_json) if full else "",
        response_json=_pretty(row.response_json) if full else "",
    )


@dataclasses.dataclass
class PinView:
    """How the open run is pinned as an example (issue 15), and what the person may change."""

    can_team: bool = False  # an administrator: may pin for the whole team
    can_own: bool = False  # the run's owner: may pin it as their own example
    team: bool = False
    team_featured: bool = False
    own: bool = False
    own_featured: bool = False


def pin_view(session, row, actor) -> PinView:
    if row is None or row.status != "succeeded" or not role_at_least(actor.role, "member"):
        return PinView()
    pins = {p.scope: p for p in run_pins(session=session, run_id=row.id)}
    return PinView(
        can_team=role_at_least(actor.role, "admin"),
        can_own=row.owner_id is not None and row.owner_id == actor.id,
        team="team" in pins,
        team_featured="team" in pins and pins["team"].featured,
        own="owner" in pins,
        own_featured="owner" in pins and pins["owner"].featured,
    )


def _load_runs(model_slug: str, run_id: str, actor: Any) -> tuple[list[RunView], Any, bool, PinView]:
    """The model's latest runs `actor` may see (an admin: everyone's), the run `run_id` names when
    `actor` may see it (else None: someone else's run looks exactly like a missing one), and whether
    that run has an open share link."""
    owner = None if role_at_least(actor.role, "admin") else actor.id
    with session_scope() as session:
        rows = run_store.list_runs(session=session, model_slug=model_slug, limit=100, owner_id=owner)
        views = [run_view(r) for r in rows]
        row = run_store.get_run(session=session, run_id=run_id) if run_id else None
        if not can_see_run(row, user_id=actor.id, role=actor.role):
            row = None
        shared = row is not None and count_open_share_links(session=session, run_id=row.id) > 0
        pins = pin_view(session, row, actor)
    return views, row, shared, pins


class RunsState(rx.State):
    model_slug: str = ""
    model_name: str = ""
    found: bool = True
    runs: list[RunView] = []
    selected: RunView = RunView()
    missing_run: str = ""
    share_url: str = ""  # a new share link, shown once
    shared: bool = False
    share_error: str = ""
    pins: PinView = PinView()
    pin_notice: str = ""

    @rx.var
    def model_url(self) -> str:
        return routes.model_url(self.model_slug) if self.model_slug else routes.BROWSE

    @rx.var
    def page_title(self) -> str:
        """The browser tab's title names the model whose runs these are."""
        return f"Request logs: {self.model_name} · {routes.APP_NAME}" if self.model_name else routes.APP_NAME

    @rx.event
    @requires("member")
    async def on_load(self):
        parts = self.router.url.path.rstrip("/").split("/")
        self.model_slug = parts[-2] if len(parts) >= 2 else ""
        model = find_model(self.model_slug)
        self.found = model is not None
        self.model_name = model.name if model else ""
        run_id = self.router.url.query_parameters.get("run", "")
        actor = current_actor()
        self.share_url = ""
        # Database reads off the event loop, so other users' clicks never wait for them.
        self.pin_notice = ""
        self.runs, row, self.shared, self.pins = await asyncio.to_thread(_load_runs, self.model_slug, run_id, actor)
        self.selected = run_view(row, full=True) if row is not None and row.model_slug == self.model_slug else RunView()
        self.missing_run = run_id if run_id and row is None else ""

    def _selected_row(self, session):
        actor = current_actor()
        row = run_store.get_run(session=session, run_id=self.selected.id) if self.selected.id else None
        return row if can_see_run(row, user_id=actor.id, role=actor.role) else None

    @rx.event
    @requires("member")
    def share_selected(self):
        """A new share link for the open run, shown once (only its hash is stored)."""
        actor = current_actor()
        with session_scope() as session:
            row = self._selected_row(session)
            if row is None:
                self.share_error = "Open one of your runs first."
                return
            path = share_run(session=session, run=row, user_id=actor.id, role=actor.role)
        origin = self.router.url.origin or ""
        self.share_url, self.shared, self.share_error = origin + path, True, ""

    @rx.event
    @requires("member")
    def stop_sharing_selected(self):
        """Revoke every share link of the open run: they stop working at once."""
        actor = current_actor()
        with session_scope() as session:
            row = self._selected_row(session)
            if row is None:
                self.share_error = "Open one of your runs first."
                return
            stop_sharing(session=session, run=row, user_id=actor.id, role=actor.role)
        self.share_url, self.shared, self.share_error = "", False, ""

    def _change_pin(self, scope: str, featured: bool | None) -> None:
        """Pin (featured or not) or, with `featured` None, unpin the open run; refusals are shown."""
        actor = current_actor()
        with session_scope() as session:
            row = self._selected_row(session)
            try:
                if featured is None:
                    unpin_run(session=session, run=row, actor=actor, scope=scope)
                else:
                    pin_run(session=session, run=row, actor=actor, scope=scope, featured=featured)
            except NotAllowed as exc:
                self.pin_notice = str(exc)
                return
            self.pins = pin_view(session, row, actor)
        whose = "the team's" if scope == "team" else "your own"
        self.pin_notice = (
            f"Removed from {whose} examples." if featured is None
            else f"Pinned as {whose} example" + (", featured on the model's card." if featured else ".")
        )

    @rx.event
    @requires("member")
    def pin_selected(self, scope: str, featured: bool = False):
        """Pin the open run as an example: for the team (administrators) or for oneself (its owner)."""
        self._change_pin(str(scope), bool(featured))

    @rx.event
    @requires("member")
    def unpin_selected(self, scope: str):
        """Remove the open run from the team's or one's own examples."""
        self._change_pin(str(scope), None)
