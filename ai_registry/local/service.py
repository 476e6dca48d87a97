"""The local engine as its own service: `python -m ai_registry engine --port P`.

The same OpenAI-compatible routes the web app mounts (`local.api.build_local_router`), served by
uvicorn on their own port (127.0.0.1 unless told otherwise), so the models load once in one process
instead of in every web worker. Web apps reach it through `AI_REGISTRY_ENGINE_URL` and authenticate
with `AI_REGISTRY_ENGINE_KEY`, a secret they share with it; people and scripts use their personal
API keys as on the web app's own routes.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI

from ai_registry.local.api import build_local_router
from ai_registry.local.auth import KeyVerifier, get_key_verifier
from ai_registry.settings import get_settings
from ai_registry.store.api_keys import verify_api_key

DEFAULT_HOST = "127.0.0.1"


def engine_key_verifier(service_key: str | None) -> KeyVerifier:
    """Accepts the web apps' shared `service_key` (compared in constant time) or a personal API key."""

    def verify(key: str) -> bool:
        if service_key and hmac.compare_digest(key.encode(), service_key.encode()):
            return True
        return verify_api_key(key)  # a database read: the auth dependency runs this in a thread

    return verify


def build_engine_service() -> FastAPI:
    """The engine's FastAPI app: the local routes, with the service key accepted beside personal keys."""
    secret = get_settings().engine_key
    app = FastAPI(
        title="AI Model Registry local engine",
        description="Small real CPU models behind OpenAI-compatible routes.",
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(build_local_router())
    verifier = engine_key_verifier(secret.get_secret_value() if secret else None)
    app.dependency_overrides[get_key_verifier] = lambda: verifier
    return app


def serve_engine(*, host: str = DEFAULT_HOST, port: int) -> None:
    """Serve the engine until interrupted (Ctrl-C or SIGTERM stop it cleanly)."""
    import uvicorn

    uvicorn.run(build_engine_service(), host=host, port=port, log_level="info")
