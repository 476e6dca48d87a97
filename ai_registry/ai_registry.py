"""The Reflex app: pages registered explicitly, extra HTTP routes mounted on the same server."""

from __future__ import annotations

import asyncio
import contextlib
import os

import reflex as rx

from ai_registry import routes
from ai_registry.backend import build_backend, limit_uploads, require_sign_in_for_pages, serve_pages_without_slash
from ai_registry.boundaries import guard_origins, security_headers
from ai_registry.components.model_card import THUMBNAIL_FALLBACK_SCRIPT
from ai_registry.first_paint import serve_pages_without_preloads
from ai_registry.identity.first_admin import startup_hint
from ai_registry.inference.interrupted import interrupted_runs_on_start
from ai_registry.inference.webhooks import abandoned_api_runs_on_start
from ai_registry.pages.audit import audit_page
from ai_registry.pages.browse import browse_page
from ai_registry.pages.compare import compare_page
from ai_registry.pages.detail import detail_page
from ai_registry.pages.developer import developer_page
from ai_registry.pages.runs import runs_page
from ai_registry.pages.team import team_page
from ai_registry.pages.usage import usage_page
from ai_registry.socket_records import records_kept_clean
from ai_registry.state.audit import AuditState
from ai_registry.state.auth import AuthState
from ai_registry.state.browse import BrowseState
from ai_registry.state.compare import CompareState
from ai_registry.state.compare_picks import CompareWinsState
from ai_registry.state.detail import DetailState
from ai_registry.state.developer import DeveloperState
from ai_registry.state.examples import ExamplesState
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.runs import RunsState
from ai_registry.state.team import TeamState
from ai_registry.state.usage import UsageState

app = rx.App(
    # Applied in order, each wrapping the ones before: the security headers and the origin guard are outermost.
    api_transformer=[
        build_backend(),
        limit_uploads,
        serve_pages_without_preloads,
        serve_pages_without_slash,
        require_sign_in_for_pages,
        guard_origins,
        security_headers,
    ],
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="description", content="Find, try and integrate AI models."),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.el.script(THUMBNAIL_FALLBACK_SCRIPT),
    ],
)
# Runs in flight when a previous server process died are marked interrupted before serving.
app.register_lifespan_task(interrupted_runs_on_start)
# Runs-API runs a stopped process accepted but never started are ended too (inference/webhooks.py).
app.register_lifespan_task(abandoned_api_runs_on_start)


def _socket_instance_id() -> str | None:
    """This worker's id in Reflex's socket records (Reflex exposes no public accessor)."""
    namespace = app.event_namespace
    manager = getattr(namespace, "_token_manager", None) if namespace is not None else None
    return getattr(manager, "instance_id", None)


@contextlib.asynccontextmanager
async def socket_records_kept_clean():
    """With Redis: dead web workers' socket records are swept, so a reloaded tab keeps its session."""
    async with records_kept_clean(os.environ.get("REFLEX_REDIS_URL"), _socket_instance_id):
        yield


app.register_lifespan_task(socket_records_kept_clean)


@app.register_lifespan_task
async def tell_how_to_get_in() -> None:
    """At startup, while no administrator exists, the console says how to make the first one."""
    hint = await asyncio.to_thread(startup_hint)
    if hint:
        print(f"\n*** {hint}\n", flush=True)


def root_redirect() -> rx.Component:
    """`/` forwards to the gallery (a meta refresh before any script runs, a link for the rest)."""
    return rx.el.p(rx.el.a("Go to the model gallery", href=routes.BROWSE), class_name="p-6")


app.add_page(
    root_redirect,
    route="/",
    title="AI Model Registry",
    meta=[{"http_equiv": "refresh", "content": f"0; url={routes.BROWSE}"}],
    on_load=rx.redirect(routes.BROWSE, replace=True),
)
app.add_page(
    browse_page,
    route=routes.BROWSE,
    title="AI Models · AI Model Registry",
    on_load=[AuthState.load_session, BrowseState.on_load],
)
app.add_page(
    detail_page,
    route=routes.DETAIL,
    title=DetailState.page_title,
    on_load=[
        AuthState.load_session, DetailState.on_load, PlaygroundState.on_load, CompareWinsState.on_load,
        ExamplesState.on_load,
    ],
)
app.add_page(
    compare_page,
    route=routes.COMPARE,
    title="Compare models · AI Model Registry",
    on_load=[AuthState.load_session, CompareState.on_load],
)
app.add_page(
    runs_page,
    route=routes.RUNS,
    title=RunsState.page_title,
    on_load=[AuthState.load_session, RunsState.on_load],
)
app.add_page(
    developer_page,
    route=routes.DEVELOPER_SETTINGS,
    title="Developer settings · AI Model Registry",
    on_load=[AuthState.load_session, DeveloperState.on_load],
)
app.add_page(
    usage_page,
    route=routes.USAGE,
    title="Usage · AI Model Registry",
    on_load=[AuthState.load_session, UsageState.on_load],
)
app.add_page(
    team_page,
    route=routes.TEAM,
    title="Team · AI Model Registry",
    on_load=[AuthState.load_session, TeamState.on_load],
)
app.add_page(
    audit_page,
    route=routes.AUDIT,
    title="Audit log · AI Model Registry",
    on_load=[AuthState.load_session, AuditState.on_load],
)
