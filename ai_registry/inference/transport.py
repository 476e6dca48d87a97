"""Which HTTP client a run talks through: the embedded engine in this process, or the upstream over httpx.

One factory for both paths, injectable: a test hands in an `httpx.MockTransport` for the local path,
the remote path, or the web (files fetched by URL) and the run code does not change.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference.local_transport import InProcessTransport, local_engine_app
from ai_registry.netguard import AllowList, GuardedResponse, guarded_stream
from ai_registry.settings import get_settings

# Opens a URL through the guarded fetcher: `web(url, max_bytes, timeout_s)`.
WebFetch = Callable[[str, int, float], AbstractAsyncContextManager[GuardedResponse]]

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
    web: httpx.AsyncBaseTransport | None = None  # under the guarded fetcher, which still checks every address

    def prefix(self, model: UnifiedAIModel) -> str:
        """The version prefix of the model's routes: the engine's `/v1`, else the upstream's setting."""
        return LOCAL_PREFIX if is_local(model) else get_settings().api_prefix

    def local_base_url(self) -> str:
        """Where local models' routes live: the engine service (`AI_REGISTRY_ENGINE_URL`) or this process."""
        if self.local is None and (engine_url := get_settings().engine_url):
            return engine_url.rstrip("/")
        return LOCAL_BASE_URL

    def local_note(self) -> str:
        """How a local run reached the engine, for its request log."""
        base = self.local_base_url()
        return "in-process (local engine)" if base == LOCAL_BASE_URL else f"local engine service at {base}"

    def url(self, model: UnifiedAIModel, path: str) -> str:
        """The absolute URL of `path` for the model's backend."""
        if path.startswith(("http://", "https://")):
            return path
        if is_local(model):
            return self.local_base_url() + path
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
        if is_local(model) and (base := self.local_base_url()) != LOCAL_BASE_URL:
            # The engine as its own service: over the network, with the key it shares with the web app.
            key = get_settings().engine_key
            headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
            async with httpx.AsyncClient(base_url=base, headers=headers, trust_env=False) as owned:
                yield owned
        elif is_local(model):
            async with httpx.AsyncClient(transport=self._local_transport(), base_url=LOCAL_BASE_URL) as owned:
                yield owned
        elif client is not None:
            yield client
        else:
            async with httpx.AsyncClient(transport=self.remote, follow_redirects=True) as owned:
                yield owned

    def web_fetch(self, *, trust_upstream: bool = False) -> WebFetch:
        """How a run opens a URL: through the guarded fetcher (`netguard`), so a URL a person gives,
        or one an answer links to, never reaches a private, loopback or link-local address unless
        `AI_REGISTRY_FETCH_ALLOW_HOSTS` allows it. `trust_upstream` also allows the host of the
        admin's configured upstream (`AINATIVE_API_BASE`), for links in its own answers."""
        settings = get_settings()
        entries = settings.fetch_allow_hosts.split(",")
        if trust_upstream and settings.api_base:
            entries.append(httpx.URL(settings.api_base).host)
        allow = AllowList.parse(entries)
        web = self.web
        factory = None
        if web is not None:

            def factory() -> httpx.AsyncClient:
                return httpx.AsyncClient(transport=web, trust_env=False, follow_redirects=False)

        def open_url(url: str, max_bytes: int, timeout_s: float) -> AbstractAsyncContextManager[GuardedResponse]:
            return guarded_stream(url, max_bytes=max_bytes, timeout_s=timeout_s, allow=allow, client_factory=factory)

        return open_url


DEFAULT_TRANSPORTS = TransportFactory()
