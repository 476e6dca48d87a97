"""Reflex configuration. Tailwind only: pages are built from plain elements, without Radix's CSS."""

import reflex as rx

config = rx.Config(
    app_name="ai_registry",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[rx.plugins.TailwindV4Plugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
