"""Where a model's facts come from: built-in, which upstream address, the local engine (issue 17).

Takes plain values or vars (rows of [who, address, which facts], and the pricing note), no state.
"""

from __future__ import annotations

import reflex as rx


def _origin_row(row) -> rx.Component:
    return rx.el.li(
        rx.el.span(row[0], class_name="font-medium text-slate-900"),
        rx.cond(
            row[1] != "",
            rx.el.code(row[1], class_name="block break-all font-mono text-xs text-slate-700"),
        ),
        rx.el.span(row[2], class_name="text-slate-700"),
        data_testid="provenance-row",
        class_name="flex flex-col gap-0.5 text-sm",
    )


def provenance_panel(rows, pricing_note="") -> rx.Component:
    """The "Sources" block of the model page, and the note saying which price a run uses when two disagree."""
    return rx.el.div(
        rx.cond(
            pricing_note != "",
            rx.el.p(
                pricing_note,
                data_testid="pricing-note",
                class_name="rounded-md bg-amber-50 p-2 text-sm text-amber-900",
            ),
        ),
        rx.el.h2("Sources", class_name="pt-2 text-sm font-semibold uppercase text-slate-600"),
        rx.el.ul(rx.foreach(rows, _origin_row), class_name="flex flex-col gap-2"),
        data_testid="provenance",
        class_name="flex flex-col gap-2",
    )
