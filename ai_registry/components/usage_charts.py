"""The usage page's stat cards and charts (`rx.recharts`). They take vars and bind no state.

Each chart has a text twin (a table in a disclosure) with the same figures, for screen readers and
for anyone who wants the exact numbers.
"""

from __future__ import annotations

import reflex as rx

from ai_registry.components.styles import FOCUS, PANEL

AXIS_TICK = {"fill": "#334155", "fontSize": 12}


def stat_card(label: str, value, detail, *, test_id: str, note=None) -> rx.Component:
    return rx.el.div(
        rx.el.dt(label, class_name="text-sm font-medium text-slate-600"),
        rx.el.dd(
            value,
            title=value,  # the whole of a long model name, when the card cuts it
            class_name="mt-1 truncate text-2xl font-semibold text-slate-900",
            data_testid=f"{test_id}-value",
        ),
        rx.el.dd(detail, class_name="mt-0.5 truncate text-xs text-slate-600"),
        rx.fragment()
        if note is None
        else rx.cond(
            note,
            rx.el.dd(
                "Includes estimates",
                class_name="mt-1 inline-block rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900",
                data_testid=f"{test_id}-estimated",
            ),
        ),
        class_name=PANEL + " min-w-0",
        data_testid=test_id,
    )


def _table(caption: str, header, rows, *, test_id: str) -> rx.Component:
    return rx.el.details(
        rx.el.summary("Show the figures as a table", class_name=f"cursor-pointer text-sm text-indigo-700 {FOCUS}"),
        rx.el.div(
            rx.el.table(
                rx.el.caption(caption, class_name="sr-only"),
                rx.el.thead(rx.el.tr(header)),
                rx.el.tbody(
                    rx.foreach(
                        rows,
                        lambda row: rx.el.tr(
                            rx.foreach(row, lambda cell: rx.el.td(cell, class_name="px-2 py-1 whitespace-nowrap")),
                            class_name="border-t border-slate-100",
                        ),
                    )
                ),
                class_name="mt-2 min-w-full text-left text-sm tabular-nums",
            ),
            tab_index=0,
            role="group",
            aria_label=caption,
            class_name=f"overflow-x-auto {FOCUS}",
        ),
        data_testid=test_id,
    )


def _th(text) -> rx.Component:
    return rx.el.th(text, scope="col", class_name="px-2 py-1 font-medium text-slate-700 whitespace-nowrap")


def spend_chart(data, series, table, *, unit) -> rx.Component:
    """Spend per day, one stacked bar segment per model (series: `{key, name, color}`)."""
    return rx.el.figure(
        rx.el.figcaption(
            rx.cond(unit == "credits", "Credits per day, by model", "Spend per day (USD), by model"),
            class_name="text-base font-semibold text-slate-900",
        ),
        rx.el.div(
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                rx.recharts.x_axis(data_key="day", tick=AXIS_TICK, interval="preserveStartEnd", min_tick_gap=12),
                rx.recharts.y_axis(tick=AXIS_TICK, width=64),
                rx.recharts.graphing_tooltip(),
                rx.recharts.legend(wrapper_style={"fontSize": "12px"}),
                rx.foreach(
                    series,
                    lambda s: rx.recharts.bar(
                        data_key=s["key"],
                        name=s["name"],
                        fill=s["color"],
                        stack_id="spend",
                        max_bar_size=48,
                        is_animation_active=False,
                    ),
                ),
                data=data,
                width="100%",
                height=300,
                margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
            ),
            class_name="w-full min-w-0",
            data_testid="spend-chart",
        ),
        _table(
            "Spend per day by model",
            rx.fragment(_th("Day"), rx.foreach(series, lambda s: _th(s["name"]))),
            table,
            test_id="spend-table",
        ),
        class_name=PANEL + " flex min-w-0 flex-col gap-3",
    )


def key_chart(data, table) -> rx.Component:
    """Requests per key (rows: `{key, requests, usd}`), as horizontal bars."""
    return rx.el.figure(
        rx.el.figcaption("Requests per key", class_name="text-base font-semibold text-slate-900"),
        rx.el.div(
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", horizontal=False),
                rx.recharts.x_axis(type_="number", tick=AXIS_TICK, allow_decimals=False),
                rx.recharts.y_axis(data_key="key", type_="category", tick=AXIS_TICK, width=140),
                rx.recharts.graphing_tooltip(),
                rx.recharts.bar(
                    data_key="requests", name="Requests", fill="#4f46e5", max_bar_size=32, is_animation_active=False
                ),
                data=data,
                layout="vertical",
                width="100%",
                height=rx.cond(data.length() > 4, data.length() * 44 + 40, 220),
                margin={"top": 8, "right": 16, "left": 0, "bottom": 0},
            ),
            class_name="w-full min-w-0",
            data_testid="key-chart",
        ),
        _table(
            "Requests per key",
            rx.fragment(_th("Key"), _th("Requests"), _th("Spend (USD)")),
            table,
            test_id="key-table",
        ),
        class_name=PANEL + " flex min-w-0 flex-col gap-3",
    )
