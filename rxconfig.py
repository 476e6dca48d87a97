"""Reflex configuration. Tailwind only: pages are built from plain elements, without Radix's CSS."""

import reflex as rx

config = rx.Config(
    app_name="ai_registry",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[rx.plugins.TailwindV4Plugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # No CORS at all: pages and their websocket are same-origin, key routes serve scripts. The event
    # socket's origins are checked by ai_registry.boundaries.guard_origins instead (see its docstring).
    cors_allowed_origins=[],
)
