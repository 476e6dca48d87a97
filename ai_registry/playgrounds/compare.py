"""Compare's panels: each model's settings (the generated form's widgets), what it cannot take, its
estimate, its progress and Cancel, its output in its kind's viewer, its measures and the vote."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry.components.media import media_view
from ai_registry.components.styles import BUTTON_PRIMARY, BUTTON_SECONDARY, FOCUS, LINK, PANEL
from ai_registry.state.compare import CompareState
from ai_registry.state.compare_views import PanelView, SimilarityView
from ai_registry.state.form_views import FieldView

INPUT = f"w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm {FOCUS}"
INPUT_ERROR = f"w-full rounded-md border-2 border-red-600 bg-white px-2.5 py-1.5 text-sm {FOCUS}"


def _value(panel: PanelView, field: FieldView):
    return panel.settings[field.name].to(str)


def _setting_widget(panel: PanelView, field: FieldView) -> rx.Component:
    field_id = "setting-" + panel.index.to_string() + "-" + field.name
    on_change = lambda v: CompareState.set_setting(panel.index, field.name, v)  # noqa: E731
    css = rx.cond(panel.errors.contains(field.name), INPUT_ERROR, INPUT)
    common = {"id": field_id, "data_testid": "setting-" + field.name, "class_name": css}
    key = field_id + "-" + CompareState.form_version.to_string() + "-" + panel.version.to_string()
    return rx.match(
        field.widget,
        (
            "checkbox",
            rx.el.input(
                type="checkbox",
                id=field_id,
                checked=_value(panel, field) == "true",
                on_change=lambda checked: CompareState.set_setting(panel.index, field.name, checked),
                data_testid="setting-" + field.name,
                class_name="h-4 w-4 accent-indigo-700",
            ),
        ),
        (
            "buttons",
            rx.el.select(
                rx.foreach(field.choices, lambda pair: rx.el.option(pair[1].to(str), value=pair[0].to(str))),
                value=_value(panel, field),
                on_change=on_change,
                **common,
            ),
        ),
        (
            "select",
            rx.el.select(
                rx.foreach(field.choices, lambda pair: rx.el.option(pair[1].to(str), value=pair[0].to(str))),
                value=_value(panel, field),
                on_change=on_change,
                **common,
            ),
        ),
        (
            "slider",
            rx.el.input(
                type="number",
                key=key,
                default_value=_value(panel, field),
                min=field.min,
                max=field.max,
                step=field.step,
                on_change=on_change,
                **common,
            ),
        ),
        (
            "number",
            rx.el.input(
                type="number",
                key=key,
                default_value=_value(panel, field),
                step=field.step,
                on_change=on_change,
                **common,
            ),
        ),
        (
            "textarea",
            rx.el.textarea(key=key, default_value=_value(panel, field), rows=2, on_change=on_change, **common),
        ),
        rx.el.input(key=key, default_value=_value(panel, field), on_change=on_change, **common),
    )


def setting_field(panel: PanelView, field: FieldView) -> rx.Component:
    return rx.el.div(
        rx.el.label(
            field.label,
            rx.cond(field.min != "", rx.el.span(" (", field.min, "–", field.max, ")", class_name="text-slate-500")),
            html_for="setting-" + panel.index.to_string() + "-" + field.name,
            class_name="text-xs font-medium text-slate-800",
        ),
        _setting_widget(panel, field),
        rx.cond(
            panel.errors.contains(field.name),
            rx.el.p(panel.errors[field.name].to(str), role="alert", class_name="text-xs font-medium text-red-700"),
        ),
        class_name="flex min-w-0 flex-col gap-1",
    )


def _notice(text, testid: str, tone: str) -> rx.Component:
    tones = {
        "amber": "border-amber-300 bg-amber-50 text-amber-950",
        "red": "border-red-300 bg-red-50 text-red-900",
        "slate": "border-slate-200 bg-slate-50 text-slate-800",
    }
    return rx.el.p(text, data_testid=testid, class_name=f"rounded-md border p-2 text-sm {tones[tone]}")


def _similarity_row(row: SimilarityView, index) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            rx.el.span(index + 1, ". ", class_name="font-mono text-slate-500"),
            row.label,
            scope="row",
            class_name="max-w-[10rem] truncate py-1 pr-2 text-left text-xs font-medium",
        ),
        rx.foreach(row.cells, lambda c: rx.el.td(c, class_name="px-1.5 py-1 text-right font-mono text-xs")),
    )


def similarity_table(panel: PanelView) -> rx.Component:
    return rx.cond(
        panel.similarity.length() > 0,
        rx.el.div(
            rx.el.h4("Cosine similarity", class_name="text-xs font-semibold"),
            rx.el.div(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th(""),
                            rx.foreach(
                                panel.similarity_labels,
                                lambda label, i: rx.el.th(
                                    i + 1, scope="col", title=label, class_name="px-1.5 text-right font-mono text-xs"
                                ),
                            ),
                        )
                    ),
                    rx.el.tbody(rx.foreach(panel.similarity, _similarity_row)),
                    data_testid="panel-similarity",
                ),
                class_name="overflow-x-auto",
            ),
            class_name="flex flex-col gap-1",
        ),
    )


def _metric(label: str, value) -> rx.Component:
    return rx.cond(
        value != "",
        rx.el.div(
            rx.el.dt(label, class_name="text-slate-600"),
            rx.el.dd(value, class_name="font-medium tabular-nums"),
            class_name="flex justify-between gap-2",
        ),
    )


def output(panel: PanelView) -> rx.Component:
    return rx.el.div(
        rx.cond(
            panel.text != "",
            rx.el.p(
                panel.text,
                data_testid="panel-text",
                class_name="max-h-80 overflow-y-auto whitespace-pre-wrap rounded-md border border-slate-200 "
                "bg-slate-50 p-3 text-sm leading-relaxed",
            ),
        ),
        rx.cond(
            panel.output_url != "",
            media_view(
                panel.output_kind,
                panel.output_url,
                alt="Output of " + panel.name,
                testid="panel-result",
                image_class="max-h-80 w-full rounded-md bg-slate-100 object-contain",
                video_class="w-full rounded-md bg-black",
                audio_class="w-full",
                loop=True,
            ),
        ),
        similarity_table(panel),
        class_name="flex flex-col gap-2",
    )


def progress(panel: PanelView) -> rx.Component:
    return rx.cond(
        panel.running,
        rx.el.div(
            rx.el.div(
                rx.el.div(
                    class_name="h-full rounded-full bg-indigo-600 transition-all",
                    style={"width": panel.progress.to_string() + "%"},
                ),
                role="progressbar",
                aria_valuenow=panel.progress,
                aria_valuemin=0,
                aria_valuemax=100,
                aria_label="Progress of " + panel.name,
                class_name="h-2 w-full overflow-hidden rounded-full bg-slate-200",
            ),
            rx.el.div(
                rx.el.span("Running… ", panel.elapsed_text, class_name="text-xs text-slate-700"),
                rx.el.button(
                    rx.icon("square", size=12),
                    "Cancel",
                    type="button",
                    on_click=CompareState.cancel_panel(panel.index),
                    disabled=panel.cancelling,
                    data_testid="panel-cancel",
                    class_name=BUTTON_SECONDARY + " !px-2 !py-1 !text-xs",
                ),
                class_name="flex items-center justify-between gap-2",
            ),
            data_testid="panel-progress",
            class_name="flex flex-col gap-1",
        ),
    )


def vote_button(panel: PanelView) -> rx.Component:
    won = CompareState.winner == panel.index
    return rx.cond(
        CompareState.finished & (panel.status == "succeeded"),
        rx.el.button(
            rx.icon("trophy", size=14),
            rx.cond(won, "Winner", "Pick as winner"),
            type="button",
            on_click=CompareState.vote(panel.index),
            aria_pressed=rx.cond(won, "true", "false"),
            data_testid=rx.cond(won, "panel-winner", "panel-vote"),
            class_name=rx.cond(won, BUTTON_PRIMARY, BUTTON_SECONDARY),
        ),
    )


def panel_card(panel: PanelView) -> rx.Component:
    """One compared model."""
    return rx.el.section(
        rx.el.div(
            rx.el.div(
                rx.el.h2(
                    rx.el.span(panel.index + 1, ". ", class_name="text-slate-500"),
                    panel.name,
                    class_name="text-base font-semibold",
                    data_testid="panel-name",
                ),
                rx.el.p(panel.provider, class_name="text-xs text-slate-600"),
                class_name="min-w-0",
            ),
            rx.el.button(
                rx.icon("x", size=16),
                type="button",
                on_click=CompareState.remove_panel(panel.index),
                disabled=CompareState.running,
                aria_label="Remove " + panel.name + " from the comparison",
                data_testid="panel-remove",
                class_name=f"rounded p-1 text-slate-600 hover:bg-slate-100 disabled:opacity-40 {FOCUS}",
            ),
            class_name="flex items-start justify-between gap-2",
        ),
        rx.cond(panel.blocker != "", _notice(panel.blocker, "panel-blocker", "amber")),
        rx.cond(
            panel.not_taken.length() > 0,
            _notice(
                rx.el.span("Not taken by this model, so its run goes without: ", panel.not_taken.join(", "), "."),
                "panel-not-taken",
                "slate",
            ),
        ),
        rx.el.p(
            "Estimate: ",
            rx.el.span(panel.estimate, class_name="font-medium"),
            data_testid="panel-estimate",
            class_name="text-sm text-slate-700",
        ),
        rx.cond(
            panel.fields.length() > 0,
            rx.el.details(
                rx.el.summary("Settings", class_name=f"cursor-pointer text-sm font-semibold {FOCUS}"),
                rx.el.div(
                    rx.foreach(panel.fields, lambda field: setting_field(panel, field)),
                    class_name="mt-2 grid grid-cols-1 gap-3 sm:grid-cols-2",
                ),
                open=True,
                data_testid="panel-settings",
                class_name="rounded-lg border border-slate-200 p-3",
            ),
        ),
        progress(panel),
        rx.cond(
            (panel.error != "") & ~panel.running,
            rx.el.p(
                panel.error,
                role="alert",
                data_testid="panel-error",
                class_name="rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-900",
            ),
        ),
        output(panel),
        rx.cond(
            (panel.status != "") & (panel.status != "running"),
            rx.el.dl(
                _metric("Latency", panel.latency),
                _metric("First token", panel.first_token),
                _metric("Used", panel.units),
                _metric("Cost", panel.cost),
                data_testid="panel-metrics",
                class_name="flex flex-col gap-0.5 rounded-md bg-slate-50 p-2 text-xs",
            ),
        ),
        rx.el.div(
            vote_button(panel),
            rx.cond(
                panel.log_url != "",
                ReactRouterLink.create(
                    "Request log", to=panel.log_url, data_testid="panel-log", class_name=LINK + " text-xs"
                ),
            ),
            class_name="mt-auto flex flex-wrap items-center justify-between gap-2",
        ),
        data_testid="compare-panel",
        data_index=panel.index,
        data_status=panel.status,
        class_name=f"{PANEL} flex min-w-0 flex-col gap-3",
    )
