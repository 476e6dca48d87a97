"""The page shell: top bar, main column, footer."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes
from ai_registry.components.plain_form import plain_form


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


def account_menu(*, email, role, refusal, on_dismiss) -> rx.Component:
    """Who is signed in (email, role), a real sign-out form post, and the last refusal if any."""
    return rx.fragment(
        # Members and administrators call models, so they have usage; viewers do not.
        rx.cond((role == "member") | (role == "admin"), nav_link("Usage", href=routes.USAGE)),
        # Administrators only (the pages check again on the server): people, invites and the audit log.
        rx.cond(
            role == "admin",
            ReactRouterLink.create(
                rx.icon("users", size=16, aria_hidden="true", class_name="lg:hidden"),
                rx.el.span("Team", class_name="sr-only lg:not-sr-only"),
                to=routes.TEAM,
                title="Team and audit log",
                data_testid="nav-team",
                # Narrower than the other links on a phone, where the bar has no room to spare.
                class_name="whitespace-nowrap rounded-md px-1 py-2 text-sm font-medium text-slate-700 "
                "hover:bg-slate-100 sm:px-3 focus-visible:outline-2 focus-visible:outline-offset-2 "
                "focus-visible:outline-indigo-600",
            ),
        ),
        rx.el.span(
            # From lg: on a tablet the sections (Usage included) take the room; the role still shows.
            rx.el.span(email, class_name="hidden truncate lg:inline", data_testid="account-email"),
            rx.el.span(role, class_name="rounded bg-slate-100 px-1.5 py-0.5 text-xs", data_testid="account-role"),
            # On a phone only the sign-out icon fits beside the sections.
            class_name="ml-2 hidden max-w-[16rem] items-center gap-2 text-sm text-slate-600 sm:flex",
        ),
        plain_form(
            rx.el.button(
                rx.icon("log-out", size=16, aria_hidden="true"),
                rx.el.span("Sign out", class_name="sr-only lg:not-sr-only"),
                type="submit",
                title="Sign out",
                class_name="flex items-center gap-1 whitespace-nowrap rounded-md px-1.5 py-2 text-sm font-medium "
                "text-slate-700 hover:bg-slate-100 sm:px-2 focus-visible:outline-2 focus-visible:outline-indigo-600",
                data_testid="sign-out",
            ),
            action="/auth/sign-out",
            method="post",
        ),
        rx.cond(
            refusal != "",
            rx.el.div(
                rx.el.span(refusal, data_testid="refusal-text"),
                rx.el.button("Dismiss", on_click=on_dismiss, class_name="ml-3 underline"),
                role="alert",
                data_testid="refusal",
                class_name="fixed bottom-4 left-1/2 z-50 -translate-x-1/2 rounded-md bg-amber-50 px-4 py-3 text-sm "
                "text-amber-900 shadow ring-1 ring-amber-300",
            ),
        ),
    )


def page_shell(*children: rx.Component, title: str = "", account: rx.Component | None = None) -> rx.Component:
    """Every page: a top bar with the product name, the sections and who is signed in, then the content."""
    return rx.el.div(
        rx.el.header(
            # Inside the banner landmark, and a plain anchor (rx.el.a is React Router's Link), so the
            # browser itself moves to #main.
            A.create("Skip to content", href="#main", class_name="sr-only focus:not-sr-only focus:p-2"),
            rx.el.div(
                ReactRouterLink.create(
                    # Below 440 px a member's or admin's sections (Usage included) need the room: the
                    # product name becomes its icon there (the name stays for screen readers).
                    rx.icon("boxes", size=20, class_name="hidden text-indigo-600 max-[439px]:block sm:block"),
                    rx.el.span(
                        "AI Model Registry",
                        class_name="whitespace-nowrap font-semibold text-slate-900 max-[439px]:sr-only",
                    ),
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
                    account if account is not None else rx.fragment(),
                    # No gap on a phone: each link has its own padding, and an admin's bar holds one more.
                    class_name="flex items-center gap-0 sm:gap-1",
                    aria_label="Main",
                ),
                class_name="mx-auto flex max-w-[1600px] items-center justify-between gap-2 px-4 py-3 sm:gap-4 sm:px-6",
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
