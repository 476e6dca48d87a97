"""The gallery's cards: the model card and the "Looking for another model?" call to action."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry.components.badges import (
    availability_dot,
    default_star,
    featured_badge,
    hidden_badge,
    premium_badge,
    tag,
)

CARD = (
    "group flex h-full flex-col overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm "
    "transition hover:border-indigo-300 hover:shadow-md focus-visible:outline-2 "
    "focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
)
# 5:2, the aspect ratio the local models' thumbnails are drawn in (local/thumbnails.py): nothing is cropped.
THUMB = "relative aspect-[5/2] w-full shrink-0 overflow-hidden bg-slate-100"


def no_example(icon) -> rx.Component:
    """The honest state of a model without a real example output: its category icon, no fake art."""
    return rx.el.div(
        rx.match(
            icon,
            ("image", rx.icon("image", size=28)),
            ("clapperboard", rx.icon("clapperboard", size=28)),
            ("audio-lines", rx.icon("audio-lines", size=28)),
            ("message-square-code", rx.icon("message-square-code", size=28)),
            ("waypoints", rx.icon("waypoints", size=28)),
            rx.icon("box", size=28),
        ),
        rx.el.span("No example yet", class_name="text-xs font-medium"),
        data_testid="no-example",
        class_name="absolute inset-0 flex flex-col items-center justify-center gap-1 text-slate-600",
    )


# Cards in the first row (up to four columns) are on the first screen: their images load first.
FIRST_ROW = 4


def video_still(card) -> rx.Component:
    """The first frame of a pinned video example, under its video (phones never preload video)."""
    return rx.cond(
        card.thumb_still != "",
        rx.el.img(
            src=card.thumb_still,
            alt="",
            loading="lazy",
            decoding="async",
            custom_attrs={"width": "500", "height": "200"},
            data_testid="card-video-still",
            class_name="absolute inset-0 h-full w-full object-cover",
        ),
    )


def card_video(card, hide_on_error: dict) -> rx.Component:
    return rx.el.video(
        src=card.thumb_url,
        poster=card.thumb_still,
        muted=True,
        loop=True,
        plays_inline=True,
        preload="metadata",
        aria_label=card.thumb_alt,
        custom_attrs=hide_on_error,
        data_testid="card-video",
        class_name="absolute inset-0 h-full w-full object-cover",
    )


def thumbnail(card, index=None) -> rx.Component:
    # A thumbnail that cannot load (offline, gone) steps aside for the honest "no example" state;
    # errors before hydration are caught by THUMBNAIL_FALLBACK_SCRIPT in the page head.
    # React reuses the element for the next card in a new list (a search), so a load shows it again.
    hide_on_error = {
        "onError": rx.Var(_js_expr="((e) => { e.currentTarget.style.display = 'none'; })"),
        "onLoad": rx.Var(_js_expr="((e) => { e.currentTarget.style.display = ''; })"),
        "onLoadedData": rx.Var(_js_expr="((e) => { e.currentTarget.style.display = ''; })"),
        "data-thumb": "1",
    }
    return rx.el.div(
        no_example(card.icon),
        rx.match(
            card.thumb_kind,
            (
                "image",
                rx.el.img(
                    src=card.thumb_url,
                    alt=card.thumb_alt,
                    loading="lazy" if index is None else rx.cond(index < FIRST_ROW, "eager", "lazy"),
                    decoding="async",
                    custom_attrs={
                        **hide_on_error,
                        # Intrinsic size (5:2) so the browser knows the box before the image arrives.
                        "width": "500",
                        "height": "200",
                        "fetchPriority": "auto" if index is None else rx.cond(index < FIRST_ROW, "high", "auto"),
                    },
                    class_name="absolute inset-0 h-full w-full object-cover text-transparent",
                ),
            ),
            (
                "video",
                # A still (its first frame) until the pointer is over the card: then it plays, muted.
                rx.fragment(video_still(card), card_video(card, hide_on_error)),
            ),
            rx.fragment(),
        ),
        rx.el.div(
            featured_badge(card.is_featured),
            default_star(card.is_default),
            premium_badge(card.is_premium),
            hidden_badge(card.is_hidden),
            availability_dot(card.availability, card.availability_note),
            class_name="absolute left-2 top-2 flex items-center gap-1.5",
        ),
        class_name=THUMB,
    )


# The card (the link around the video) starts and stops its video: hovering anywhere on the card, or
# focusing it from the keyboard, plays it (muted); leaving stops it.
_PLAY = (
    "((e) => { const v = e.currentTarget.querySelector('video');"
    " if (v) { const p = v.play(); if (p) p.catch(() => {}); } })"
)
_PAUSE = "((e) => { const v = e.currentTarget.querySelector('video'); if (v) v.pause(); })"
HOVER_PLAY = {
    "onMouseEnter": rx.Var(_js_expr=_PLAY),
    "onMouseLeave": rx.Var(_js_expr=_PAUSE),
    "onFocus": rx.Var(_js_expr=_PLAY),
    "onBlur": rx.Var(_js_expr=_PAUSE),
}

THUMBNAIL_FALLBACK_SCRIPT = (
    "document.addEventListener('error', function (e) {"
    " var t = e.target; if (t && t.dataset && t.dataset.thumb) { t.style.display = 'none'; } }, true);"
)


def price_line(card) -> rx.Component:
    """The price, and on hover (or when the card has keyboard focus) where it comes from and when it
    was synced (issue 15). The source is also the line's accessible description."""
    return rx.el.div(
        rx.el.p(card.price, data_testid="card-price", title=card.price_source,
                class_name="text-sm font-medium text-slate-800"),
        rx.el.span(
            card.price_source,
            data_testid="card-price-source",
            role="tooltip",
            class_name="pointer-events-none invisible absolute bottom-full left-0 z-10 mb-1 w-64 rounded-md "
            "bg-slate-900 px-2 py-1 text-xs text-white shadow-lg group-focus-visible:visible",
        ),
        # A plain :hover (not Tailwind's hover variant, which only applies where `(hover: hover)` matches).
        class_name="relative [&:hover>span]:visible",
    )


