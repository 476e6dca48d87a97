"""Building blocks of a settings page: sections, notices, an input with its error, a confirm step.

They take plain values or vars and bind no state; the page passes its own events in.
"""

from __future__ import annotations

import reflex as rx

from ai_registry.components.styles import FOCUS

SECTION = "flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6"
INPUT = (
    "w-full min-w-0 rounded-md border bg-white px-3 py-2 text-sm placeholder:text-slate-500 "
    f"aria-[invalid=true]:border-red-600 {FOCUS}"
)
PRIMARY = (
    "inline-flex shrink-0 items-center justify-center gap-1.5 rounded-md bg-indigo-700 px-3.5 py-2 text-sm "
    f"font-medium text-white hover:bg-indigo-800 disabled:opacity-60 {FOCUS}"
)
SECONDARY = (
    "inline-flex shrink-0 items-center justify-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 "
    f"py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 {FOCUS}"
)
DANGER = (
    "inline-flex shrink-0 items-center justify-center gap-1.5 rounded-md bg-red-700 px-3 py-1.5 text-sm "
    f"font-medium text-white hover:bg-red-800 {FOCUS}"
)
DANGER_OUTLINE = (
    "inline-flex shrink-0 items-center justify-center gap-1.5 rounded-md border border-red-300 bg-white px-3 "
    f"py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 {FOCUS}"
)
CODE = "rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800"


def error_or_hint(invalid, error, field_id: str, hint: str) -> rx.Component:
    """Under a field: its error (announced) while it is invalid, else the hint; ids for aria-describedby."""
    return rx.cond(
        invalid,
        rx.el.p(
            error,
            id=f"{field_id}-error",
            role="alert",
            data_testid=f"{field_id}-error",
            class_name="text-sm font-medium text-red-800",
        ),
        rx.el.p(hint, id=f"{field_id}-hint", class_name="text-xs text-slate-600"),
    )


def confirm_step(question: str, *, confirm: tuple, cancel: tuple, aria_label: str) -> rx.Component:
    """The second step of a destructive action: the question, then its button and Cancel, kept together.

    `confirm` is (label, event, test id); `cancel` is (event, test id).
    """
    confirm_label, confirm_event, confirm_id = confirm
    cancel_event, cancel_id = cancel
    return rx.el.div(
        rx.el.span(question, class_name="text-sm text-red-900"),
        rx.el.div(
            rx.el.button(
                confirm_label, type="button", on_click=confirm_event, data_testid=confirm_id, class_name=DANGER
            ),
            rx.el.button("Cancel", type="button", on_click=cancel_event, data_testid=cancel_id, class_name=SECONDARY),
            class_name="flex gap-2",
        ),
        role="group",
        aria_label=aria_label,
        class_name="flex flex-wrap items-center gap-2",
    )


def section(title: str, description: str, *children: rx.Component, testid: str) -> rx.Component:
    heading_id = f"{testid}-title"
    return rx.el.section(
        rx.el.div(
            rx.el.h2(title, id=heading_id, class_name="text-lg font-semibold text-slate-900"),
            rx.el.p(description, class_name="text-sm text-slate-700"),
            class_name="flex flex-col gap-1",
        ),
        *children,
        aria_labelledby=heading_id,
        id=f"{testid}-section",  # a link can open the page at it (#api-keys-section)
        data_testid=testid,
        class_name=SECTION,
    )


def notice(message, testid: str, *, ok=True) -> rx.Component:
    return rx.cond(
        message != "",
        rx.el.p(
            message,
            role="status",
            data_testid=testid,
            class_name=rx.cond(ok, "text-sm text-emerald-800", "text-sm text-red-800"),
        ),
    )


def field_with_action(field: rx.Component, message: rx.Component, action: rx.Component) -> rx.Component:
    """An input with its hint or error right below it, and its button beside it (below on phones)."""
    return rx.el.div(
        rx.el.div(field, message, class_name="flex min-w-0 flex-1 flex-col gap-1.5"),
        action,
        class_name="flex flex-col gap-2 sm:flex-row sm:items-start",
    )
