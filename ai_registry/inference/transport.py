"""Which HTTP client a run talks through: the embedded engine in this process, or the upstream over httpx.

One factory for both paths, injectable: a test hands in an `httpx.MockTransport` for the local path,
the remote path, or the web (files fetched by URL) and the run code does not change.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference.local_transport import InProcessTransport, local_engine_app
from ai_registry.settings import get_settings

LOCAL_BASE_URL = "http://local-engine"
LOCAL_PREFIX = "/v1"


def is_local(model: UnifiedAIModel) -> bool:
    """True for the embedded engine's models, which run in this process without a key."""
    return model.provider == "Local" or "local" in model.sources


class EngineUnavailable(RuntimeError):
    """The embedded engine cannot be loaded (its optional packages or model files are missing)."""


@dataclass
class TransportFactory:
    """Transports by path; None means the real one (the in-process engine, or the network)."""

    local: httpx.AsyncBaseTransport | None = None
    remote: httpx.AsyncBaseTransport | None = None
    web: httpx.AsyncBaseTransport | None = None

    def prefix(self, model: UnifiedAIModel) -> str:
        """The version prefix of the model's routes: the engine's `/v1`, else the upstream's setting."""
        return LOCAL_PREFIX if is_local(model) else get_settings().api_prefix

    def url(self, model: UnifiedAIModel, path: str) -> str:
        """The absolute URL of `path` for the model's backend."""
        if path.startswith(("http://", "https://")):
            return path
        if is_local(model):
            return LOCAL_BASE_URL + path
        settings = get_settings()
        return (settings.api_base or settings.public_api_base).rstrip("/") + path

    def _local_transport(self) -> httpx.AsyncBaseTransport:
        if self.local is not None:
            return self.local
        try:
            return InProcessTransport(local_engine_app())
        except Exception as exc:  # the engine package is optional
            raise EngineUnavailable(str(exc)) from exc

    @contextlib.asynccontextmanager
    async def client_for(
        self, model: UnifiedAIModel, *, client: httpx.AsyncClient | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        """A client for the model's backend; an injected `client` serves remote models and stays open."""
        if is_local(model):
            async with httpx.AsyncClient(transport=self._local_transport(), base_url=LOCAL_BASE_URL) as owned:
                yield owned
        elif client is not None:
            yield client
        else:
            async with httpx.AsyncClient(transport=self.remote, follow_redirects=True) as owned:
                yield owned

    @contextlib.asynccontextmanager
    async def web_client(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client for files on the web (an input given by URL, an output given as a link)."""
        async with httpx.AsyncClient(transport=self.web, follow_redirects=True) as client:
            yield client


DEFAULT_TRANSPORTS = TransportFactory()
