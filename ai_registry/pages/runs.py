"""Request logs: /dashboard/ai-settings/[slug]/runs, each run shareable by `?run=<id>`."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry.components.layout import page_shell
from ai_registry.components.media import download_link, media_view
from ai_registry.components.styles import BUTTON_SECONDARY, FOCUS, LINK, PANEL, scroll_region
from ai_registry.pages.account import account
from ai_registry.state.runs import RunsState, RunView

FEATURED = "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900"
TH = "pb-2 pr-4 text-left text-xs font-semibold uppercase text-slate-600"


def status_badge(status, test_id: str) -> rx.Component:
    """A run's status; failed and interrupted runs (their process stopped) alike in red."""
    return rx.el.span(
        status,
        data_testid=test_id,
        class_name=rx.match(
            status,
            ("succeeded", "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900"),
            ("failed", "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900"),
            ("interrupted", "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900"),
            "rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800",
        ),
    )


def run_row(run: RunView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(ReactRouterLink.create(run.created, to=run.open_url, class_name=LINK), class_name="py-2 pr-4 text-sm"),
        rx.el.td(status_badge(run.status, "run-row-status"), class_name="py-2 pr-4"),
        rx.el.td(run.duration, class_name="hidden py-2 pr-4 text-sm sm:table-cell"),
        rx.el.td(run.cost, class_name="py-2 pr-4 text-sm"),
        rx.el.td(
            rx.el.div(
                ReactRouterLink.create("Load into form", to=run.load_url, class_name=LINK),
                rx.cond(
                    run.output_url != "",
                    download_link("Download", href=run.output_url + "?download=1", class_name=LINK),
                ),
                class_name="flex flex-wrap gap-x-3 gap-y-1 text-sm",
            ),
            class_name="py-2",
        ),
        data_testid="run-row",
        class_name="border-t border-slate-100",
    )


def share_controls() -> rx.Component:
    """A revocable link that shows this run to anyone holding it, signed in or not."""
    return rx.el.div(
        rx.el.div(
            rx.el.button("Create share link", type="button", on_click=RunsState.share_selected,
                         data_testid="share-run", class_name=BUTTON_SECONDARY),
            rx.cond(
                RunsState.shared,
                rx.el.button("Stop sharing", type="button", on_click=RunsState.stop_sharing_selected,
                             data_testid="stop-sharing", class_name=BUTTON_SECONDARY),
            ),
            class_name="flex flex-wrap gap-2",
        ),
        rx.cond(
            RunsState.share_url != "",
            rx.el.p(
                "Anyone with this link sees this run until you stop sharing (copy it now: it is shown once): ",
                rx.el.code(RunsState.share_url, data_testid="share-url", class_name="break-all"),
                class_name="text-sm text-slate-700",
            ),
        ),
        rx.cond(RunsState.share_error != "", rx.el.p(RunsState.share_error, role="alert", class_name="text-sm")),
        class_name="flex flex-col gap-2",
    )


def _pin_button(label: str, event, test_id: str) -> rx.Component:
    return rx.el.button(label, type="button", on_click=event, data_testid=test_id, class_name=BUTTON_SECONDARY)


def _pin_row(scope: str, can, pinned, featured, title: str) -> rx.Component:
    """Pin, feature and unpin buttons for one scope ("team" or "owner")."""
    return rx.cond(
        can,
        rx.el.div(
            rx.el.span(title, class_name="text-sm font-medium text-slate-800"),
            rx.cond(
                pinned,
                rx.fragment(
                    rx.cond(
                        featured,
                        rx.el.span("Featured", data_testid=f"pin-{scope}-featured", class_name=FEATURED),
                        _pin_button("Feature on the card", RunsState.pin_selected(scope, True), f"feature-{scope}"),
                    ),
                    _pin_button("Unpin", RunsState.unpin_selected(scope), f"unpin-{scope}"),
                ),
                rx.fragment(
                    _pin_button("Pin as example", RunsState.pin_selected(scope, False), f"pin-{scope}"),
                    _pin_button("Pin and feature", RunsState.pin_selected(scope, True), f"pin-{scope}-feature"),
                ),
            ),
            class_name="flex flex-wrap items-center gap-2",
        ),
    )


