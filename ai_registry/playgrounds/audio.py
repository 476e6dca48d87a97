"""Audio playground: a file to transcribe or translate, or text to speak; text or a player back."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.layout import announce_copied
from ai_registry.components.styles import BUTTON_SECONDARY
from ai_registry.playgrounds.frame import (
    generated_inputs,
    inputs_frame,
    media_result,
    result_frame,
    run_bar,
    two_columns,
)
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.playground_kinds import AudioPlaygroundState


def transcript() -> rx.Component:
    return rx.cond(
        PlaygroundState.output_text != "",
        rx.el.div(
            rx.el.p(
                PlaygroundState.output_text,
                data_testid="result-text",
                class_name="whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm leading-relaxed",
            ),
            rx.el.button(
                "Copy text",
                type="button",
                on_click=[rx.set_clipboard(PlaygroundState.output_text), announce_copied()],
                class_name="self-start rounded-md border border-slate-300 px-2 py-1 text-xs",
            ),
            class_name="flex flex-col gap-2",
        ),
    )


def sample_button() -> rx.Component:
    """Speech-to-text only: a recording made by the local voice, for someone with no file at hand."""
    return rx.cond(
        AudioPlaygroundState.audio_mode == "transcribe",
        rx.el.div(
            rx.el.button(
                rx.icon("audio-lines", size=14),
                rx.cond(AudioPlaygroundState.making_sample, "Making a sample…", "Use a sample"),
                type="button",
                on_click=AudioPlaygroundState.use_sample,
                disabled=AudioPlaygroundState.making_sample | PlaygroundState.running,
                data_testid="use-sample",
                class_name=BUTTON_SECONDARY,
            ),
            rx.el.span("No recording? The local voice speaks one for you.", class_name="text-xs text-slate-600"),
            class_name="flex flex-wrap items-center gap-2",
        ),
    )


def audio_playground() -> rx.Component:
    return two_columns(
        inputs_frame(
            sample_button(),
            generated_inputs(),
            run_bar(AudioPlaygroundState, rx.cond(AudioPlaygroundState.audio_mode == "speech", "Speak", "Transcribe")),
        ),
        result_frame(media_result(), transcript()),
    )
