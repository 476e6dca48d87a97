"""A model page's "Examples" section (issue 15): pinned real runs, inputs and output, "Try this example"."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry.components.media import media_view
from ai_registry.components.styles import FOCUS
from ai_registry.components.styles import PAGE_PANEL as PANEL
from ai_registry.state.examples import ExampleInput, ExamplesState, ExampleView

FEATURED = "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900"


def _input(item: ExampleInput) -> rx.Component:
    return rx.el.div(
        rx.el.dt(item.name, class_name="text-xs font-semibold uppercase text-slate-600"),
        rx.el.dd(
            rx.cond(
                item.media_url != "",
                media_view(item.media_kind, item.media_url, alt="Input file of this example",
                           image_class="max-h-32 rounded-md", video_class="max-h-32 rounded-md bg-black",
                           audio_class="w-full"),
            ),
            rx.el.span(item.text, class_name="whitespace-pre-wrap break-words text-sm text-slate-800"),
            class_name="flex flex-col gap-1",
        ),
        class_name="flex flex-col gap-0.5",
    )


def example_card(example: ExampleView) -> rx.Component:
    return rx.el.article(
        rx.el.div(
            rx.el.span(example.scope, class_name="text-xs font-medium text-slate-600"),
            rx.cond(
                example.featured,
                rx.el.span("Featured", class_name=FEATURED),
            ),
            class_name="flex items-center gap-2",
        ),
        rx.cond(
            example.output_kind == "text",
            rx.el.pre(
                example.output_text,
                data_testid="example-output-text",
                class_name="max-h-48 overflow-auto whitespace-pre-wrap rounded-md bg-slate-50 p-2 text-sm "
                "text-slate-800",
            ),
            media_view(
                example.output_kind, example.output_url, alt="Output of this example", testid="example-output",
                image_class="w-full rounded-md bg-slate-100 object-contain max-h-64",
                video_class="w-full rounded-md bg-black max-h-64", audio_class="w-full",
            ),
        ),
        rx.el.dl(rx.foreach(example.inputs, _input), class_name="flex flex-col gap-2"),
        ReactRouterLink.create(
            rx.icon("play", size=14),
            "Try this example",
            to=example.try_url,
            data_testid="try-example",
            class_name="mt-auto inline-flex w-fit items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm "
            f"font-medium text-white hover:bg-indigo-800 {FOCUS}",
        ),
        data_testid="example",
        data_run=example.run_id,
        class_name="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-3",
    )


def examples_section() -> rx.Component:
    """Nothing at all when the model has no example the person may see."""
    return rx.cond(
        ExamplesState.examples.length() > 0,
        rx.el.section(
            rx.el.h2("Examples", class_name="text-lg font-semibold"),
            rx.el.div(
                rx.foreach(ExamplesState.examples, example_card),
                class_name="grid grid-cols-1 gap-4 md:grid-cols-2",
            ),
            data_testid="examples",
            aria_label="Examples",
            class_name=f"{PANEL} flex flex-col gap-3",
        ),
    )
