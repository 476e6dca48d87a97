"""Compare at /dashboard/ai-settings/compare?models=a,b[,c,d] (or ?session=<id>): one input, side by side."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes
from ai_registry.components.layout import page_shell
from ai_registry.components.media import media_view
from ai_registry.components.styles import BUTTON_PRIMARY, FOCUS, LINK, PANEL
from ai_registry.pages.account import account
from ai_registry.playgrounds.compare import panel_card
from ai_registry.state.compare import CompareState
from ai_registry.state.compare_views import SharedField

UPLOAD_ID = "compare-upload"
TEXT = f"w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm {FOCUS}"


def header() -> rx.Component:
    return rx.el.div(
        ReactRouterLink.create(
            rx.icon("arrow-left", size=16),
            "All models",
            to=routes.BROWSE,
            data_testid="back-to-gallery",
            class_name=f"inline-flex items-center gap-1 text-sm {LINK}",
        ),
        rx.el.h1("Compare models", class_name="text-2xl font-bold tracking-tight"),
        rx.el.p(
            "One input, two to four models of one kind, side by side: each panel is a real run with its "
            "latency, usage and cost, recorded in its model's request log.",
            class_name="max-w-3xl text-sm text-slate-700",
        ),
        class_name="flex flex-col gap-2",
    )


def problems() -> rx.Component:
    return rx.cond(
        CompareState.problems.length() > 0,
        # The alert wraps the list: a <ul> keeps its list role, so its items stay list items.
        rx.el.div(
            rx.el.ul(
                rx.foreach(CompareState.problems, lambda text: rx.el.li(text, data_testid="compare-problem")),
                class_name="flex list-disc flex-col gap-1 pl-5",
            ),
            role="alert",
            class_name="rounded-lg border border-amber-300 bg-amber-50 py-3 pl-3 pr-3 text-sm text-amber-950",
        ),
    )


def picker() -> rx.Component:
    return rx.cond(
        CompareState.loaded & (CompareState.panels.length() < 4),
        rx.el.div(
            rx.el.label(
                rx.cond(CompareState.panels.length() > 0, "Compare with…", "Pick a model"),
                html_for="compare-picker",
                class_name="text-sm font-medium",
            ),
            rx.el.select(
                rx.el.option("Add a model…", value=""),
                rx.foreach(CompareState.choices, lambda c: rx.el.option(c[1], value=c[0])),
                id="compare-picker",
                value="",
                on_change=CompareState.add_model,
                disabled=CompareState.running,
                data_testid="compare-picker",
                class_name=f"min-w-0 max-w-full flex-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm "
                f"sm:max-w-sm {FOCUS}",
            ),
            class_name="flex flex-wrap items-center gap-2",
        ),
    )


def upload_field(field: SharedField) -> rx.Component:
    role = field.role
    return rx.el.div(
        rx.el.span(field.label, class_name="text-sm font-medium"),
        rx.cond(
            CompareState.file_names.contains(role),
            rx.el.div(
                media_view(
                    rx.cond(role == "audio", "audio", "image"),
                    CompareState.file_previews[role].to(str),
                    alt="The shared " + field.label,
                    testid="shared-preview",
                    image_class="h-16 w-16 rounded object-cover",
                    audio_class="h-10",
                ),
                rx.el.span(
                    CompareState.file_names[role].to(str), class_name="flex-1 text-sm", data_testid="shared-file-name"
                ),
                rx.el.button(
                    "Remove",
                    type="button",
                    on_click=CompareState.remove_upload(role),
                    class_name=f"rounded px-2 py-1 text-sm text-red-700 hover:bg-red-50 {FOCUS}",
                ),
                class_name="flex items-center gap-3 rounded-md border border-slate-200 bg-white p-2",
            ),
            rx.upload.root(
                rx.el.div(
                    rx.icon("upload", size=18, class_name="text-slate-600"),
                    rx.el.span("Drop a file here or click to choose", class_name="text-sm"),
                    class_name="flex items-center justify-center gap-2",
                ),
                id=UPLOAD_ID,
                multiple=False,
                max_files=1,
                on_drop=CompareState.handle_upload,
                data_testid="shared-upload",
                class_name=f"cursor-pointer rounded-lg border-2 border-dashed border-slate-300 bg-slate-50 p-4 {FOCUS}",
            ),
        ),
        rx.cond(
            CompareState.upload_error != "",
            rx.el.p(CompareState.upload_error, role="alert", class_name="text-sm text-red-700"),
        ),
        class_name="flex flex-col gap-1.5",
    )


def text_field(field: SharedField) -> rx.Component:
    return rx.el.div(
        rx.el.label(field.label, html_for="shared-" + field.role, class_name="text-sm font-medium"),
        rx.el.textarea(
            id="shared-" + field.role,
            key=field.role + "-" + CompareState.form_version.to_string(),
            default_value=CompareState.shared_values[field.role].to(str),
            rows=rx.cond(field.widget == "lines", 4, 3),
            placeholder=rx.cond(field.role == "message", "Ask every model the same thing…", ""),
            on_change=lambda v: CompareState.set_shared(field.role, v),
            data_testid="shared-" + field.role,
            class_name=TEXT,
        ),
        class_name="flex flex-col gap-1.5",
    )


def shared_form() -> rx.Component:
    return rx.cond(
        CompareState.panels.length() > 0,
        rx.el.div(
            rx.el.h2("Shared input", class_name="text-lg font-semibold"),
            rx.foreach(
                CompareState.shared,
                lambda f: rx.cond(f.widget == "file", upload_field(f), text_field(f)),
            ),
            rx.el.div(
                rx.el.label(
                    rx.el.input(
                        type="checkbox",
                        checked=CompareState.same_settings,
                        on_change=CompareState.set_same_settings,
                        data_testid="same-settings",
                        class_name="h-4 w-4 accent-indigo-700",
                    ),
                    "Same settings for all",
                    class_name="flex items-center gap-2 text-sm font-medium",
                ),
                rx.el.div(
                    rx.el.p(
                        "Estimated total: ",
                        rx.el.span(CompareState.total_cost, class_name="font-semibold", data_testid="compare-total"),
                        class_name="text-sm",
                    ),
                    rx.el.button(
                        rx.icon("play", size=14),
                        rx.cond(CompareState.running, "Running…", "Run all"),
                        type="button",
                        on_click=CompareState.run_all,
                        disabled=CompareState.running | ~CompareState.can_run,
                        data_testid="compare-run",
                        class_name=BUTTON_PRIMARY,
                    ),
                    class_name="flex flex-wrap items-center gap-3",
                ),
                class_name="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-3",
            ),
            rx.cond(
                CompareState.notice != "",
                rx.el.p(CompareState.notice, role="status", class_name="text-sm text-amber-900"),
            ),
            data_testid="shared-form",
            class_name=f"{PANEL} flex flex-col gap-3",
        ),
    )


def share_line() -> rx.Component:
    return rx.cond(
        CompareState.share_url != "",
        rx.el.p(
            "This comparison's address: ",
            ReactRouterLink.create(
                CompareState.share_url,
                to=CompareState.share_url,
                data_testid="compare-share",
                class_name=LINK + " break-all",
            ),
            class_name="text-sm text-slate-700",
        ),
    )


def compare_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            header(),
            problems(),
            picker(),
            shared_form(),
            share_line(),
            rx.el.div(
                rx.foreach(CompareState.panels, panel_card),
                data_testid="compare-panels",
                class_name=rx.cond(
                    CompareState.panels.length() > 2,
                    "grid grid-cols-1 gap-4 md:grid-cols-2 2xl:grid-cols-4",
                    "grid grid-cols-1 gap-4 md:grid-cols-2",
                ),
            ),
            class_name="flex flex-col gap-5",
        ),
        account=account(),  # who is signed in and Sign out, as on every other page
    )
