"""Audit log at /dashboard/audit (admins): who did what, when, from where; filters; JSON Lines export."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

from ai_registry import routes
from ai_registry.components.layout import page_shell
from ai_registry.components.settings_form import INPUT, PRIMARY, SECONDARY, notice
from ai_registry.components.styles import FOCUS, scroll_region
from ai_registry.pages.account import account
from ai_registry.pages.team import LABEL, SELECT, page_heading
from ai_registry.state.audit import AuditState, AuditView

CELL = "px-3 py-2 align-top"


def filters() -> rx.Component:
    return rx.el.form(
        rx.el.div(
            rx.el.label("Person (email)", html_for="audit-person", class_name=LABEL),
            rx.el.input(
                id="audit-person", name="person", type="search", default_value=AuditState.person,
                key=AuditState.person, placeholder="name@example.com", auto_complete="off",
                data_testid="audit-person", class_name=INPUT + " border-slate-300",
            ),
            class_name="flex min-w-0 flex-1 flex-col gap-1.5",
        ),
        rx.el.div(
            rx.el.label("Action", html_for="audit-action", class_name=LABEL),
            rx.el.select(
                rx.el.option("Every action", value=""),
                rx.foreach(AuditState.action_choices, lambda action: rx.el.option(action, value=action)),
                id="audit-action", name="action", value=AuditState.action, on_change=AuditState.set_action,
                data_testid="audit-action", class_name=SELECT + " py-2",
            ),
            class_name="flex flex-col gap-1.5",
        ),
        rx.el.div(
            rx.el.button("Filter", type="submit", disabled=~AuditState.loaded, data_testid="audit-filter",
                         class_name=PRIMARY),
            rx.el.button("Clear", type="button", on_click=AuditState.clear_filters, data_testid="audit-clear",
                         class_name=SECONDARY + " py-2"),
            # A plain anchor (not the client router): the browser downloads the file with the session cookie.
            A.create(
                rx.icon("download", size=16, aria_hidden="true"), "Export JSON Lines",
                href=AuditState.export_url, download="", data_testid="audit-export",
                class_name=SECONDARY + " py-2",
            ),
            class_name="flex flex-wrap gap-2",
        ),
        on_submit=AuditState.apply_filters,
        no_validate=True,
        role="search",
        aria_label="Filter the audit log",
        data_testid="audit-filters",
        class_name="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm "
        "md:flex-row md:items-end",
    )


def event_row(event: AuditView) -> rx.Component:
    wrap = " min-w-[11rem] [overflow-wrap:anywhere]"
    return rx.el.tr(
        rx.el.td(event.at, class_name=CELL + " whitespace-nowrap font-mono text-xs"),
        rx.el.td(event.who, class_name=CELL + wrap),
        rx.el.td(rx.el.code(event.action, class_name="text-xs"), data_testid="audit-row-action", class_name=CELL),
        rx.el.td(event.target, class_name=CELL + wrap),
        rx.el.td(event.address, class_name=CELL + " whitespace-nowrap font-mono text-xs"),
        rx.el.td(event.details, class_name=CELL + " min-w-[14rem] text-xs text-slate-700 [overflow-wrap:anywhere]"),
        data_testid="audit-row",
        class_name="border-t border-slate-200",
    )


def event_table() -> rx.Component:
    """A table from a tablet's width up (it scrolls sideways if it must)."""
    head = ("When", "Who", "Action", "Target", "Address", "Details")
    return rx.el.div(
        rx.el.table(
            rx.el.caption(AuditState.page_label, class_name="px-3 py-2 text-left text-sm text-slate-700"),
            rx.el.thead(
                rx.el.tr(*[rx.el.th(label, scope="col", class_name=CELL + " text-left font-semibold")
                           for label in head]),
                class_name="bg-slate-50",
            ),
            rx.el.tbody(rx.foreach(AuditState.events, event_row)),
            class_name="w-full text-sm",
        ),
        **scroll_region("Audit events"),
        data_testid="audit-table",
        class_name=f"hidden overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm md:block {FOCUS}",
    )


def event_card(event: AuditView) -> rx.Component:
    return rx.el.li(
        rx.el.div(
            rx.el.code(event.action, class_name="text-sm font-semibold text-slate-900"),
            rx.el.span(event.at, class_name="font-mono text-xs text-slate-600"),
            class_name="flex flex-wrap items-baseline justify-between gap-x-3",
        ),
        rx.el.p(rx.el.span("By ", class_name="text-slate-600"), event.who,
                rx.cond(event.address != "", rx.el.span(" from ", event.address, class_name="text-slate-600")),
                class_name="text-sm [overflow-wrap:anywhere]"),
        rx.cond(event.target != "", rx.el.p(rx.el.span("About ", class_name="text-slate-600"), event.target,
                                            class_name="text-sm [overflow-wrap:anywhere]")),
        rx.cond(event.details != "", rx.el.p(event.details, class_name="text-xs text-slate-700 "
                                             "[overflow-wrap:anywhere]")),
        data_testid="audit-card",
        class_name="flex flex-col gap-1 border-t border-slate-200 px-3 py-3 first:border-t-0",
    )


def event_cards() -> rx.Component:
    """The same events as cards on a phone."""
    return rx.el.div(
        rx.el.p(AuditState.page_label, class_name="px-3 py-2 text-sm text-slate-700"),
        rx.el.ul(rx.foreach(AuditState.events, event_card), aria_label="Audit events",
                 class_name="border-t border-slate-200"),
        class_name="rounded-xl border border-slate-200 bg-white shadow-sm md:hidden",
    )


def pager() -> rx.Component:
    return rx.el.div(
        rx.el.button("Newer", type="button", on_click=AuditState.previous_page, disabled=AuditState.page == 0,
                     data_testid="audit-newer", class_name=SECONDARY + " disabled:opacity-50"),
        rx.el.span("Page ", AuditState.page + 1, class_name="text-sm text-slate-700", data_testid="audit-page-number"),
        rx.el.button("Older", type="button", on_click=AuditState.next_page, disabled=~AuditState.has_next,
                     data_testid="audit-older", class_name=SECONDARY + " disabled:opacity-50"),
        class_name="flex items-center gap-3",
    )


def audit_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            page_heading(
                "Audit log",
                "Sign-ins, account and role changes, invites, keys and settings: newest first. It cannot be edited.",
                routes.AUDIT,
            ),
            filters(),
            notice(AuditState.filter_error, "audit-filter-error", ok=False),
            event_table(),
            event_cards(),
            pager(),
            data_loaded=AuditState.loaded.to_string(),
            data_testid="audit-page",
            class_name="mx-auto flex w-full max-w-6xl flex-col gap-4",
        ),
        account=account(),
    )
