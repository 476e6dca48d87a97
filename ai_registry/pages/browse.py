"""Screen 1: the gallery at /dashboard/ai-settings."""

from __future__ import annotations

import reflex as rx

from ai_registry.catalog.models import CATEGORIES
from ai_registry.components.layout import page_shell
from ai_registry.components.model_card import model_card, request_model_card
from ai_registry.components.styles import FOCUS
from ai_registry.pages.account import account
from ai_registry.settings import get_settings
from ai_registry.state.browse import SORT_OPTIONS, BrowseState
from ai_registry.state.compare_picks import CompareTrayState
from ai_registry.state.views import StatusView

PANEL_ID = "model-results"
# The search waits this long after the last keystroke: a query costs the index a millisecond or two,
# so the wait is only there to send one request per burst of typing, not per key.
SEARCH_DEBOUNCE_MS = 90

# The tabs follow the ARIA tabs pattern with manual activation: Tab enters the tab row at the
# selected tab, the arrow keys, Home and End move between tabs, Enter or Space selects one.
# Moving focus needs no server, so it is plain browser code.
TABLIST_KEYS = rx.Var(
    _js_expr="""((e) => {
  const keys = ['ArrowRight', 'ArrowLeft', 'Home', 'End'];
  if (!keys.includes(e.key)) return;
  const tabs = [...e.currentTarget.querySelectorAll('[role=tab]')];
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  e.preventDefault();
  const n = tabs.length;
  const j = e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : (i + (e.key === 'ArrowRight' ? 1 : n - 1)) % n;
  tabs[j].focus();
})"""
)


def tab_id(category: str) -> str:
    return f"tab-{category.lower()}"


def category_tab(category: str) -> rx.Component:
    selected = BrowseState.category == category
    return rx.el.button(
        category,
        rx.el.span(
            BrowseState.counts[category],
            class_name=rx.cond(
                selected,
                "rounded-full bg-white/25 px-1.5 text-xs",
                "rounded-full bg-slate-200 px-1.5 text-xs text-slate-700",
            ),
        ),
        role="tab",
        type="button",
        id=tab_id(category),
        aria_selected=rx.cond(selected, "true", "false"),
        aria_controls=PANEL_ID,
        tab_index=rx.cond(selected, 0, -1),
        data_testid=tab_id(category),
        on_click=BrowseState.set_category(category),
        class_name=rx.cond(
            selected,
            "inline-flex items-center gap-2 rounded-full bg-indigo-700 px-3.5 py-1.5 text-sm font-medium "
            f"text-white {FOCUS}",
            f"inline-flex items-center gap-2 rounded-full border border-slate-300 bg-white px-3.5 py-1.5 text-sm "
            f"font-medium text-slate-800 hover:bg-slate-100 {FOCUS}",
        ),
    )


def header() -> rx.Component:
    settings = get_settings()
    return rx.el.div(
        rx.el.div(
            rx.el.h1("AI Models", class_name="text-2xl font-bold tracking-tight"),
            rx.el.p(
                "Every model your team can call: try it, read about it, copy the code.",
                class_name="text-sm text-slate-700",
            ),
            class_name="flex flex-col gap-1",
        ),
        rx.el.div(
            rx.el.a(
                "Learn more",
                rx.icon("external-link", size=14),
                rx.el.span(" (opens in a new tab)", class_name="sr-only"),
                href=settings.learn_more_url,
                target="_blank",
                rel="noopener noreferrer",
                data_testid="learn-more",
                class_name="inline-flex items-center gap-1 text-sm font-medium text-indigo-700 hover:underline "
                + FOCUS,
            ),
            rx.el.label(
                rx.el.span("Sort", class_name="text-sm text-slate-700"),
                rx.el.select(
                    *[rx.el.option(label, value=value) for value, label in SORT_OPTIONS],
                    value=BrowseState.sort,
                    on_change=BrowseState.set_sort,
                    data_testid="sort-select",
                    class_name=f"rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm {FOCUS}",
                ),
                class_name="flex items-center gap-2",
            ),
            class_name="flex items-center gap-4",
        ),
        class_name="flex flex-wrap items-end justify-between gap-4",
    )


