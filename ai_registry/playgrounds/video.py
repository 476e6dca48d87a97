"""Video playground: image upload or URL, prompts, duration buttons, additional settings; a player."""

from __future__ import annotations

import reflex as rx

from ai_registry.playgrounds.frame import (
    generated_inputs,
    inputs_frame,
    media_result,
    result_frame,
    run_bar,
    two_columns,
)
from ai_registry.state.playground_kinds import VideoPlaygroundState


def video_playground() -> rx.Component:
    return two_columns(
        inputs_frame(generated_inputs(), run_bar(VideoPlaygroundState)),
        result_frame(media_result(), empty_text="The generated video plays here. Video runs take about two minutes."),
    )
