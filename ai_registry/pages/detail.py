"""Screen 2: a model's page at /dashboard/ai-settings/[slug] with Playground, API and Readme tabs."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes
from ai_registry.components.badges import availability_dot, default_star, hidden_badge, premium_badge, tag
from ai_registry.components.layout import page_shell
from ai_registry.components.provenance import provenance_panel
from ai_registry.components.styles import FOCUS, scroll_region
from ai_registry.components.styles import PAGE_PANEL as PANEL
from ai_registry.pages.account import account
from ai_registry.pages.api_tab import call_mode_picker, runs_hint, snippet_key_controls
from ai_registry.pages.curation_panel import curate_button, curate_notice, curate_panel
from ai_registry.pages.detail_examples import examples_section
from ai_registry.playgrounds import playground_panel
from ai_registry.state.compare_picks import CompareWinsState
from ai_registry.state.detail import FORMAT_OPTIONS, DetailState, ParameterView, PriceRow

TAB_LABELS = {"playground": "Playground", "api": "API", "readme": "Readme"}


def back_link() -> rx.Component:
    return ReactRouterLink.create(
        rx.icon("arrow-left", size=16),
        "All models",
        to=DetailState.back_url,
        data_testid="back-to-gallery",
        class_name=f"inline-flex items-center gap-1 text-sm font-medium text-indigo-700 hover:underline {FOCUS}",
    )


def _dot() -> rx.Component:
    return rx.el.span("·", aria_hidden="true", class_name="mr-2")


def model_header() -> rx.Component:
    return rx.el.div(
        back_link(),
        rx.el.div(
            rx.el.h1(DetailState.name, class_name="text-2xl font-bold tracking-tight", data_testid="model-name"),
            default_star(DetailState.is_default),
            premium_badge(DetailState.is_premium),
            hidden_badge(DetailState.is_hidden),
            availability_dot(DetailState.availability, DetailState.availability_note),
            class_name="flex flex-wrap items-center gap-2",
        ),
        rx.el.p(DetailState.description, class_name="max-w-3xl text-slate-700", data_testid="model-description"),
        rx.el.div(
            rx.el.span(DetailState.provider, class_name="font-medium text-slate-900"),
            # Each dot travels with the fact after it, so a wrapped line never ends on a dot.
            rx.el.span(_dot(), DetailState.category),
            rx.el.span(_dot(), rx.el.span(DetailState.price, data_testid="detail-price")),
            class_name="flex flex-wrap items-center gap-2 text-sm text-slate-700",
        ),
        rx.el.div(rx.foreach(DetailState.capabilities, tag), class_name="flex flex-wrap gap-1"),
        compare_line(),
        curate_notice(),
        curate_panel(),
        class_name="flex flex-col gap-2",
    )


def compare_line() -> rx.Component:
    """"Compare with…" (the compare page with this model in the first panel) and the comparisons it won."""
    return rx.el.div(
        ReactRouterLink.create(
            rx.icon("columns-2", size=16),
            "Compare with…",
            to=routes.COMPARE + "?models=" + DetailState.model_slug,
            data_testid="compare-with",
            class_name="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 "
            f"text-sm font-medium text-slate-800 hover:bg-slate-100 {FOCUS}",
        ),
        rx.el.span(
            rx.icon("trophy", size=14, class_name="text-amber-600"),
            "Won ",
            CompareWinsState.wins,
            rx.cond(CompareWinsState.wins == 1, " comparison", " comparisons"),
            data_testid="compare-wins",
            class_name="inline-flex items-center gap-1 text-sm text-slate-700",
        ),
        curate_button(),
        class_name="flex flex-wrap items-center gap-3",
    )


def tab_button(tab: str) -> rx.Component:
    selected = DetailState.tab == tab
    return rx.el.button(
        TAB_LABELS[tab],
        role="tab",
        type="button",
        id=f"tab-{tab}",
        aria_selected=rx.cond(selected, "true", "false"),
        aria_controls=f"panel-{tab}",
        data_testid=f"detail-tab-{tab}",
        on_click=DetailState.set_tab(tab),
        class_name=rx.cond(
            selected,
            f"border-b-2 border-indigo-700 px-4 py-2 text-sm font-semibold text-indigo-800 {FOCUS}",
            f"border-b-2 border-transparent px-4 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 {FOCUS}",
        ),
    )


def parameter_row(param: ParameterView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.el.code(param.name, class_name="font-mono text-sm"),
            rx.cond(param.required, rx.el.span(" required", class_name="text-xs font-medium text-red-700")),
            class_name="py-2 pr-4 align-top",
        ),
        rx.el.td(param.type, class_name="py-2 pr-4 align-top text-sm"),
        rx.el.td(param.default, class_name="py-2 pr-4 align-top font-mono text-sm"),
        rx.el.td(param.allowed, class_name="py-2 pr-4 align-top text-sm"),
        rx.el.td(param.description, class_name="py-2 align-top text-sm text-slate-700"),
        data_testid="parameter-row",
        class_name="border-t border-slate-100",
    )


def parameters_table() -> rx.Component:
    return rx.el.div(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    *[
                        rx.el.th(h, class_name="pb-2 pr-4 text-left text-xs font-semibold uppercase text-slate-600")
                        for h in ("Parameter", "Type", "Default", "Allowed", "Description")
                    ]
                )
            ),
            rx.el.tbody(rx.foreach(DetailState.parameters, parameter_row)),
            class_name="w-full min-w-[40rem]",
        ),
        class_name=f"overflow-x-auto {FOCUS}",
        **scroll_region("Parameters"),
    )


def format_button(option: tuple[str, str]) -> rx.Component:
    value, label = option
    selected = DetailState.code_format == value
    return rx.el.button(
        label,
        type="button",
        role="radio",
        aria_checked=rx.cond(selected, "true", "false"),
        data_testid=f"format-{value}",
        on_click=DetailState.set_code_format(value),
        class_name=rx.cond(
            selected,
            f"rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white {FOCUS}",
            f"rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 {FOCUS}",
        ),
    )


def api_panel() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.div(
                rx.el.div(
                    rx.el.h2("Call this model", class_name="text-lg font-semibold"),
                    rx.el.p(
                        DetailState.method,
                        " ",
                        rx.el.code(DetailState.endpoint, class_name="font-mono"),
                        class_name="text-sm text-slate-700",
                        data_testid="api-endpoint",
                    ),
                ),
                ReactRouterLink.create(
                    rx.icon("key-round", size=16),
                    "Create an API Key",
                    to=routes.DEVELOPER_SETTINGS,
                    data_testid="create-api-key",
                    class_name="inline-flex items-center gap-2 rounded-md bg-indigo-700 px-3 py-2 text-sm "
                    f"font-medium text-white hover:bg-indigo-800 {FOCUS}",
                ),
                class_name="flex flex-wrap items-start justify-between gap-3",
            ),
            rx.el.p(
                DetailState.key_sentence,
                " ",
                ReactRouterLink.create(
                    DetailState.key_link_label, to=DetailState.key_link, class_name="font-medium underline"
                ),
                data_testid="key-line",
                class_name="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-800",
            ),
            rx.el.div(
                call_mode_picker(),
                rx.el.div(
                    *[format_button(o) for o in FORMAT_OPTIONS],
                    role="radiogroup",
                    aria_label="Code format",
                    class_name="flex flex-wrap gap-1 rounded-lg border border-slate-200 p-1",
                ),
                class_name="flex flex-wrap items-center justify-between gap-3",
            ),
            runs_hint(),
            snippet_key_controls(),
            rx.el.div(
                # The highlighted <pre> inside is the region that scrolls (see codegen/highlight.py).
                rx.html(DetailState.code_html, data_testid="code-block", class_name="snippet max-w-full"),
                rx.el.button(
                    rx.cond(DetailState.copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                    rx.cond(DetailState.copied, "Copied", "Copy"),
                    type="button",
                    on_click=DetailState.copy_code,
                    data_testid="copy-code",
                    aria_live="polite",
                    class_name="absolute right-2 top-2 inline-flex items-center gap-1 rounded-md bg-white/90 px-2 "
                    f"py-1 text-sm font-medium text-slate-900 shadow {FOCUS}",
                ),
                class_name="relative",
            ),
            rx.el.h3("Parameters", class_name="pt-2 text-base font-semibold"),
            parameters_table(),
            class_name=f"{PANEL} flex flex-col gap-4",
        ),
        id="panel-api",
        role="tabpanel",
        aria_labelledby="tab-api",
        data_testid="panel-api",
    )


def readme_panel() -> rx.Component:
    return rx.el.section(
        rx.html(DetailState.readme_html, class_name=f"{PANEL} readme", data_testid="readme"),
        id="panel-readme",
        role="tabpanel",
        aria_labelledby="tab-readme",
        data_testid="panel-readme",
    )


def price_row(row: PriceRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.what, class_name="py-1 pr-4 text-sm text-slate-700"),
        rx.el.td(row.price, class_name="py-1 text-right text-sm font-medium"),
    )


def facts_panel() -> rx.Component:
    return rx.el.aside(
        rx.el.h2("Pricing", class_name="text-sm font-semibold uppercase text-slate-600"),
        rx.el.table(rx.el.tbody(rx.foreach(DetailState.prices, price_row)), data_testid="price-table"),
        rx.el.p(DetailState.price_source, data_testid="price-source", class_name="text-xs text-slate-600"),
        provenance_panel(DetailState.origins, DetailState.pricing_note),
        rx.el.h2("Rate limit", class_name="pt-2 text-sm font-semibold uppercase text-slate-600"),
        rx.el.p(DetailState.rate_limit, class_name="text-sm", data_testid="rate-limit"),
        rx.cond(
            DetailState.facts.length() > 0,
            rx.el.div(
                rx.el.h2("Details", class_name="pt-2 text-sm font-semibold uppercase text-slate-600"),
                rx.el.dl(
                    rx.foreach(
                        DetailState.facts,
                        lambda f: rx.el.div(
                            rx.el.dt(f[0], class_name="text-slate-600"),
                            rx.el.dd(f[1], class_name="text-right font-medium"),
                            class_name="flex justify-between gap-3 text-sm",
                        ),
                    ),
                    class_name="flex flex-col gap-1",
                ),
            ),
        ),
        class_name=f"{PANEL} flex h-fit flex-col gap-2",
    )


def not_found() -> rx.Component:
    return rx.el.div(
        rx.icon("search-x", size=32, class_name="text-slate-500"),
        rx.el.h1("Model not found", class_name="text-xl font-semibold"),
        rx.el.p(
            "No model has the address “",
            DetailState.model_slug,
            "”. It may have been renamed or removed.",
            class_name="text-slate-700",
        ),
        ReactRouterLink.create(
            "Back to all models",
            to=routes.BROWSE,
            class_name=f"rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white {FOCUS}",
        ),
        data_testid="model-not-found",
        class_name="flex flex-col items-center gap-3 rounded-xl border border-slate-200 bg-white p-10 text-center",
    )


def detail_page() -> rx.Component:
    return page_shell(
        rx.cond(
            DetailState.found,
            rx.el.div(
                model_header(),
                rx.el.div(
                    *[tab_button(t) for t in routes.TABS],
                    role="tablist",
                    aria_label="Model views",
                    class_name="flex gap-1 border-b border-slate-200",
                ),
                rx.el.div(
                    rx.el.div(
                        rx.match(
                            DetailState.tab,
                            ("api", api_panel()),
                            ("readme", readme_panel()),
                            playground_panel(),
                        ),
                        class_name="min-w-0",
                    ),
                    facts_panel(),
                    class_name="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]",
                ),
                examples_section(),
                class_name="flex flex-col gap-5",
            ),
            not_found(),
        ),
        account=account(),
    )