def search_box() -> rx.Component:
    return rx.el.div(
        rx.icon("search", size=16, class_name="pointer-events-none absolute left-3 top-2.5 text-slate-500"),
        rx.el.input(
            type="search",
            placeholder="Search by name, provider, capability…",
            value=BrowseState.q,
            on_change=BrowseState.set_search.debounce(SEARCH_DEBOUNCE_MS),
            aria_label="Search models",
            data_testid="search-input",
            max_length=200,
            class_name=f"w-full rounded-lg border border-slate-300 bg-white py-2 pl-9 pr-9 text-sm {FOCUS}",
        ),
        rx.cond(
            BrowseState.q != "",
            rx.el.button(
                rx.icon("x", size=16),
                type="button",
                aria_label="Clear search",
                data_testid="search-clear",
                on_click=BrowseState.clear_search,
                class_name=f"absolute right-2 top-1.5 rounded p-1 text-slate-600 hover:bg-slate-100 {FOCUS}",
            ),
        ),
        class_name="relative w-full sm:max-w-sm",
    )


def status_line(status: StatusView) -> rx.Component:
    return rx.el.li(
        rx.el.strong(status.label),
        rx.cond(
            status.state == "stale",
            " is failing; showing its data from ",
            " has not answered yet; last success: ",
        ),
        status.last_success,
        rx.cond(status.error != "", rx.el.span(" (", status.error, ")")),
        data_testid="degraded-source",
    )


def degraded_banner() -> rx.Component:
    return rx.cond(
        BrowseState.degraded.length() > 0,
        rx.el.div(
            rx.icon("triangle-alert", size=18, class_name="mt-0.5 shrink-0 text-amber-700"),
            rx.el.div(
                rx.el.p("Some model sources are not answering.", class_name="font-medium"),
                rx.el.ul(rx.foreach(BrowseState.degraded, status_line), class_name="list-disc pl-5 text-sm"),
                class_name="flex-1",
            ),
            rx.el.button(
                rx.cond(BrowseState.refreshing, "Retrying…", "Retry"),
                type="button",
                on_click=BrowseState.retry,
                disabled=BrowseState.refreshing,
                data_testid="retry-sources",
                class_name=f"rounded-md border border-amber-600 bg-white px-3 py-1 text-sm font-medium {FOCUS}",
            ),
            role="status",
            data_testid="source-banner",
            class_name="flex items-start gap-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-amber-950",
        ),
    )


def empty_state() -> rx.Component:
    return rx.el.div(
        rx.icon("search-x", size=32, class_name="text-slate-500"),
        rx.el.p(BrowseState.empty_message, class_name="font-medium", data_testid="empty-message"),
        rx.el.button(
            "Clear filters",
            type="button",
            on_click=BrowseState.clear_filters,
            data_testid="clear-filters",
            class_name=f"rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white {FOCUS}",
        ),
        data_testid="empty-state",
        class_name="col-span-full flex flex-col items-center gap-3 rounded-xl border border-slate-200 bg-white p-10",
    )


def browse_page() -> rx.Component:
    settings = get_settings()
    return page_shell(
        rx.el.div(
            header(),
            degraded_banner(),
            rx.el.div(
                rx.el.div(
                    *[category_tab(c) for c in CATEGORIES],
                    role="tablist",
                    aria_label="Model categories",
                    custom_attrs={"onKeyDown": TABLIST_KEYS},
                    class_name="flex flex-wrap gap-2",
                ),
                search_box(),
                class_name="flex flex-col gap-3 lg:flex-row lg:items-center lg:justify-between",
            ),
            rx.el.div(
                # The results' heading: screen readers can jump to it, and hear it change.
                rx.el.h2(
                    BrowseState.total, rx.cond(BrowseState.total == 1, " model", " models"),
                    class_name="text-sm font-normal text-slate-600",
                    data_testid="result-count",
                    aria_live="polite",
                ),
                rx.el.div(
                    request_model_card(settings.request_model_url),
                    rx.cond(BrowseState.total > 0, rx.foreach(BrowseState.cards, pickable_card), empty_state()),
                    data_testid="model-grid",
                    class_name="grid grid-cols-1 gap-4 md:grid-cols-2 lg:grid-cols-3 2xl:grid-cols-4",
                ),
                rx.cond(
                    BrowseState.has_more,
                    rx.el.button(
                        "Show more models",
                        type="button",
                        on_click=BrowseState.show_more,
                        data_testid="show-more",
                        class_name="self-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm "
                        + FOCUS,
                    ),
                ),
                id=PANEL_ID,
                role="tabpanel",
                aria_labelledby="tab-" + BrowseState.category.lower(),
                class_name="flex flex-col gap-5",
            ),
            compare_tray(),
            class_name="flex flex-col gap-5",
        ),
        account=account(),
    )