def pin_controls() -> rx.Component:
    """Examples (issue 15): an admin pins a successful run for the whole team, its owner for themself."""
    pins = RunsState.pins
    return rx.cond(
        pins.can_team | pins.can_own,
        rx.el.div(
            _pin_row("team", pins.can_team, pins.team, pins.team_featured, "Team example:"),
            _pin_row("owner", pins.can_own, pins.own, pins.own_featured, "My example:"),
            rx.cond(
                RunsState.pin_notice != "",
                rx.el.p(RunsState.pin_notice, role="status", data_testid="pin-notice",
                        class_name="text-sm text-slate-700"),
            ),
            data_testid="pin-controls",
            class_name="flex flex-col gap-2 border-t border-slate-100 pt-3",
        ),
        rx.cond(
            RunsState.pin_notice != "",
            rx.el.p(RunsState.pin_notice, role="alert", data_testid="pin-notice", class_name="text-sm"),
        ),
    )


def selected_run() -> rx.Component:
    run = RunsState.selected
    return rx.cond(
        run.id != "",
        rx.el.section(
            rx.el.div(
                rx.el.h2("Run ", rx.el.code(run.id, class_name="text-sm"), class_name="text-lg font-semibold"),
                status_badge(run.status, "selected-run-status"),
                class_name="flex flex-wrap items-center gap-2",
            ),
            rx.el.p(run.created, " · ", run.duration, " · ", run.cost, class_name="text-sm text-slate-700"),
            rx.cond(
                run.error != "",
                rx.el.p(run.error, role="alert", data_testid="selected-run-error", class_name="text-sm text-red-800"),
            ),
            media_view(
                run.output_kind,
                run.output_url,
                alt="Output of this run",
                image_class="max-h-96 w-full max-w-xl self-start rounded-lg object-contain object-left",
                video_class="max-h-96 max-w-full self-start rounded-lg bg-black",
            ),
            rx.el.div(
                ReactRouterLink.create("Load into form", to=run.load_url, data_testid="load-run", class_name=LINK),
                rx.cond(
                    run.output_url != "",
                    download_link(
                        "Download output",
                        href=run.output_url + "?download=1",
                        data_testid="download-run",
                        class_name=LINK,
                    ),
                ),
                download_link("Download JSON", href=run.record_url, data_testid="download-run-json", class_name=LINK),
                class_name="flex flex-wrap gap-x-4 gap-y-1 text-sm",
            ),
            share_controls(),
            pin_controls(),
            *[
                rx.el.details(
                    rx.el.summary(title, class_name="cursor-pointer text-sm font-medium"),
                    rx.el.pre(
                        body,
                        class_name="mt-2 max-h-80 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100 "
                        + FOCUS,
                        **scroll_region(title),
                    ),
                    open=title == "Inputs",
                )
                for title, body in (
                    ("Inputs", run.inputs_json),
                    ("Request", run.request_json),
                    ("Response", run.response_json),
                )
            ],
            data_testid="selected-run",
            class_name=f"{PANEL} flex flex-col gap-3",
        ),
    )


def runs_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            ReactRouterLink.create("← ", RunsState.model_name, to=RunsState.model_url, class_name=LINK + " text-sm"),
            rx.el.h1("Request logs", class_name="text-2xl font-bold"),
            rx.cond(
                RunsState.missing_run != "",
                rx.el.p(
                    "No run has the id “", RunsState.missing_run, "”.", role="alert", class_name="text-sm text-red-800"
                ),
            ),
            selected_run(),
            rx.el.section(
                rx.cond(
                    RunsState.runs.length() > 0,
                    rx.el.div(
                        rx.el.table(
                            rx.el.thead(
                                rx.el.tr(
                                    # On a phone the duration column gives way, so every row's
                                    # links fit on screen (the selected run still shows it).
                                    *[
                                        # The links' column has no visible heading; a screen reader hears one.
                                        rx.el.th(
                                            h or rx.el.span("Actions", class_name="sr-only"),
                                            class_name=TH + extra,
                                        )
                                        for h, extra in (
                                            ("When", ""),
                                            ("Status", ""),
                                            ("Duration", " hidden sm:table-cell"),
                                            ("Cost", ""),
                                            ("", ""),
                                        )
                                    ]
                                )
                            ),
                            rx.el.tbody(rx.foreach(RunsState.runs, run_row)),
                            class_name="w-full",
                        ),
                        class_name=f"overflow-x-auto {FOCUS}",
                        **scroll_region("Runs"),
                    ),
                    rx.el.p(
                        "No runs yet. Runs from the Playground appear here.",
                        class_name="text-sm text-slate-700",
                        data_testid="no-runs",
                    ),
                ),
                class_name=PANEL,
            ),
            class_name="flex flex-col gap-4",
        ),
        account=account(),
    )
