"""Endpoint paths: the catalog writes them with the docs' `/v1`; deployments may serve `/api/v1`."""

from __future__ import annotations

# Version prefixes an endpoint may carry in the catalog or from an upstream, longest first.
_KNOWN_PREFIXES = ("/api/v1", "/v1")


def normalize_prefix(prefix: str) -> str:
    """`"api/v1/"` -> `"/api/v1"`; an empty or `"/"` prefix -> `""`."""
    stripped = prefix.strip().strip("/")
    return f"/{stripped}" if stripped else ""


def endpoint_route(endpoint: str) -> str:
    """The endpoint without its version prefix: `/v1/audio/speech` -> `/audio/speech`."""
    path = "/" + endpoint.strip().lstrip("/")
    for known in _KNOWN_PREFIXES:
        if path == known:
            return "/"
        if path.startswith(known + "/"):
            return path[len(known) :]
    return path


def endpoint_path(endpoint: str, prefix: str = "/v1") -> str:
    """The path to call: a leading `/v1` (or `/api/v1`) replaced by the configured prefix.

    `endpoint_path("/v1/multimodal/image", "/api/v1")` is `"/api/v1/multimodal/image"`. An endpoint
    without a version prefix (a provider's own route) is returned unchanged, and so is an absolute
    URL.
    """
    endpoint = endpoint.strip()
    if endpoint.startswith(("http://", "https://")):
        return endpoint
    path = "/" + endpoint.lstrip("/")
    route = endpoint_route(path)
    if route == path:
        return path
    if route == "/":
        return normalize_prefix(prefix) or "/"
    return normalize_prefix(prefix) + route
