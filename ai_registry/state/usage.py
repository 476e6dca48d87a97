"""The usage page: who called which model how often, and what it cost.

Members see their own records, administrators everyone's (with a user filter). Every figure is
summed in SQL (`store/usage.py`) off the event loop; this state only holds the page's choices and
the already-shaped figures. The scope is decided on the server from the session, never from the
browser: a member's filter always carries their own id.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import select

from ai_registry import routes
from ai_registry.identity.roles import role_at_least
from ai_registry.inference.upstream_usage import fetch_upstream_usage
from ai_registry.state.auth import Actor, current_actor, requires
from ai_registry.state.usage_report import (
    RANGES,
    chart_metric,
    count,
    key_chart,
    money,
    parse_range,
    scoped_filter,
    spend_chart,
    spend_table,
    totals,
)
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey, User
from ai_registry.store.usage import usage_by_day_and_model, usage_by_key, usage_models, usage_user_ids


@dataclasses.dataclass
class Choice:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class Figures:
    """Everything the page shows for one range and filter (computed in a worker thread)."""

    requests: str = "0"
    spend: str = "$0"
    credits: str = "0"
    tokens: str = "0"
    top_model: str = ""
    top_model_requests: str = ""
    estimated: int = 0
    has_usage: bool = False
    spend_unit: str = "usd"
    spend_data: list[dict] = dataclasses.field(default_factory=list)
    spend_series: list[dict[str, str]] = dataclasses.field(default_factory=list)
    spend_table: list[list[str]] = dataclasses.field(default_factory=list)
    key_data: list[dict] = dataclasses.field(default_factory=list)
    key_table: list[list[str]] = dataclasses.field(default_factory=list)
    users: list[Choice] = dataclasses.field(default_factory=list)
    keys: list[Choice] = dataclasses.field(default_factory=list)
    models: list[str] = dataclasses.field(default_factory=list)


def _options(
    session, actor: Actor, is_admin: bool, user_id: int | None
) -> tuple[list[Choice], list[Choice], list[str]]:
    """The filters' lists: people (admins), keys (a member's own; an admin's for the chosen person or
    everyone's) and the models with records in the person's scope."""
    users: list[Choice] = []
    if is_admin:
        ids = usage_user_ids(session=session)
        rows = session.exec(select(User).where(User.id.in_(ids))).all() if ids else []  # type: ignore[union-attr]
        users = [Choice(str(u.id), u.email) for u in sorted(rows, key=lambda u: u.email)]
    owner = user_id if is_admin else actor.id
    query = select(ApiKey).order_by(ApiKey.name, ApiKey.id)
    if owner is not None:
        query = query.where(ApiKey.owner_id == owner)
    keys = [Choice(str(k.id), k.name + (" (revoked)" if k.revoked_at else "")) for k in session.exec(query).all()]
    return users, keys, usage_models(session=session, user_id=owner)


def compute_figures(actor: Actor, where, *, is_admin: bool) -> tuple[Figures, list]:
    """The stat cards, both charts and the filter lists for the filter `where` (already scoped). Blocking."""
    with session_scope() as session:
        rows = usage_by_day_and_model(session=session, where=where)
        per_key = usage_by_key(session=session, where=where)
        ids = [row.key_id for row in per_key if row.key_id is not None]
        names = {k.id: k.name for k in session.exec(select(ApiKey).where(ApiKey.id.in_(ids))).all()} if ids else {}  # type: ignore[union-attr]
        users, keys, models = _options(session, actor, is_admin, where.user_id)
    sums = totals(rows)
    figures = Figures(
        requests=count(sums.requests),
        spend=money(sums.usd),
        credits=count(sums.credits),
        tokens=count(sums.tokens),
        top_model=sums.top_model,
        top_model_requests=count(sums.top_model_requests) if sums.top_model else "",
        estimated=sums.estimated,
        has_usage=sums.requests > 0,
        key_data=key_chart(per_key, names),
        key_table=[[row["key"], count(row["requests"]), money(row["usd"])] for row in key_chart(per_key, names)],
        users=users,
        keys=keys,
        models=models,
    )
    return figures, rows


class UsageState(rx.State):
    """The usage page's choices and figures."""

    loaded: bool = False
    is_admin: bool = False
    range_choice: str = "7"
    start_date: str = ""
    end_date: str = ""
    first_day: str = ""  # the range applied (YYYY-MM-DD), for the heading and the export link
    last_day: str = ""
    range_error: str = ""
    filter_error: str = ""
    user_filter: str = ""
    key_filter: str = ""
    model_filter: str = ""
    # The figures (see `Figures`), flat so the page binds each directly.
    requests: str = "0"
    spend: str = "$0"
    credits: str = "0"
    tokens: str = "0"
    top_model: str = ""
    top_model_requests: str = ""
    estimated: int = 0
    has_usage: bool = False
    spend_unit: str = "usd"
    spend_data: list[dict] = []
    spend_series: list[dict[str, str]] = []
    spend_table: list[list[str]] = []
    key_data: list[dict] = []
    key_table: list[list[str]] = []
    users: list[Choice] = []
    keys: list[Choice] = []
    models: list[str] = []
    upstream_message: str = ""
    upstream_ok: bool = False
    upstream_records: str = ""
    upstream_credits: str = ""
    upstream_loading: bool = False

    @rx.var
    def export_url(self) -> str:
        """The CSV of exactly what the page shows (the server scopes it again from the session cookie)."""
        params = {"start": self.first_day, "end": self.last_day}
        params |= {
            k: v for k, v in (("user", self.user_filter), ("key", self.key_filter), ("model", self.model_filter)) if v
        }
        return f"{routes.USAGE_CSV}?{urlencode(params)}"

    @rx.var
    def estimated_note(self) -> str:
        n = self.estimated
        if not n:
            return ""
        return (
            f"Estimated: {n} of the requests have no upstream-reported cost; "
            "their cost is the catalog price's estimate."
        )

    async def _reload(self) -> None:
        actor = current_actor()
        self.is_admin = role_at_least(actor.role, "admin")
        today = datetime.now(UTC).date()
        chosen, error = parse_range(self.range_choice, self.start_date, self.end_date, today=today)
        self.range_error = error
        if chosen is None:
            return  # the last good figures stay, under the error
        where, error = scoped_filter(
            actor_id=actor.id, is_admin=self.is_admin, where=chosen,
            user=self.user_filter, key=self.key_filter, model=self.model_filter,
        )  # fmt: skip
        self.filter_error = error
        if where is None:
            return
        figures, rows = await asyncio.to_thread(compute_figures, actor, where, is_admin=self.is_admin)
        figures.spend_data, figures.spend_series = spend_chart(rows, chosen.days)
        figures.spend_unit = chart_metric(rows)
        figures.spend_table = spend_table(figures.spend_data, figures.spend_series, figures.spend_unit)
        for field in dataclasses.fields(Figures):
            setattr(self, field.name, getattr(figures, field.name))
        self.first_day, self.last_day = chosen.first.isoformat(), chosen.last.isoformat()
        if self.range_choice != "custom":
            self.start_date, self.end_date = self.first_day, self.last_day

    @rx.event
    @requires("viewer")
    async def on_load(self):
        """Viewers have no usage (they call no models): they go back to the gallery."""
        if not role_at_least(current_actor().role, "member"):
            return rx.redirect(routes.BROWSE, replace=True)
        self.range_error = self.filter_error = ""
        self.upstream_message, self.upstream_records, self.upstream_credits = "", "", ""
        await self._reload()
        self.loaded = True
        return UsageState.load_upstream if self.is_admin else None

    @rx.event
    @requires("member")
    async def set_range_choice(self, value: str):
        self.range_choice = value if value in RANGES else "7"
        if self.range_choice == "custom" and not (self.start_date and self.end_date):
            self.start_date, self.end_date = self.first_day, self.last_day
        await self._reload()
        return self._upstream_follows()

    def _upstream_follows(self):
        """Administrators: the upstream's figures follow a new valid range."""
        return UsageState.load_upstream if self.is_admin and not self.range_error else None

    @rx.event
    @requires("member")
    async def set_start_date(self, value: str):
        self.start_date, self.range_choice = str(value)[:20], "custom"
        await self._reload()
        return self._upstream_follows()

    @rx.event
    @requires("member")
    async def set_end_date(self, value: str):
        self.end_date, self.range_choice = str(value)[:20], "custom"
        await self._reload()
        return self._upstream_follows()

    @rx.event
    @requires("admin")
    async def set_user_filter(self, value: str):
        self.user_filter, self.key_filter = str(value)[:12], ""
        await self._reload()

    @rx.event
    @requires("member")
    async def set_key_filter(self, value: str):
        self.key_filter = str(value)[:12]
        await self._reload()

    @rx.event
    @requires("member")
    async def set_model_filter(self, value: str):
        self.model_filter = str(value)[:300]
        await self._reload()

    @rx.event(background=True)
    @requires("admin")
    async def load_upstream(self):
        """The upstream's own records and credits for the range, beside ours (admins: the key is theirs)."""
        async with self:
            if self.upstream_loading or not self.first_day:
                return
            self.upstream_loading = True
            first, last = self.first_day, self.last_day
        chosen, _ = parse_range("custom", first, last, today=datetime.now(UTC).date())
        report = await fetch_upstream_usage(chosen.start, chosen.end) if chosen else None
        async with self:
            self.upstream_loading = False
            if (self.first_day, self.last_day) != (first, last):
                return UsageState.load_upstream  # the range changed meanwhile: ask again for the new one
            if report is None:
                return None
            self.upstream_ok = report.ok
            self.upstream_message = report.message
            prefix = "at least " if report.partial else ""
            self.upstream_records = prefix + count(report.records) if report.ok else ""
            self.upstream_credits = prefix + count(report.credits) if report.ok else ""
        return None
