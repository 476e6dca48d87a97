"""Usage at /dashboard/usage: requests, spend, tokens and the charts, for a member's own calls or
(administrators) everyone's, with a date range, filters and a CSV export."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

from ai_registry import routes
from ai_registry.components.layout import page_shell
from ai_registry.components.settings_form import INPUT, SECONDARY
from ai_registry.components.styles import FOCUS, LINK, PANEL
from ai_registry.components.usage_charts import key_chart, spend_chart, stat_card
from ai_registry.pages.account import account
from ai_registry.state.usage import Choice, UsageState

RANGE_BUTTON = (
    "rounded-md px-3 py-1.5 text-sm font-medium aria-[pressed=true]:bg-indigo-700 aria-[pressed=true]:text-white "
    f"text-slate-800 hover:bg-slate-100 aria-[pressed=true]:hover:bg-indigo-800 {FOCUS}"
)
LABEL = "text-xs font-medium text-slate-700"


def range_button(value: str, label: str) -> rx.Component:
    return rx.el.button(
        label,
        type="button",
        aria_pressed=rx.cond(UsageState.range_choice == value, "true", "false"),
        on_click=UsageState.set_range_choice(value),
        disabled=~UsageState.loaded,
        data_testid=f"range-{value}",
        class_name=RANGE_BUTTON,
    )


def date_field(field_id: str, label: str, value, on_change) -> rx.Component:
    return rx.el.div(
        rx.el.label(label, html_for=field_id, class_name=LABEL),
        rx.el.input(
            id=field_id,
            type="date",
            value=value,
            on_change=on_change,
            max="9999-12-31",
            aria_invalid=rx.cond(UsageState.range_error != "", "true", "false"),
            aria_describedby=rx.cond(UsageState.range_error != "", "range-error", ""),
            data_testid=field_id,
            class_name=INPUT + " border-slate-300",
        ),
        class_name="flex min-w-0 flex-col gap-1",
    )


def select_field(field_id: str, label: str, value, on_change, everyone: str, options) -> rx.Component:
    return rx.el.div(
        rx.el.label(label, html_for=field_id, class_name=LABEL),
        rx.el.select(
            rx.el.option(everyone, value=""),
            options,
            id=field_id,
            value=value,
            on_change=on_change,
            data_testid=field_id,
            class_name=INPUT + " border-slate-300",
        ),
        class_name="flex min-w-0 flex-col gap-1",
    )


def choice_option(choice: Choice) -> rx.Component:
    return rx.el.option(choice.label, value=choice.value)


def controls() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.div(
                range_button("7", "7 days"),
                range_button("30", "30 days"),
                range_button("custom", "Custom"),
                role="group",
                aria_label="Date range",
                class_name="flex w-fit gap-1 rounded-lg border border-slate-200 bg-white p-1",
            ),
            A.create(
                rx.icon("download", size=16, aria_hidden="true"),
                "Export CSV",
                href=UsageState.export_url,
                download=True,
                data_testid="export-csv",
                class_name=SECONDARY + " py-2",
            ),
            class_name="flex flex-wrap items-center justify-between gap-3",
        ),
        rx.el.div(
            date_field("usage-start", "From (UTC)", UsageState.start_date, UsageState.set_start_date),
            date_field("usage-end", "To (UTC, included)", UsageState.end_date, UsageState.set_end_date),
            rx.cond(
                UsageState.is_admin,
                select_field(
                    "usage-user",
                    "Person",
                    UsageState.user_filter,
                    UsageState.set_user_filter,
                    "Everyone",
                    rx.foreach(UsageState.users, choice_option),
                ),  # fmt: skip
            ),
            select_field(
                "usage-key",
                "Key",
                UsageState.key_filter,
                UsageState.set_key_filter,
                rx.cond(UsageState.is_admin, "All keys", "All my keys"),
                rx.foreach(UsageState.keys, choice_option),
            ),  # fmt: skip
            select_field(
                "usage-model",
                "Model",
                UsageState.model_filter,
                UsageState.set_model_filter,
                "All models",
                rx.foreach(UsageState.models, lambda m: rx.el.option(m, value=m)),
            ),  # fmt: skip
            class_name="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5",
        ),
        rx.cond(
            (UsageState.range_error != "") | (UsageState.filter_error != ""),
            rx.el.p(
                UsageState.range_error,
                UsageState.filter_error,
                id="range-error",
                role="alert",
                data_testid="range-error",
                class_name="text-sm font-medium text-red-800",
            ),
        ),
        aria_label="Range and filters",
        class_name="flex flex-col gap-3",
    )


def stat_cards() -> rx.Component:
    return rx.el.dl(
        stat_card("Requests", UsageState.requests, "model calls in the range", test_id="stat-requests"),
        stat_card(
            "Spend (USD)",
            UsageState.spend,
            rx.el.span(UsageState.credits, " credits"),
            test_id="stat-spend",
            note=UsageState.estimated > 0,
        ),
        stat_card("Tokens", UsageState.tokens, "prompt and completion", test_id="stat-tokens"),
        stat_card(
            "Most-used model",
            rx.cond(UsageState.top_model != "", UsageState.top_model, "None yet"),
            rx.cond(
                UsageState.top_model != "",
                rx.el.span(
                    UsageState.top_model_requests,
                    rx.cond(UsageState.top_model_requests == "1", " request", " requests"),
                ),
                "",
            ),
            test_id="stat-top-model",
        ),
        class_name="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-4",
    )


def empty_state() -> rx.Component:
    return rx.el.div(
        rx.icon("chart-no-axes-column", size=28, class_name="text-slate-400", aria_hidden="true"),
        rx.el.p("No model calls in this range", class_name="font-semibold text-slate-900"),
        rx.el.p(
            "Calls from the playground, compare and the API (with your keys) show up here as they happen. "
            "Try a longer range or other filters, or ",
            rx.el.a("run a model", href=routes.BROWSE, class_name=LINK),
            ".",
            class_name="max-w-prose text-center text-sm text-slate-600",
        ),
        data_testid="usage-empty",
        class_name=PANEL + " flex flex-col items-center gap-2 py-10",
    )


def upstream_panel() -> rx.Component:
    """Administrators: the upstream's own count for the range, beside ours."""
    return rx.cond(
        UsageState.is_admin,
        rx.el.section(
            rx.el.h2("The upstream's own figures", class_name="text-base font-semibold text-slate-900"),
            rx.cond(
                UsageState.upstream_loading,
                rx.el.p("Asking the upstream…", role="status", class_name="text-sm text-slate-600"),
                rx.cond(
                    UsageState.upstream_ok,
                    rx.el.dl(
                        rx.el.div(
                            rx.el.dt("Records (upstream)", class_name=LABEL),
                            rx.el.dd(
                                UsageState.upstream_records,
                                data_testid="upstream-records",
                                class_name="text-lg font-semibold",
                            ),
                        ),
                        rx.el.div(
                            rx.el.dt("Credits (upstream)", class_name=LABEL),
                            rx.el.dd(
                                UsageState.upstream_credits,
                                data_testid="upstream-credits",
                                class_name="text-lg font-semibold",
                            ),
                        ),
                        rx.el.div(
                            rx.el.dt("Credits (ours, as filtered)", class_name=LABEL),
                            rx.el.dd(UsageState.credits, class_name="text-lg font-semibold"),
                        ),
                        class_name="grid grid-cols-1 gap-3 sm:grid-cols-3",
                    ),
                    rx.el.p(""),
                ),
            ),
            rx.cond(
                UsageState.upstream_message != "",
                rx.el.p(
                    UsageState.upstream_message, data_testid="upstream-message", class_name="text-sm text-slate-700"
                ),
            ),
            rx.el.p(
                "The upstream lists only its media calls (images, video, speech), for the whole upstream key; "
                "ours count every call made through this registry.",
                class_name="text-xs text-slate-600",
            ),
            data_testid="upstream-usage",
            aria_label="The upstream's own figures",
            class_name=PANEL + " flex flex-col gap-3",
        ),
    )


