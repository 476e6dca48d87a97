"""Video playground: image upload or URL, prompts, duration buttons, additional settings; a player."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.playground import (
    generated_inputs,
    inputs_frame,
    media_result,
    result_frame,
    run_bar,
    two_columns,
)


def video_playground() -> rx.Component:
    return two_columns(
        inputs_frame(generated_inputs(), run_bar()),
        result_frame(media_result(), empty_text="The generated video plays here. Video runs take about two minutes."),
    )
