"""Developer settings at /dashboard/developer-settings: API keys, the upstream key, the JSON API."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.layout import announce_copied, page_shell
from ai_registry.components.settings_form import (
    CODE,
    DANGER_OUTLINE,
    INPUT,
    PRIMARY,
    SECONDARY,
    confirm_step,
    error_or_hint,
    field_with_action,
    notice,
    section,
)
from ai_registry.components.styles import FOCUS
from ai_registry.pages.account import account
from ai_registry.state.auth import AuthState
from ai_registry.state.developer import KEY_NAME_FIELD, UPSTREAM_FIELD, ApiKeyView, DeveloperState

# --- API keys of this app ---------------------------------------------------------------------


def create_key_form() -> rx.Component:
    invalid = DeveloperState.key_name_error != ""
    return rx.el.form(
        rx.el.label("Key name", html_for="key-name", class_name="text-sm font-medium text-slate-900"),
        field_with_action(
            rx.el.input(
                id="key-name",
                name=KEY_NAME_FIELD,
                value=DeveloperState.key_name,
                on_change=DeveloperState.set_key_name,
                placeholder="For example: CI pipeline",
                auto_complete="off",
                aria_invalid=rx.cond(invalid, "true", "false"),
                aria_describedby=rx.cond(invalid, "key-name-error", "key-name-hint"),
                data_testid="key-name-input",
                class_name=INPUT + " border-slate-300",
            ),
            error_or_hint(
                invalid,
                DeveloperState.key_name_error,
                "key-name",
                "Name it after the app or script that will use it, so you know what breaks if you revoke it.",
            ),
            rx.el.button(
                rx.icon("key-round", size=16),
                "Create key",
                type="submit",
                disabled=~DeveloperState.loaded,
                data_testid="create-key",
                class_name=PRIMARY,
            ),
        ),
        on_submit=DeveloperState.create_key,
        no_validate=True,
        data_testid="create-key-form",
        class_name="flex flex-col gap-1.5",
    )


def new_key_box() -> rx.Component:
    """The one time the full key is on screen."""
    return rx.cond(
        DeveloperState.new_key != "",
        rx.el.div(
            rx.el.div(
                rx.icon("triangle-alert", size=18, class_name="mt-0.5 shrink-0 text-amber-700"),
                rx.el.div(
                    rx.el.p(
                        "Copy your new key “",
                        DeveloperState.new_key_name,
                        "” now",
                        class_name="font-semibold text-amber-950",
                    ),
                    rx.el.p(
                        "It won't be shown again: the registry keeps only a hash of it. "
                        "If you lose it, revoke it and create another.",
                        data_testid="new-key-warning",
                        class_name="text-sm text-amber-950",
                    ),
                    class_name="flex flex-col gap-0.5",
                ),
                class_name="flex items-start gap-2",
            ),
            rx.el.div(
                rx.el.code(
                    DeveloperState.new_key,
                    data_testid="new-key-value",
                    class_name="min-w-0 flex-1 select-all break-all rounded-md border border-amber-300 bg-white "
                    "px-3 py-2 font-mono text-sm text-slate-900",
                ),
                rx.el.button(
                    rx.cond(DeveloperState.copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                    rx.cond(DeveloperState.copied, "Copied", "Copy"),
                    type="button",
                    on_click=[rx.set_clipboard(DeveloperState.new_key), DeveloperState.mark_copied, announce_copied()],
                    aria_label="Copy the new key",
                    data_testid="copy-new-key",
                    class_name=SECONDARY + " sm:self-stretch",
                ),
                class_name="flex flex-col gap-2 sm:flex-row",
            ),
            rx.el.button(
                "Done, I saved it",
                type="button",
                on_click=DeveloperState.dismiss_new_key,
                data_testid="dismiss-new-key",
                class_name=SECONDARY + " self-start",
            ),
            role="region",
            aria_label="Your new API key",
            data_testid="new-key-box",
            class_name="flex flex-col gap-3 rounded-lg border-2 border-amber-400 bg-amber-50 p-4",
        ),
    )


def key_row(key: ApiKeyView) -> rx.Component:
    confirming = DeveloperState.confirm_revoke_id == key.id
    return rx.el.li(
        rx.el.div(
            rx.el.div(
                rx.el.span(key.name, data_testid="key-name", class_name="break-all font-medium text-slate-900"),
                rx.el.code(key.prefix, data_testid="key-prefix", class_name=CODE),
                class_name="flex flex-wrap items-center gap-2",
            ),
            rx.el.p(
                "Created ",
                rx.el.span(key.created, data_testid="key-created"),
                " · Last used ",
                rx.el.span(key.last_used, data_testid="key-last-used"),
                class_name="text-xs text-slate-600",
            ),
            class_name="flex min-w-0 flex-col gap-1",
        ),
        rx.cond(
            confirming,
            confirm_step(
                "Revoke it? Anything using it stops working at once.",
                confirm=("Yes, revoke", DeveloperState.revoke_key(key.id), "confirm-revoke"),
                cancel=(DeveloperState.cancel_revoke, "cancel-revoke"),
                aria_label="Confirm revoking the key",
            ),
            rx.el.button(
                "Revoke",
                type="button",
                on_click=DeveloperState.ask_revoke(key.id),
                aria_label="Revoke " + key.name,
                data_testid="revoke-key",
                class_name=DANGER_OUTLINE,
            ),
        ),
        data_testid="api-key-row",
        data_key_id=key.id,
        class_name="flex flex-wrap items-center justify-between gap-3 py-3",
    )


def key_list() -> rx.Component:
    return rx.cond(
        DeveloperState.api_keys.length() > 0,
        rx.el.ul(
            rx.foreach(DeveloperState.api_keys, key_row),
            aria_label="Active API keys",
            data_testid="api-key-list",
            class_name="divide-y divide-slate-200 border-t border-slate-200",
        ),
        rx.el.p(
            "No API keys yet.",
            data_testid="no-api-keys",
            class_name="border-t border-slate-200 pt-3 text-sm text-slate-600",
        ),
    )


def api_keys_section() -> rx.Component:
    return section(
        "API keys",
        "Keys let scripts and tools call this registry's own API. Each key is shown once; "
        "only a hash of it is stored. Revoking a key takes effect at once.",
        create_key_form(),
        new_key_box(),
        notice(DeveloperState.key_notice, "key-notice"),
        key_list(),
        testid="api-keys",
    )


# --- The upstream (AINative) key --------------------------------------------------------------


def upstream_status() -> rx.Component:
    return rx.el.div(
        rx.match(
            DeveloperState.upstream_in_use,
            (
                "saved",
                rx.el.p(
                    rx.icon("circle-check", size=16, class_name="shrink-0 text-emerald-700"),
                    rx.el.span(
                        "In use: the key saved here (write-only: it is never shown, not even in part)",
                        rx.cond(
                            DeveloperState.upstream_from_env,
                            rx.el.span(" (it takes the place of AINATIVE_API_KEY from the server's environment)"),
                        ),
                    ),
                    class_name="flex items-start gap-2",
                ),
            ),
            (
                "environment",
                rx.el.p(
                    rx.icon("server", size=16, class_name="shrink-0 text-slate-600"),
                    rx.el.span(
                        "In use: AINATIVE_API_KEY from the server's environment. A key saved here takes its place.",
                    ),
                    class_name="flex items-start gap-2",
                ),
            ),
            rx.el.p(
                rx.icon("circle-alert", size=16, class_name="shrink-0 text-amber-700"),
                rx.el.span("No key: models of the AINative API cannot run. The local engine's models still work."),
                class_name="flex items-start gap-2",
            ),
        ),
        rx.el.p(
            "Upstream: ",
            rx.cond(
                DeveloperState.upstream_base != "",
                rx.el.code(DeveloperState.upstream_base, class_name=CODE),
                "none configured (set AINATIVE_API_BASE on the server)",
            ),
            class_name="text-xs text-slate-600",
        ),
        data_testid="upstream-status",
        data_in_use=DeveloperState.upstream_in_use,
        data_loaded=DeveloperState.loaded.to_string(),
        class_name="flex flex-col gap-1 text-sm text-slate-800",
    )


def upstream_form() -> rx.Component:
    invalid = DeveloperState.upstream_error != ""
    saved = DeveloperState.upstream_saved
    return rx.el.form(
        rx.el.label(
            rx.cond(saved, "Replace the saved key", "Save a key"),
            html_for="upstream-key",
            class_name="text-sm font-medium text-slate-900",
        ),
        field_with_action(
            # Uncontrolled on purpose: the value goes to the server on submit and never into the state.
            rx.el.input(
                id="upstream-key",
                name=UPSTREAM_FIELD,
                type="password",
                placeholder="Paste your AINative API key",
                auto_complete="new-password",
                spell_check=False,
                aria_invalid=rx.cond(invalid, "true", "false"),
                aria_describedby=rx.cond(invalid, "upstream-key-error", "upstream-key-hint"),
                data_testid="upstream-key-input",
                class_name=INPUT + " border-slate-300 font-mono",
            ),
            error_or_hint(
                invalid,
                DeveloperState.upstream_error,
                "upstream-key",
                "Kept on the server, encrypted, and never sent back to any browser, not even in part.",
            ),
            rx.el.button(
                rx.icon("save", size=16),
                rx.cond(saved, "Replace key", "Save key"),
                type="submit",
                disabled=~DeveloperState.loaded,
                data_testid="save-upstream-key",
                class_name=PRIMARY,
            ),
        ),
        on_submit=DeveloperState.save_upstream_key,
        reset_on_submit=True,
        no_validate=True,
        data_testid="upstream-key-form",
        class_name="flex flex-col gap-1.5",
    )


def upstream_removal() -> rx.Component:
    return rx.cond(
        DeveloperState.upstream_saved,
        rx.cond(
            DeveloperState.confirm_upstream_removal,
            confirm_step(
                "Remove the saved key?",
                confirm=("Yes, remove", DeveloperState.remove_upstream_key, "confirm-remove-upstream-key"),
                cancel=(DeveloperState.cancel_remove_upstream_key, "cancel-remove-upstream-key"),
                aria_label="Confirm removing the saved key",
            ),
            rx.el.button(
                rx.icon("trash-2", size=16),
                "Remove saved key",
                type="button",
                on_click=DeveloperState.ask_remove_upstream_key,
                data_testid="remove-upstream-key",
                class_name=DANGER_OUTLINE + " self-start",
            ),
        ),
    )


def upstream_section() -> rx.Component:
    return section(
        "AINative API key",
        "The key this server uses to list and run the AINative API's models for everyone using this registry.",
        upstream_status(),
        upstream_form(),
        upstream_removal(),
        notice(DeveloperState.upstream_notice, "upstream-notice"),
        rx.cond(
            DeveloperState.upstream_checking,
            rx.el.p("Checking the upstream with this key…", role="status", class_name="text-sm text-slate-700"),
            notice(DeveloperState.upstream_check, "upstream-check", ok=DeveloperState.upstream_check_ok),
        ),
        testid="upstream-key",
    )


# --- The JSON API -----------------------------------------------------------------------------


def api_link(label: str, href: str, note: str) -> rx.Component:
    return rx.el.li(
        rx.el.a(
            label,
            href=href,
            target="_blank",
            rel="noopener",
            class_name=f"font-mono text-sm font-medium text-indigo-700 hover:underline {FOCUS}",
        ),
        rx.el.span(" ", note, class_name="text-sm text-slate-700"),
    )


def registry_api_section() -> rx.Component:
    return section(
        "Machine-readable registry",
        "Every model of this registry as JSON, for tools and scripts, with one of the keys above.",
        rx.el.ul(
            api_link("GET /api/models", "/api/models", "with category, q, sort, page and per_page"),
            api_link("GET /api/models/{slug}", "/api/models/gpt-4", "one model in full"),
            api_link("GET /api/models/{slug}/readme", "/api/models/gpt-4/readme", "its readme as markdown"),
            api_link("OpenAPI", "/docs", "the interactive document (JSON at /openapi.json)"),
            class_name="flex flex-col gap-1.5",
        ),
        testid="registry-api",
    )


def developer_page() -> rx.Component:
    return page_shell(
        rx.el.div(
            rx.el.div(
                rx.el.h1("Developer settings", class_name="text-2xl font-bold tracking-tight"),
                rx.el.p(
                    "Keys for this registry's API, and the key it uses to reach the AINative API.",
                    class_name="text-sm text-slate-700",
                ),
                class_name="flex flex-col gap-1",
            ),
            api_keys_section(),
            rx.cond(AuthState.role == "admin", upstream_section()),
            registry_api_section(),
            class_name="mx-auto flex w-full max-w-3xl flex-col gap-6",
        ),
        account=account(),
    )
