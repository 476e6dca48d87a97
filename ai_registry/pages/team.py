"""Team at /dashboard/team (admins): people and roles, invite links, open sign-up."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from ai_registry import routes
from ai_registry.components.layout import announce_copied, page_shell
from ai_registry.components.settings_form import (
    CODE,
    DANGER_OUTLINE,
    INPUT,
    PRIMARY,
    SECONDARY,
    confirm_step,
    notice,
    section,
)
from ai_registry.components.styles import FOCUS
from ai_registry.identity.roles import ROLES
from ai_registry.pages.account import account
from ai_registry.state.team import DEFAULT_LIFETIME_HOURS, INVITE_LIFETIMES, InviteView, PersonView, TeamState

SELECT = f"rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 {FOCUS}"
LABEL = "text-sm font-medium text-slate-900"


def admin_tabs(current: str) -> rx.Component:
    """The two admin pages, side by side under the heading."""

    def tab(label: str, href: str) -> rx.Component:
        here = href == current
        return ReactRouterLink.create(
            label,
            to=href,
            aria_current="page" if here else None,
            class_name=(
                "rounded-md px-3 py-1.5 text-sm font-medium "
                + ("bg-indigo-700 text-white " if here else "text-slate-800 hover:bg-slate-200 ")
                + FOCUS
            ),
        )

    return rx.el.nav(
        tab("People and invites", routes.TEAM),
        tab("Audit log", routes.AUDIT),
        aria_label="Administration",
        class_name="flex flex-wrap gap-2",
    )


def page_heading(title: str, lead: str, current: str) -> rx.Component:
    return rx.el.div(
        rx.el.h1(title, class_name="text-2xl font-bold tracking-tight"),
        rx.el.p(lead, class_name="text-sm text-slate-700"),
        admin_tabs(current),
        class_name="flex flex-col gap-2",
    )


# --- People -------------------------------------------------------------------------------------


def role_select(person: PersonView) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(role, value=role) for role in ROLES],
        value=person.role,
        on_change=lambda value: TeamState.change_role(person.id, value),
        aria_label="Role of " + person.email,
        disabled=~TeamState.loaded,
        data_testid="role-select",
        class_name=SELECT,
    )


def person_actions(person: PersonView) -> rx.Component:
    return rx.cond(
        person.active,
        rx.cond(
            TeamState.confirm_disable_id == person.id,
            confirm_step(
                "Disable? They are signed out everywhere and their keys stop working.",
                confirm=("Yes, disable", TeamState.disable_user(person.id), "confirm-disable"),
                cancel=(TeamState.cancel_disable, "cancel-disable"),
                aria_label="Confirm disabling " + person.email,
            ),
            rx.el.button(
                "Disable", type="button", on_click=TeamState.ask_disable(person.id),
                aria_label="Disable " + person.email, data_testid="disable-user", class_name=DANGER_OUTLINE,
            ),
        ),
        rx.el.button(
            "Enable", type="button", on_click=TeamState.enable_user(person.id),
            aria_label="Enable " + person.email, data_testid="enable-user", class_name=SECONDARY,
        ),
    )


def person_row(person: PersonView) -> rx.Component:
    return rx.el.li(
        rx.el.div(
            rx.el.div(
                rx.el.span(person.name, class_name="font-medium text-slate-900"),
                rx.cond(
                    person.is_you, rx.el.span("you", class_name="rounded bg-indigo-50 px-1.5 text-xs text-indigo-800")
                ),
                rx.cond(
                    person.active,
                    rx.el.span("active", class_name="rounded bg-emerald-50 px-1.5 text-xs text-emerald-800"),
                    rx.el.span("disabled", class_name="rounded bg-red-50 px-1.5 text-xs text-red-800"),
                ),
                class_name="flex flex-wrap items-center gap-2",
            ),
            rx.el.span(person.email, data_testid="person-email", class_name="break-all text-sm text-slate-800"),
            rx.el.p(
                "Created ", person.created, " · Last sign-in ", person.last_sign_in,
                class_name="text-xs text-slate-600",
            ),
            class_name="flex min-w-0 flex-col gap-0.5",
        ),
        rx.el.div(role_select(person), person_actions(person), class_name="flex flex-wrap items-center gap-2"),
        data_testid="person-row",
        data_email=person.email,
        data_active=person.active.to_string(),
        class_name="flex flex-wrap items-center justify-between gap-3 py-3",
    )


def people_section() -> rx.Component:
    return section(
        "People",
        "Everyone with an account. Disabling someone signs them out everywhere and revokes their API keys at once. "
        "Passwords are reset on the server: python -m ai_registry users reset-password.",
        notice(TeamState.people_notice, "people-notice"),
        notice(TeamState.people_error, "people-error", ok=False),
        rx.el.ul(
            rx.foreach(TeamState.people, person_row),
            aria_label="People",
            data_testid="people-list",
            class_name="divide-y divide-slate-200 border-t border-slate-200",
        ),
        testid="people",
    )


# --- Invites ------------------------------------------------------------------------------------


def invite_form() -> rx.Component:
    return rx.el.form(
        rx.el.div(
            rx.el.div(
                rx.el.label("Role", html_for="invite-role", class_name=LABEL),
                rx.el.select(
                    *[rx.el.option(role, value=role) for role in ROLES],
                    id="invite-role", name="role", default_value="member", data_testid="invite-role",
                    class_name=SELECT + " py-2",
                ),
                class_name="flex flex-col gap-1.5",
            ),
            rx.el.div(
                rx.el.label("Lasts", html_for="invite-hours", class_name=LABEL),
                rx.el.select(
                    *[rx.el.option(label, value=str(hours)) for label, hours in INVITE_LIFETIMES],
                    id="invite-hours", name="hours", default_value=str(DEFAULT_LIFETIME_HOURS),
                    data_testid="invite-hours", class_name=SELECT + " py-2",
                ),
                class_name="flex flex-col gap-1.5",
            ),
            rx.el.div(
                rx.el.label("Email (optional)", html_for="invite-email", class_name=LABEL),
                rx.el.input(
                    id="invite-email", name="email", type="email", placeholder="Only this person may use it",
                    auto_complete="off", aria_invalid=rx.cond(TeamState.invite_error != "", "true", "false"),
                    aria_describedby=rx.cond(TeamState.invite_error != "", "invite-error", "invite-hint"),
                    data_testid="invite-email", class_name=INPUT + " border-slate-300",
                ),
                class_name="flex min-w-0 flex-1 flex-col gap-1.5",
            ),
            class_name="flex flex-col gap-3 sm:flex-row sm:items-end",
        ),
        rx.cond(
            TeamState.invite_error != "",
            rx.el.p(TeamState.invite_error, id="invite-error", role="alert", data_testid="invite-error",
                    class_name="text-sm font-medium text-red-800"),
            rx.el.p("Without an email, whoever opens the link first can use it, once.", id="invite-hint",
                    class_name="text-xs text-slate-600"),
        ),
        rx.el.button(
            rx.icon("link", size=16), "Create invite link", type="submit", disabled=~TeamState.loaded,
            data_testid="create-invite", class_name=PRIMARY + " self-start",
        ),
        on_submit=TeamState.create_invite,
        reset_on_submit=True,
        no_validate=True,
        data_testid="invite-form",
        class_name="flex flex-col gap-2",
    )


def new_invite_box() -> rx.Component:
    return rx.cond(
        TeamState.new_invite_link != "",
        rx.el.div(
            rx.el.p("Copy the invite link for ", TeamState.new_invite_for, " now",
                    class_name="font-semibold text-amber-950"),
            rx.el.p("It is shown only once: the registry keeps only a hash of it. Send it to the person; "
                    "it works once.", class_name="text-sm text-amber-950"),
            rx.el.div(
                rx.el.code(TeamState.new_invite_link, data_testid="new-invite-link",
                           class_name="min-w-0 flex-1 select-all break-all rounded-md border border-amber-300 "
                           "bg-white px-3 py-2 font-mono text-sm text-slate-900"),
                rx.el.button(
                    rx.cond(TeamState.copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                    rx.cond(TeamState.copied, "Copied", "Copy"),
                    type="button",
                    on_click=[rx.set_clipboard(TeamState.new_invite_link), TeamState.mark_copied, announce_copied()],
                    aria_label="Copy the invite link", data_testid="copy-invite", class_name=SECONDARY,
                ),
                class_name="flex flex-col gap-2 sm:flex-row",
            ),
            rx.el.button("Done", type="button", on_click=TeamState.dismiss_invite, data_testid="dismiss-invite",
                         class_name=SECONDARY + " self-start"),
            role="region",
            aria_label="The new invite link",
            data_testid="new-invite-box",
            class_name="flex flex-col gap-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4",
        ),
    )


def invite_row(invite: InviteView) -> rx.Component:
    return rx.el.li(
        rx.el.div(
            rx.el.div(
                rx.el.span(invite.email, class_name="break-all font-medium text-slate-900"),
                rx.el.code(invite.role, class_name=CODE),
                class_name="flex flex-wrap items-center gap-2",
            ),
            rx.el.p("By ", invite.created_by, " · Created ", invite.created, " · Expires ", invite.expires,
                    class_name="text-xs text-slate-600"),
            class_name="flex min-w-0 flex-col gap-1",
        ),
        rx.el.button(
            "Revoke", type="button", on_click=TeamState.revoke_invite(invite.id),
            aria_label="Revoke the invite for " + invite.email, data_testid="revoke-invite",
            class_name=DANGER_OUTLINE,
        ),
        data_testid="invite-row",
        class_name="flex flex-wrap items-center justify-between gap-3 py-3",
    )


def invites_section() -> rx.Component:
    return section(
        "Invites",
        "A one-time link that creates an account with the role you choose, until it expires.",
        invite_form(),
        new_invite_box(),
        notice(TeamState.invite_notice, "invite-notice"),
        rx.el.h3("Open invites", class_name="text-sm font-semibold text-slate-900"),
        rx.cond(
            TeamState.open_invites.length() > 0,
            rx.el.ul(rx.foreach(TeamState.open_invites, invite_row), aria_label="Open invites",
                     data_testid="invite-list", class_name="divide-y divide-slate-200 border-t border-slate-200"),
            rx.el.p("No open invites.", data_testid="no-invites", class_name="text-sm text-slate-600"),
        ),
        testid="invites",
    )


# --- Open sign-up -------------------------------------------------------------------------------


def signup_section() -> rx.Component:
    invalid = TeamState.signup_error != ""
    return section(
        "Open sign-up",
        "Let people with an address at your domains create their own account (as members), without an invite.",
        rx.el.form(
            rx.el.label(
                rx.el.input(type="checkbox", name="open", checked=TeamState.signup_open,
                            on_change=TeamState.set_signup_open, data_testid="signup-open",
                            class_name=f"h-4 w-4 {FOCUS}"),
                "Anyone with an address at these domains may sign up at /sign-up",
                class_name="flex items-center gap-2 text-sm text-slate-900",
            ),
            rx.el.label("Allowed email domains", html_for="signup-domains", class_name=LABEL),
            rx.el.input(
                id="signup-domains", name="domains", value=TeamState.signup_domains,
                on_change=TeamState.set_signup_domains, placeholder="example.com, example.org", auto_complete="off",
                aria_invalid=rx.cond(invalid, "true", "false"),
                aria_describedby=rx.cond(invalid, "signup-error", "signup-hint"),
                data_testid="signup-domains", class_name=INPUT + " border-slate-300",
            ),
            rx.cond(
                invalid,
                rx.el.p(TeamState.signup_error, id="signup-error", role="alert", data_testid="signup-error",
                        class_name="text-sm font-medium text-red-800"),
                rx.el.p(rx.cond(TeamState.signup_saved, "Exact domains only: example.com does not admit "
                                "a.example.com.", "Not saved here yet: AI_REGISTRY_SIGNUP_DOMAINS decides."),
                        id="signup-hint", class_name="text-xs text-slate-600"),
            ),
            rx.el.button("Save sign-up", type="submit", disabled=~TeamState.loaded, data_testid="save-signup",
                         class_name=PRIMARY + " self-start"),
            on_submit=TeamState.save_signup,
            no_validate=True,
            data_testid="signup-form",
            class_name="flex flex-col gap-2",
        ),
        notice(TeamState.signup_notice, "signup-notice"),
        testid="signup",
    )


def team_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            page_heading("Team", "Who can sign in, with which role, and how new people get in.", routes.TEAM),
            people_section(),
            invites_section(),
            signup_section(),
            data_loaded=TeamState.loaded.to_string(),
            data_testid="team-page",
            class_name="mx-auto flex w-full max-w-4xl flex-col gap-6",
        ),
        account=account(),
    )
