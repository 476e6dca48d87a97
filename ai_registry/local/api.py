"""The local engine's OpenAI-compatible HTTP API, as a FastAPI router for the app's backend.

Routes: `GET /v1/models`, `POST /v1/chat/completions` (JSON or server-sent events),
`POST /v1/embeddings`, `POST /v1/audio/transcriptions`, `POST /v1/audio/speech`, and CONTRACT.md's
`GET /v1/public/embeddings/models`, `GET /v1/public/ai-registry/models`, `GET /v1/multimodal/health`
and `POST /v1/public/{project_id}/embeddings/generate`. The model lists and health answer without
a key; every other route needs one. Every model call runs in that model's worker thread.
"""

from __future__ import annotations

from fastapi import APIRouter

from ai_registry.local.config import get_local_settings
from ai_registry.local.engine import LocalEngine, get_engine
from ai_registry.local.routers.audio import build_audio_router
from ai_registry.local.routers.chat import build_chat_router
from ai_registry.local.routers.embeddings import build_embeddings_router
from ai_registry.local.routers.model_calls import resolve_model, run_model, to_error_body
from ai_registry.local.routers.models import build_models_router

__all__ = ["build_local_router", "resolve_model", "run_model", "to_error_body"]


def build_local_router(engine: LocalEngine | None = None, *, skip: frozenset[str] = frozenset()) -> APIRouter:
    """The local engine's routes. Mount with `app.include_router(build_local_router())`.

    `engine` defaults to the process-wide one; tests pass their own. Routes whose path is in `skip`
    are left out (the app's gateway serves those paths itself and calls the engine in-process).
    """

    def current() -> LocalEngine:
        return engine or get_engine()

    router = APIRouter()
    for part in (
        build_models_router(current),
        build_chat_router(current, engine.settings if engine is not None else get_local_settings()),
        build_embeddings_router(current),
        build_audio_router(current),
    ):
        part.routes[:] = [route for route in part.routes if getattr(route, "path", None) not in skip]
        router.include_router(part)
    return router
