"""The HTTP routes mounted beside Reflex's own: the root redirect, the JSON API, the local engine."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from ai_registry import routes
from ai_registry.api import build_registry_router

log = logging.getLogger(__name__)


def build_backend() -> FastAPI:
    """The FastAPI app Reflex serves through `api_transformer` (its OpenAPI document included)."""
    app = FastAPI(
        title="AI Model Registry API",
        version="0.1.0",
        description="The registry's models as JSON, and the embedded local engine (OpenAI-compatible).",
    )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(routes.BROWSE, status_code=307)

    app.include_router(build_registry_router())

    try:
        from ai_registry.local.api import build_local_router
    except ImportError as exc:  # the engine is optional; the gallery works without it
        log.warning("local engine routes not mounted: %s", exc)
    else:
        app.include_router(build_local_router())
    return app
