"""The API tab's choices above the snippet: how it calls the model, and a key made for it."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.styles import FOCUS
from ai_registry.state.auth import AuthState
from ai_registry.state.detail import CALL_MODE_LABELS, DetailState


def _mode_button(mode: str) -> rx.Component:
    selected = DetailState.call_mode == mode
    return rx.el.button(
        CALL_MODE_LABELS[mode],
        type="button",
        role="radio",
        aria_checked=rx.cond(selected, "true", "false"),
        data_testid=f"call-mode-{mode}",
        on_click=DetailState.set_call_mode(mode),
        class_name=rx.cond(
            selected,
            f"rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white {FOCUS}",
            f"rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 {FOCUS}",
        ),
    )


def call_mode_picker() -> rx.Component:
    """This registry (default) | Runs API (long-running models) | Direct to AINative (upstream models)."""
    return rx.el.div(
        _mode_button("registry"),
        rx.cond(DetailState.long_running, _mode_button("runs")),
        rx.cond(DetailState.upstream_model, _mode_button("direct")),
        role="radiogroup",
        aria_label="Call the model through",
        data_testid="call-mode",
        class_name="flex flex-wrap gap-1 rounded-lg border border-slate-200 p-1",
    )


def runs_hint() -> rx.Component:
    """A long-running model: say that the runs-API form need not hold a connection open that long."""
    return rx.cond(
        DetailState.long_running & (DetailState.call_mode != "runs"),
        rx.el.p(
            "A run of this model takes ",
            DetailState.run_minutes,
            ". “Runs API (start, then poll)” shows code that starts the run and asks for it until it is "
            "done, instead of holding one request open.",
            data_testid="runs-hint",
            class_name="text-sm text-slate-700",
        ),
    )


def snippet_key_controls() -> rx.Component:
    """Members make a key straight into the snippet; the new key is shown (in the snippet) only now."""
    may_make = (AuthState.role == "member") | (AuthState.role == "admin")
    made = rx.el.p(
        rx.icon("key-round", size=16, class_name="inline"),
        " The key “",
        DetailState.snippet_key_name,
        "” is in the snippet below. Copy it now: it is not shown again (Developer settings lists and revokes it).",
        data_testid="snippet-key-made",
        role="status",
        class_name="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900",
    )
    button = rx.el.button(
        rx.icon("key-round", size=16),
        "Create a key for this snippet",
        type="button",
        on_click=DetailState.create_snippet_key,
        data_testid="create-snippet-key",
        class_name="inline-flex items-center gap-2 self-start rounded-md border border-indigo-700 px-3 py-1.5 text-sm "
        f"font-medium text-indigo-800 hover:bg-indigo-50 {FOCUS}",
    )
    return rx.cond(
        DetailState.call_mode == "direct",
        rx.fragment(),
        rx.el.div(
            rx.cond(DetailState.snippet_key != "", made, rx.cond(may_make, button)),
            rx.cond(
                DetailState.snippet_key_error != "",
                rx.el.p(DetailState.snippet_key_error, role="alert", class_name="text-sm text-red-700"),
            ),
            class_name="flex flex-col gap-2",
        ),
    )
