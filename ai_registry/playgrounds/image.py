"""Image playground: prompt, size presets and fields, style; the image with Download."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.styles import FOCUS
from ai_registry.kinds.image import PRESETS
from ai_registry.playgrounds.frame import (
    generated_inputs,
    inputs_frame,
    media_result,
    result_frame,
    run_bar,
    two_columns,
)
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.playground_kinds import ImagePlaygroundState


def size_presets() -> rx.Component:
    return rx.el.div(
        rx.el.span("Size presets", class_name="text-sm font-medium"),
        rx.el.div(
            *[
                rx.el.button(
                    label,
                    type="button",
                    on_click=ImagePlaygroundState.apply_preset(width, height),
                    data_testid=f"preset-{width}x{height}",
                    class_name=rx.cond(
                        (PlaygroundState.values["width"].to(str) == str(width))
                        & (PlaygroundState.values["height"].to(str) == str(height)),
                        f"rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white {FOCUS}",
                        f"rounded-md border border-slate-300 px-2.5 py-1 text-xs hover:bg-slate-100 {FOCUS}",
                    ),
                )
                for label, width, height in PRESETS
            ],
            class_name="flex flex-wrap gap-1.5",
        ),
        class_name="flex flex-col gap-1.5",
    )


def image_playground() -> rx.Component:
    return two_columns(
        inputs_frame(size_presets(), generated_inputs(), run_bar(ImagePlaygroundState)),
        result_frame(media_result()),
    )