def pickable_card(card) -> rx.Component:
    """A card with its Compare toggle beside the link (a button inside a link would be two controls in one)."""
    picked = CompareTrayState.picks.contains(card.slug)
    return rx.el.div(
        model_card(card),
        rx.el.button(
            rx.cond(picked, rx.icon("check", size=14), rx.icon("plus", size=14)),
            "Compare",
            type="button",
            on_click=CompareTrayState.toggle_pick(card.slug, card.name),
            aria_pressed=rx.cond(picked, "true", "false"),
            aria_label="Compare " + card.name,
            data_testid="compare-toggle",
            class_name=rx.cond(
                picked,
                "absolute right-2 top-2 inline-flex items-center gap-1 rounded-full bg-indigo-700 px-2.5 py-1 "
                f"text-xs font-semibold text-white shadow {FOCUS}",
                "absolute right-2 top-2 inline-flex items-center gap-1 rounded-full bg-white/95 px-2.5 py-1 "
                f"text-xs font-semibold text-slate-800 shadow hover:bg-white {FOCUS}",
            ),
        ),
        class_name="relative h-full",
    )


def _tray_pick(name) -> rx.Component:
    return rx.el.span(
        name,
        data_testid="tray-pick",
        class_name="rounded-full bg-indigo-50 px-2.5 py-0.5 text-xs font-medium text-indigo-900",
    )


def compare_tray() -> rx.Component:
    """The picks for a comparison, fixed at the bottom of the window while there are any."""
    count = CompareTrayState.picks.length()
    picks = rx.el.div(
        rx.el.span("Compare:", class_name="text-sm font-semibold"),
        rx.foreach(CompareTrayState.names, _tray_pick),
        rx.cond(
            CompareTrayState.tray_note != "",
            rx.el.span(CompareTrayState.tray_note, role="status", class_name="text-xs text-amber-800"),
        ),
        class_name="flex min-w-0 flex-wrap items-center gap-1.5",
    )
    actions = rx.el.div(
        rx.el.button(
            "Clear",
            type="button",
            on_click=CompareTrayState.clear_picks,
            data_testid="tray-clear",
            class_name=f"rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100 {FOCUS}",
        ),
        rx.cond(
            count > 1,
            rx.el.a(
                "Compare ",
                count,
                href=CompareTrayState.compare_href,
                data_testid="tray-compare",
                class_name="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-semibold text-white "
                f"hover:bg-indigo-800 {FOCUS}",
            ),
            rx.el.span("Pick one more", class_name="text-xs text-slate-600"),
        ),
        class_name="flex shrink-0 items-center gap-2",
    )
    return rx.cond(
        count > 0,
        rx.fragment(
            rx.el.div(class_name="h-16", aria_hidden="true"),  # room below the last card, above the tray
            rx.el.div(
                rx.el.div(
                    picks,
                    actions,
                    class_name="mx-auto flex max-w-[1600px] flex-wrap items-center justify-between gap-2 px-4 "
                    "py-3 sm:px-6",
                ),
                role="region",
                aria_label="Models to compare",
                data_testid="compare-tray",
                class_name="fixed inset-x-0 bottom-0 z-20 border-t border-slate-200 bg-white/95 shadow-lg "
                "backdrop-blur",
            ),
        ),
    )
