"""Small marks: default star, Premium, availability, capability tags."""

from __future__ import annotations

import reflex as rx


def default_star(show) -> rx.Component:
    return rx.cond(
        show,
        rx.el.span(
            rx.icon("star", size=14, class_name="fill-amber-400 text-amber-500"),
            rx.el.span("Default", class_name="sr-only"),
            title="Default model in its category",
            data_testid="default-star",
            class_name="inline-flex items-center rounded-full bg-white/90 p-1 shadow-sm",
        ),
    )


def premium_badge(show) -> rx.Component:
    return rx.cond(
        show,
        rx.el.span(
            "Premium",
            data_testid="premium-badge",
            title="Requires the premium tier",
            class_name="rounded-full bg-violet-700 px-2 py-0.5 text-xs font-semibold text-white",
        ),
    )


def hidden_badge(show) -> rx.Component:
    """Admins only ever see it: the curation hides this model from everyone else."""
    return rx.cond(
        show,
        rx.el.span(
            rx.icon("eye-off", size=12),
            "Hidden",
            data_testid="hidden-badge",
            title="Hidden from members and viewers by curation",
            class_name="inline-flex items-center gap-1 rounded-full bg-slate-800 px-2 py-0.5 text-xs font-semibold "
            "text-white",
        ),
    )


def featured_badge(show) -> rx.Component:
    return rx.cond(
        show,
        rx.el.span(
            rx.icon("pin", size=12),
            rx.el.span("Featured", class_name="sr-only"),
            data_testid="featured-badge",
            title="Featured: pinned first in the gallery",
            class_name="inline-flex items-center rounded-full bg-white/90 p-1 text-indigo-700 shadow-sm",
        ),
    )


def availability_dot(availability, note) -> rx.Component:
    return rx.cond(
        availability == "down",
        rx.el.span(
            rx.el.span(class_name="h-2 w-2 rounded-full bg-red-600"),
            rx.el.span("Unavailable", class_name="text-xs font-medium text-red-800"),
            title=note,
            data_testid="availability-down",
            class_name="inline-flex items-center gap-1 rounded-full bg-white/90 px-2 py-0.5",
        ),
    )


def tag(text) -> rx.Component:
    return rx.el.span(
        text,
        class_name="rounded-md border border-slate-200 bg-slate-50 px-1.5 py-0.5 text-xs text-slate-700",
    )
