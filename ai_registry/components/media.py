"""One player for any media file: an image, a video with controls, or an audio player."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A


def media_view(
    kind,
    url,
    *,
    alt: str,
    testid: str | None = None,
    image_class: str = "",
    video_class: str = "",
    audio_class: str = "",
    loop: bool = False,
) -> rx.Component:
    """`kind` is "image", "video" or "audio" (anything else renders nothing). `testid` gets the kind
    appended (`result` -> `result-image`), unless it is already complete (`upload-preview`)."""

    # A player takes keyboard focus on its own inner controls, which neither `:focus` nor
    # `:focus-visible` on the element sees: `:focus-within` draws the house ring around the player
    # (the class names written out whole, for Tailwind to find).
    ring = " focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-indigo-600"

    def marks(which: str) -> dict[str, str]:
        if testid is None:
            return {}
        return {"data_testid": testid if testid.endswith("preview") else f"{testid}-{which}"}

    return rx.match(
        kind,
        ("image", rx.el.img(src=url, alt=alt, class_name=image_class, **marks("image"))),
        (
            "video",
            rx.el.video(
                src=url,
                controls=True,
                loop=loop,
                plays_inline=True,
                aria_label=alt,
                class_name=video_class + ring,
                **marks("video"),
            ),
        ),
        (
            "audio",
            rx.el.audio(src=url, controls=True, aria_label=alt, class_name=audio_class + ring, **marks("audio")),
        ),
        rx.fragment(),
    )


def download_link(*children, href, filename="", **props) -> rx.Component:
    """A link that saves the file at `href`: a plain `<a download>`, which the browser handles itself.

    `rx.el.a` is React Router's `<Link>` in Reflex 0.10, which routes a same-origin click inside the
    app (a "404: Page not found" in place of the file); a plain anchor is never intercepted.
    """
    return A.create(*children, href=href, download=filename or True, **props)
