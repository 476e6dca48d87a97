"""The model page's Curate button and panel, drawn for admins only (the handlers check again)."""

from __future__ import annotations

import reflex as rx

from ai_registry.catalog.curation import MAX_WORDS
from ai_registry.components.styles import BUTTON_PRIMARY, BUTTON_SECONDARY, FOCUS, PANEL
from ai_registry.state.auth import AuthState
from ai_registry.state.curation import CurationState

INPUT = (
    "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 "
    f"placeholder:text-slate-500 {FOCUS}"
)
LABEL = "text-sm font-medium text-slate-800"
HINT = "text-xs text-slate-600"


def is_admin() -> rx.Var:
    return AuthState.role == "admin"


def curate_button() -> rx.Component:
    """In the model header, beside "Compare with…": admins only."""
    return rx.cond(
        is_admin(),
        rx.el.button(
            rx.icon("sliders-horizontal", size=16),
            "Curate",
            type="button",
            on_click=CurationState.open_panel,
            aria_expanded=rx.cond(CurationState.open, "true", "false"),
            aria_controls="curate-panel",
            data_testid="curate-open",
            class_name=BUTTON_SECONDARY,
        ),
    )


def _toggle(name: str, label, hint: str, checked) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            name=name,
            default_checked=checked,
            data_testid=f"curate-{name}",
            class_name=f"mt-0.5 h-4 w-4 shrink-0 accent-indigo-700 {FOCUS}",
        ),
        rx.el.span(
            rx.el.span(label, class_name=LABEL),
            rx.el.span(hint, class_name=HINT),
            class_name="flex flex-col",
        ),
        class_name="flex items-start gap-2 rounded-md border border-slate-200 p-2",
    )


def _field(name: str, label: str, hint: str, value, *, rows: int = 0) -> rx.Component:
    props = {
        "id": f"curate-{name}-input",
        "name": name,
        "default_value": value,
        "data_testid": f"curate-{name}",
        "class_name": INPUT,
    }
    box = rx.el.textarea(rows=rows, **props) if rows else rx.el.input(type="text", **props)
    return rx.el.div(
        rx.el.label(label, html_for=f"curate-{name}-input", class_name=LABEL),
        box,
        rx.el.p(hint, class_name=HINT),
        class_name="flex flex-col gap-1",
    )


def _errors() -> rx.Component:
    return rx.cond(
        CurationState.errors.length() > 0,
        rx.el.div(
            rx.el.p("Nothing was saved:", class_name="font-semibold"),
            rx.el.ul(
                rx.foreach(CurationState.errors, lambda e: rx.el.li(e)),
                class_name="list-disc pl-5",
            ),
            role="alert",
            data_testid="curate-errors",
            class_name="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900",
        ),
    )


def curate_panel() -> rx.Component:
    """The form: four switches, the texts and words a search finds, Save and Cancel."""
    return rx.cond(
        is_admin() & CurationState.open,
        rx.el.section(
            rx.el.div(
                rx.el.h2("Curate this model", id="curate-title", class_name="text-lg font-semibold"),
                rx.el.p(
                    "Changes apply on top of the upstream catalog for the whole team; a refresh never undoes them.",
                    class_name="text-sm text-slate-700",
                ),
                class_name="flex flex-col gap-0.5",
            ),
            _errors(),
            rx.el.form(
                rx.el.div(
                    _toggle("hidden", "Hidden", "Gone from the gallery, search and the API for non-admins.",
                            CurationState.hidden),
                    _toggle("default", rx.el.span("Default in ", CurationState.category),
                            "The star moves here from the category's other models.", CurationState.default),
                    _toggle("premium", "Premium", "Marked as the premium tier.", CurationState.premium),
                    _toggle("featured", "Featured", "Pinned first in the gallery's default sort.",
                            CurationState.featured),
                    class_name="grid grid-cols-1 gap-2 sm:grid-cols-2",
                ),
                _field("name", "Name", "1 to 120 characters.", CurationState.name),
                _field("description", "Description", "Up to 1,000 characters; empty keeps the upstream's.",
                       CurationState.description, rows=3),
                _field("tags", "Tags",
                       f"Lowercase words a search finds it by, separated by spaces (at most {MAX_WORDS}).",
                       CurationState.tags),
                _field("aliases", "Aliases", "Other names people search for, e.g. wan22 or gpt4.",
                       CurationState.aliases),
                _field("readme", "Readme (markdown)", "Empty keeps the upstream's readme.", CurationState.readme,
                       rows=8),
                rx.el.div(
                    rx.el.button(rx.icon("save", size=16), "Save", type="submit", data_testid="curate-save",
                                 class_name=BUTTON_PRIMARY),
                    rx.el.button("Cancel", type="button", on_click=CurationState.close_panel,
                                 data_testid="curate-cancel", class_name=BUTTON_SECONDARY),
                    class_name="flex flex-wrap gap-2",
                ),
                key=CurationState.form_key,
                on_submit=CurationState.save,
                no_validate=True,
                data_testid="curate-form",
                class_name="flex flex-col gap-3",
            ),
            id="curate-panel",
            aria_labelledby="curate-title",
            data_testid="curate-panel",
            class_name=f"{PANEL} flex flex-col gap-3 border-indigo-200",
        ),
    )


def curate_notice() -> rx.Component:
    return rx.cond(
        is_admin() & (CurationState.notice != ""),
        rx.el.p(CurationState.notice, role="status", data_testid="curate-notice",
                class_name="text-sm font-medium text-emerald-800"),
    )
