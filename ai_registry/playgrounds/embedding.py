"""Embedding playground: texts one per line, normalize; vectors as JSON and a similarity table."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.layout import announce_copied
from ai_registry.components.styles import FOCUS, scroll_region
from ai_registry.playgrounds.frame import generated_inputs, inputs_frame, result_frame, run_bar, two_columns
from ai_registry.state.playground_kinds import EmbeddingPlaygroundState as State
from ai_registry.state.playground_kinds import SimilarityRow


def similarity_row(row: SimilarityRow, index) -> rx.Component:
    # Rows carry the texts, numbered; columns only the numbers, so every column fits a half-width panel.
    return rx.el.tr(
        rx.el.th(
            rx.el.span(index + 1, ". ", class_name="font-mono text-slate-500"),
            row.label,
            scope="row",
            title=row.label,
            class_name="max-w-[12rem] truncate py-1 pr-3 text-left text-xs font-medium",
        ),
        rx.foreach(row.cells, lambda c: rx.el.td(c, class_name="px-2 py-1 text-right font-mono text-xs")),
    )


def vectors() -> rx.Component:
    return rx.cond(
        State.dimensions > 0,
        rx.el.div(
            rx.el.p(
                State.similarity.length(),
                " vectors of ",
                State.dimensions,
                " dimensions",
                data_testid="result-dimensions",
                class_name="text-sm font-medium",
            ),
            rx.el.div(
                rx.el.h3("Cosine similarity", class_name="text-sm font-semibold"),
                rx.el.div(
                    rx.el.table(
                        rx.el.thead(
                            rx.el.tr(
                                rx.el.th(rx.el.span("Text", class_name="sr-only"), scope="col"),
                                rx.foreach(
                                    State.similarity_labels,
                                    lambda label, i: rx.el.th(
                                        i + 1,
                                        scope="col",
                                        title=label,
                                        aria_label=label,
                                        class_name="px-2 text-right font-mono text-xs font-medium",
                                    ),
                                ),
                            )
                        ),
                        rx.el.tbody(rx.foreach(State.similarity, similarity_row)),
                        data_testid="similarity-table",
                    ),
                    class_name=f"overflow-x-auto {FOCUS}",
                    **scroll_region("Cosine similarity"),
                ),
                class_name="flex flex-col gap-1",
            ),
            rx.el.div(
                rx.el.div(
                    rx.el.h3("Vectors (JSON)", class_name="text-sm font-semibold"),
                    rx.el.button(
                        "Copy",
                        type="button",
                        on_click=[rx.set_clipboard(State.vectors_json), announce_copied()],
                        data_testid="copy-vectors",
                        class_name="rounded-md border border-slate-300 px-2 py-1 text-xs",
                    ),
                    class_name="flex items-center justify-between",
                ),
                rx.el.pre(
                    State.vectors_json,
                    data_testid="result-vectors",
                    class_name="max-h-60 overflow-auto whitespace-pre-wrap break-all rounded-md bg-slate-900 "
                    f"p-3 text-xs text-slate-100 {FOCUS}",
                    **scroll_region("Vectors"),
                ),
                class_name="flex flex-col gap-1",
            ),
            class_name="flex flex-col gap-4",
        ),
    )


def embedding_playground() -> rx.Component:
    return two_columns(
        inputs_frame(generated_inputs(), run_bar(State, "Embed")),
        result_frame(vectors()),
    )
