"""Reflex configuration. Tailwind only: pages are built from plain elements, without Radix's CSS."""

import logging

import reflex as rx


class _StartupLines(logging.Filter):
    """Start-up lines of Reflex that mislead here: the app is started with `make run`, and the
    frontend is built with bun (from `.tools/`), which Reflex runs with `--bun`, so the Node 20 on
    these machines is enough although Reflex warns that it wants Node 22.22 (for its npm-only mode)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "of Node.js is out of date" in message:
            return False
        if "uv run reflex run" in message:
            record.msg, record.args = message.split(" Run `uv run reflex run`")[0] + " Start it with `make run`.", ()
        return True


for _name in ("reflex.reflex", "reflex.utils.js_runtimes"):
    if not any(isinstance(f, _StartupLines) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_StartupLines())

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
