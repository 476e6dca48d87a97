"""The page shell: top bar, main column, footer."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes


def nav_link(*children, href: str) -> rx.Component:
    return ReactRouterLink.create(
        *children,
        to=href,
        class_name="whitespace-nowrap rounded-md px-2 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 "
        "sm:px-3 "
        "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
    )


COPY_ANNOUNCER_ID = "copy-announcer"


def announce_copied() -> rx.event.EventSpec:
    """Has the page's polite live region say "Copied to the clipboard." (after a Copy button); the
    text is emptied first so a second copy is announced again."""
    return rx.call_script(
        f"(() => {{ const region = document.getElementById('{COPY_ANNOUNCER_ID}'); if (!region) return; "
        "region.textContent = ''; setTimeout(() => { region.textContent = 'Copied to the clipboard.'; }, 100); })()"
    )


def page_shell(*children: rx.Component, title: str = "") -> rx.Component:
    """Every page: a top bar with the product name and the two sections, then the content."""
    return rx.el.div(
        rx.el.header(
            # Inside the banner landmark, and a plain anchor (rx.el.a is React Router's Link), so the
            # browser itself moves to #main.
            A.create("Skip to content", href="#main", class_name="sr-only focus:not-sr-only focus:p-2"),
            rx.el.div(
                ReactRouterLink.create(
                    rx.icon("boxes", size=20, class_name="text-indigo-600"),
                    rx.el.span("AI Model Registry", class_name="whitespace-nowrap font-semibold text-slate-900"),
                    to=routes.BROWSE,
                    class_name="flex items-center gap-2",
                ),
                rx.el.nav(
                    nav_link("Models", href=routes.BROWSE),
                    # A phone has room for one word: "Settings", not the tail of "Developer settings".
                    nav_link(
                        rx.el.span("Settings", class_name="sm:hidden"),
                        rx.el.span("Developer settings", class_name="hidden sm:inline"),
                        href=routes.DEVELOPER_SETTINGS,
                    ),
                    class_name="flex items-center gap-1",
                    aria_label="Main",
                ),
                class_name="mx-auto flex max-w-[1600px] items-center justify-between gap-4 px-4 py-3 sm:px-6",
            ),
            class_name="border-b border-slate-200 bg-white",
        ),
        rx.el.main(
            *children,
            # Written by `announce_copied` alone: React leaves the text of an element without children.
            rx.el.p(id=COPY_ANNOUNCER_ID, role="status", data_testid="copy-announcer", class_name="sr-only"),
            id="main",
            class_name="mx-auto w-full max-w-[1600px] px-4 py-6 sm:px-6",
        ),
        class_name="min-h-screen bg-slate-50 text-slate-900 antialiased",
    )
