"""Audio playground: a file to transcribe or translate, or text to speak; text or a player back."""

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
                on_click=rx.set_clipboard(PlaygroundState.output_text),
                class_name="self-start rounded-md border border-slate-300 px-2 py-1 text-xs",
            ),
            class_name="flex flex-col gap-2",
        ),
    )


def audio_playground() -> rx.Component:
    return two_columns(
        inputs_frame(
            generated_inputs(),
            run_bar(AudioPlaygroundState, rx.cond(AudioPlaygroundState.audio_mode == "speech", "Speak", "Transcribe")),
        ),
        result_frame(media_result(), transcript()),
    )
