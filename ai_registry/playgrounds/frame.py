"""The Playground's shared parts: generated inputs, the Run bar, progress, errors and media results."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes
from ai_registry.components.media import download_link, media_view
from ai_registry.components.styles import BUTTON_PRIMARY, BUTTON_SECONDARY, FOCUS, PANEL, scroll_region
from ai_registry.playgrounds.form import form_field, upload_zone
from ai_registry.state.playground import PlaygroundState


def generated_inputs() -> rx.Component:
    """Upload zone (when the model takes a file), the main fields, then "Additional settings"."""
    return rx.el.div(
        rx.cond(PlaygroundState.file_field != "", upload_zone()),
        rx.foreach(PlaygroundState.basic_fields, form_field),
        rx.cond(
            PlaygroundState.advanced_fields.length() > 0,
            rx.el.details(
                rx.el.summary(
                    "Additional settings",
                    data_testid="additional-settings",
                    class_name=f"cursor-pointer text-sm font-semibold text-slate-800 {FOCUS}",
                ),
                rx.el.div(
                    rx.foreach(PlaygroundState.advanced_fields, form_field), class_name="mt-3 flex flex-col gap-4"
                ),
                class_name="rounded-lg border border-slate-200 p-3",
            ),
        ),
        class_name="flex flex-col gap-4",
    )


def key_notice() -> rx.Component:
    # Once a run has failed for want of a key, the run error says the same thing: show it once.
    return rx.cond(
        PlaygroundState.needs_key & (PlaygroundState.error_kind != "no_key"),
        rx.el.div(
            rx.icon("key-round", size=16, class_name="mt-0.5 shrink-0"),
            rx.el.p(
                "Runs of this model go to the AINative API and need an upstream API key. Set ",
                rx.el.code("AINATIVE_API_KEY"),
                " or save a key in ",
                ReactRouterLink.create(
                    "Developer settings", to=routes.DEVELOPER_SETTINGS, class_name="font-medium underline"
                ),
                ".",
            ),
            data_testid="no-key-notice",
            class_name="flex gap-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950",
        ),
    )


def run_buttons(
    state: type[PlaygroundState],
    *,
    secondary: tuple[str, rx.EventHandler, str],
    stop: tuple[str, str],
    run: tuple[str, str | rx.Var, str],
    show_price: bool = True,
) -> rx.Component:
    """Reset/Clear, then Run/Send, which turns into Cancel/Stop while a run is in flight.

    Run and Cancel are one button (its `run` event cancels a run in flight), so keyboard focus stays
    on it from the start of a run to its end; with field errors it is `aria-disabled`, not
    `disabled`, which would drop the focus. `state` is the kind's substate, whose `run` applies the
    kind's hooks. `secondary` is (label, event, test id), `stop` (label, test id), `run` (icon,
    label, test id).
    """
    secondary_label, secondary_event, secondary_id = secondary
    stop_label, stop_id = stop
    run_icon, run_label, run_id = run
    price = rx.el.span("· ", PlaygroundState.price_text, class_name="font-normal opacity-90")
    return rx.el.div(
        rx.el.button(
            secondary_label,
            type="button",
            on_click=secondary_event,
            disabled=PlaygroundState.running,
            data_testid=secondary_id,
            class_name=BUTTON_SECONDARY,
        ),
        rx.el.button(
            rx.cond(
                PlaygroundState.running,
                rx.fragment(rx.icon("square", size=14), stop_label),
                rx.fragment(rx.icon(run_icon, size=14), run_label, *([price] if show_price else [])),
            ),
            type="button",
            on_click=state.run,
            aria_disabled=rx.cond(PlaygroundState.has_errors & ~PlaygroundState.running, "true", "false"),
            data_testid=rx.cond(PlaygroundState.running, stop_id, run_id),
            class_name=rx.cond(
                PlaygroundState.running,
                BUTTON_SECONDARY,
                BUTTON_PRIMARY + " aria-disabled:cursor-not-allowed aria-disabled:bg-slate-400",
            ),
        ),
        class_name="flex flex-wrap items-center justify-end gap-2",
    )


def run_links() -> rx.Component:
    """The model's rate limit and its request log."""
    return rx.el.div(
        rx.cond(PlaygroundState.rate_text != "", rx.el.span(PlaygroundState.rate_text, data_testid="rate-text")),
        ReactRouterLink.create(
            "Request logs",
            to=PlaygroundState.history_url,
            data_testid="request-logs",
            class_name="font-medium text-indigo-700 hover:underline",
        ),
        class_name="flex flex-wrap items-center justify-end gap-3 text-xs text-slate-700",
    )


def run_bar(state: type[PlaygroundState], run_label: str | rx.Var = "Run") -> rx.Component:
    """The key notice, Reset and Run (bound to the kind's `state`), the rate limit and the request log."""
    return rx.el.div(
        key_notice(),
        run_buttons(
            state,
            secondary=("Reset", PlaygroundState.reset_form, "reset"),
            stop=("Cancel", "cancel-run"),
            run=("play", run_label, "run"),
        ),
        run_links(),
        class_name="flex flex-col gap-2 border-t border-slate-100 pt-3",
    )


