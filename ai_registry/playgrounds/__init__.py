"""The playground wing: one module per kind binds its widgets to that kind's substate.

`frame` and `form` are the parts every kind shares (the generated form, the Run bar, progress,
errors, media results). `PLAYGROUNDS` maps a kind's name to its playground; adding a kind is one
module here and one entry below.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from ai_registry.playgrounds.audio import audio_playground
from ai_registry.playgrounds.chat import chat_playground
from ai_registry.playgrounds.embedding import embedding_playground
from ai_registry.playgrounds.image import image_playground
from ai_registry.playgrounds.video import video_playground
from ai_registry.state.playground import PlaygroundState

PLAYGROUNDS: dict[str, Callable[[], rx.Component]] = {
    "chat": chat_playground,
    "image": image_playground,
    "video": video_playground,
    "audio": audio_playground,
    "embedding": embedding_playground,
}


def playground_panel() -> rx.Component:
    """The Playground tab: the open model's kind picks its playground."""
    return rx.el.section(
        rx.match(
            PlaygroundState.kind,
            *((name, build()) for name, build in PLAYGROUNDS.items()),
            rx.el.p("This model has no playground.", class_name="text-sm"),
        ),
        id="panel-playground",
        role="tabpanel",
        aria_labelledby="tab-playground",
        data_testid="panel-playground",
    )
