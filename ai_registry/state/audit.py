"""The Audit log page (admins): newest events first, a page at a time, filtered by person and action."""

from __future__ import annotations

import dataclasses
import json

import reflex as rx

from ai_registry import routes
from ai_registry.api.audit_export import AUDIT_ACTIONS, AuditFilterError, audit_filters
from ai_registry.identity.roles import role_at_least
from ai_registry.state.auth import current_actor, requires
from ai_registry.store.audit_log import query_audit_events
from ai_registry.store.db import session_scope
from ai_registry.store.tables import AuditEvent
from ai_registry.store.users import normalize_email

PAGE_SIZE = 50
MAX_DETAILS_SHOWN = 300


@dataclasses.dataclass
class AuditView:
    id: int = 0
    at: str = ""
    who: str = ""
    address: str = ""
    action: str = ""
    target: str = ""
    details: str = ""


def action_label(action: str) -> str:
    """`role_changed` → `role changed`, for people; the filter and export keep the real name."""
    return action.replace("_", " ")


def details_text(details_json: str | None) -> str:
    """`key: value · key: value`, short enough for a table cell."""
    try:
        details = json.loads(details_json or "{}")
    except ValueError:
        return ""
    if not isinstance(details, dict):
        return str(details)[:MAX_DETAILS_SHOWN]
    text = " · ".join(f"{key}: {value}" for key, value in details.items())
    return text if len(text) <= MAX_DETAILS_SHOWN else text[: MAX_DETAILS_SHOWN - 1] + "…"


def audit_view(event: AuditEvent) -> AuditView:
    return AuditView(
        id=event.id or 0,
        at=event.at.strftime("%Y-%m-%d %H:%M:%S UTC") if event.at else "",
        who=event.actor_email or "(not signed in)",
        address=event.address or "",
        action=event.action,
        target=event.target or "",
        details=details_text(event.details_json),
    )


class AuditState(rx.State):
    """One page of the audit log and the filters that chose it."""

    events: list[AuditView] = []
    person: str = ""
    action: str = ""
    page: int = 0
    has_next: bool = False
    filter_error: str = ""
    loaded: bool = False

    @rx.var
    def action_choices(self) -> list[str]:
        return list(AUDIT_ACTIONS)

    @rx.var
    def export_url(self) -> str:
        """The JSON Lines export with the filters now applied."""
        return routes.audit_export_url(person=self.person, action=self.action)

    @rx.var
    def page_label(self) -> str:
        if not self.events:
            return "No events" if self.page == 0 else f"Page {self.page + 1}: no events"
        first = self.page * PAGE_SIZE + 1
        return f"Events {first}–{first + len(self.events) - 1}, newest first"

    def _load(self) -> None:
        try:
            person, actions = audit_filters(self.person, self.action)
        except AuditFilterError as bad:
            self.filter_error, self.events, self.has_next = str(bad), [], False
            return
        self.filter_error = ""
        with session_scope() as session:
            rows = query_audit_events(
                session=session, person=person, actions=actions, limit=PAGE_SIZE + 1, offset=self.page * PAGE_SIZE
            )
        self.has_next = len(rows) > PAGE_SIZE
        self.events = [audit_view(row) for row in rows[:PAGE_SIZE]]

    @rx.event
    @requires("viewer")
    def on_load(self):
        """Admins see the newest events (filters from the address kept); anyone else goes to the models page."""
        if not role_at_least(current_actor().role, "admin"):
            return rx.redirect(routes.BROWSE, replace=True)
        params = self.router.url.query_parameters
        self.person = normalize_email(str(params.get("person", "") or ""))[:300]
        action = str(params.get("action", "") or "")
        self.action = action if action in AUDIT_ACTIONS else ""
        self.page = 0
        self._load()
        self.loaded = True
        return None

    @rx.event
    @requires("admin")
    def apply_filters(self, form_data: dict):
        """The person filter's form: an email (who acted, or whom it was about)."""
        self.person = normalize_email(str(form_data.get("person", self.person)))[:300]
        self.action = str(form_data.get("action", self.action)).strip()
        self.page = 0
        self._load()

    @rx.event
    @requires("admin")
    def set_action(self, value: str):
        """Choosing an action filters at once."""
        self.action = str(value).strip()
        self.page = 0
        self._load()

    @rx.event
    @requires("admin")
    def clear_filters(self):
        self.person = self.action = ""
        self.page = 0
        self._load()

    @rx.event
    @requires("admin")
    def next_page(self):
        if self.has_next:
            self.page += 1
            self._load()

    @rx.event
    @requires("admin")
    def previous_page(self):
        if self.page > 0:
            self.page -= 1
            self._load()