def run_announcer(done: rx.Var | str | None = None) -> rx.Component:
    """A polite live region, always in the page, that says a run started and how it ended: once
    each, never each streamed token. Details of a failure are the run error's own alert."""
    finished = done if done is not None else "Run finished in " + PlaygroundState.duration_text + "."
    return rx.el.p(
        rx.cond(
            PlaygroundState.running,
            "Running…",
            rx.match(
                PlaygroundState.status,
                ("succeeded", finished),
                ("failed", "Run failed."),
                ("cancelled", "Run cancelled."),
                "",
            ),
        ),
        role="status",
        data_testid="run-announcer",
        class_name="sr-only",
    )


def progress(done: rx.Var | str | None = None) -> rx.Component:
    """The run's progress bar while it runs, and the announcer of its start and end."""
    return rx.fragment(run_announcer(done), _progress_bar())


def _progress_bar() -> rx.Component:
    return rx.cond(
        PlaygroundState.running,
        rx.el.div(
            rx.el.div(
                rx.el.div(
                    class_name="h-full rounded-full bg-indigo-600 transition-all",
                    style={"width": PlaygroundState.progress.to_string() + "%"},
                ),
                role="progressbar",
                aria_valuenow=PlaygroundState.progress,
                aria_valuemin=0,
                aria_valuemax=100,
                aria_label="Run progress",
                class_name="h-2 w-full overflow-hidden rounded-full bg-slate-200",
            ),
            rx.el.p(
                "Running… ",
                PlaygroundState.elapsed_text,
                class_name="text-xs text-slate-700",
                data_testid="progress-text",
            ),
            data_testid="progress",
            class_name="flex flex-col gap-1",
        ),
    )


def run_error() -> rx.Component:
    return rx.cond(
        (PlaygroundState.error != "") & ~PlaygroundState.running,
        rx.el.div(
            rx.icon("circle-alert", size=16, class_name="mt-0.5 shrink-0"),
            rx.el.div(
                rx.el.p(PlaygroundState.error, data_testid="run-error", class_name="font-medium"),
                rx.cond(PlaygroundState.error_hint != "", rx.el.p(PlaygroundState.error_hint)),
                rx.cond(
                    PlaygroundState.error_link != "",
                    ReactRouterLink.create(
                        rx.cond(PlaygroundState.error_link_label != "", PlaygroundState.error_link_label, "Fix it"),
                        to=PlaygroundState.error_link,
                        data_testid="run-error-link",
                        class_name="font-medium underline",
                    ),
                ),
                class_name="flex flex-col gap-1",
            ),
            role="alert",
            class_name="flex gap-2 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900",
        ),
    )


def media_result() -> rx.Component:
    """The output file, playable, with Download."""
    return rx.cond(
        PlaygroundState.output_url != "",
        rx.el.div(
            media_view(
                PlaygroundState.output_kind,
                PlaygroundState.output_url,
                alt="Output of this run",
                testid="result",
                image_class="max-h-[32rem] w-full rounded-lg bg-slate-100 object-contain",
                video_class="w-full rounded-lg bg-black",
                audio_class="w-full",
                loop=True,
            ),
            download_link(
                rx.icon("download", size=14),
                "Download",
                href=PlaygroundState.output_url + "?download=1",
                data_testid="download",
                class_name=BUTTON_SECONDARY + " self-start",
            ),
            class_name="flex flex-col gap-3",
        ),
    )


def response_json() -> rx.Component:
    return rx.cond(
        PlaygroundState.response_json != "",
        rx.el.details(
            rx.el.summary("JSON response", class_name=f"cursor-pointer text-sm font-medium {FOCUS}"),
            rx.el.pre(
                PlaygroundState.response_json,
                data_testid="response-json",
                class_name=f"mt-2 max-h-80 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100 {FOCUS}",
                **scroll_region("JSON response"),
            ),
        ),
    )


def result_frame(*children: rx.Component, empty_text: str = "Run the model to see its output here.") -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.h2("Result", class_name="text-lg font-semibold"),
            rx.cond(
                PlaygroundState.status == "succeeded",
                rx.el.span(
                    "Succeeded in ",
                    PlaygroundState.duration_text,
                    data_testid="run-status",
                    class_name="text-xs font-medium text-emerald-800",
                ),
            ),
            class_name="flex items-center justify-between",
        ),
        progress(),
        run_error(),
        *children,
        rx.cond(
            (PlaygroundState.status == "") & ~PlaygroundState.running,
            rx.el.p(empty_text, class_name="text-sm text-slate-600", data_testid="result-empty"),
        ),
        response_json(),
        data_testid="result-panel",
        class_name=f"{PANEL} flex min-w-0 flex-col gap-3",
    )


def two_columns(inputs: rx.Component, result: rx.Component) -> rx.Component:
    return rx.el.div(inputs, result, class_name="grid grid-cols-1 gap-5 xl:grid-cols-2")


def inputs_frame(*children: rx.Component) -> rx.Component:
    return rx.el.div(
        rx.el.h2("Input", class_name="text-lg font-semibold"),
        *children,
        data_testid="input-panel",
        class_name=f"{PANEL} flex min-w-0 flex-col gap-4",
    )