def usage_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            rx.el.div(
                rx.el.h1("Usage", class_name="text-2xl font-semibold text-slate-900"),
                rx.el.p(
                    rx.cond(UsageState.is_admin, "Everyone's model calls", "Your model calls"),
                    rx.cond(
                        UsageState.first_day != "",
                        rx.el.span(", ", UsageState.first_day, " to ", UsageState.last_day, " (UTC)"),
                        "",
                    ),
                    data_testid="usage-scope",
                    class_name="text-sm text-slate-600",
                ),
                class_name="flex flex-col gap-1",
            ),
            controls(),
            stat_cards(),
            rx.cond(
                UsageState.estimated > 0,
                rx.el.p(UsageState.estimated_note, data_testid="estimated-note", class_name="text-xs text-amber-900"),
            ),
            rx.cond(
                UsageState.has_usage,
                rx.el.div(
                    spend_chart(
                        UsageState.spend_data,
                        UsageState.spend_series,
                        UsageState.spend_table,
                        unit=UsageState.spend_unit,
                    ),
                    key_chart(UsageState.key_data, UsageState.key_table),
                    class_name="grid grid-cols-1 gap-4 xl:grid-cols-2",
                ),
                rx.cond(
                    UsageState.loaded, empty_state(), rx.el.p("Loading usage…", role="status", class_name="text-sm")
                ),
            ),
            upstream_panel(),
            class_name="flex flex-col gap-5",
        ),
        account=account(),
    )
