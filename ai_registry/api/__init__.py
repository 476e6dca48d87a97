"""The machine-readable registry: the catalog as JSON over HTTP, described by an OpenAPI document."""

from ai_registry.api.routes import build_registry_router

__all__ = ["build_registry_router"]