def model_card(card, index=None) -> rx.Component:
    """A real link to the model's page: click, middle-click and Enter all work. `index`: its place in
    the grid, so the first row's images load eagerly and first."""
    return ReactRouterLink.create(
        thumbnail(card, index),
        rx.el.div(
            rx.el.div(
                rx.el.h3(card.name, class_name="text-base font-semibold leading-snug text-slate-900"),
                rx.el.p(card.provider, class_name="text-xs font-medium text-slate-600"),
                class_name="flex flex-col gap-0.5",
            ),
            rx.el.p(card.description, class_name="line-clamp-3 text-sm text-slate-700"),
            rx.el.div(rx.foreach(card.capabilities, tag), class_name="mt-auto flex flex-wrap gap-1 pt-1"),
            price_line(card),
            class_name="flex flex-1 flex-col gap-2 p-4",
        ),
        to=card.href,
        custom_attrs=HOVER_PLAY,
        data_testid="model-card",
        data_slug=card.slug,
        class_name=CARD,
    )


def request_model_card(href: str) -> rx.Component:
    """The first card: where to ask for a model the registry lacks."""
    return rx.el.a(
        rx.el.div(
            rx.icon("circle-plus", size=28, class_name="text-indigo-600"),
            rx.el.h3("Looking for another model?", class_name="text-base font-semibold text-slate-900"),
            rx.el.p(
                "Tell us which model your team needs and we will add it to the registry.",
                class_name="text-sm text-slate-700",
            ),
            rx.el.span("Request a model →", class_name="text-sm font-medium text-indigo-700"),
            rx.el.span("(opens in a new tab)", class_name="sr-only"),
            class_name="flex flex-col items-center justify-center gap-2 p-6 text-center",
        ),
        href=href,
        target="_blank",
        rel="noopener noreferrer",
        data_testid="request-model-card",
        # As tall as a model card where cards sit side by side; compact on a phone, so the first
        # model shows on the first screen.
        class_name="flex h-full items-center justify-center rounded-xl border-2 border-dashed md:min-h-[18rem] "
        "border-slate-300 bg-white/60 hover:border-indigo-400 focus-visible:outline-2 "
        "focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
    )
