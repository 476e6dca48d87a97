"""`GET /v1/models`, one model, CONTRACT.md's model lists and `/v1/multimodal/health`: no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ai_registry.local.catalog import local_models, release_time
from ai_registry.local.engine import LocalEngine
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute
from ai_registry.local.routers.model_calls import EngineGetter
from ai_registry.local.runtime import ModelRunner


def _model_entries(engine: LocalEngine) -> list[dict[str, Any]]:
    # Cheap on purpose (no readmes, no file sizes): clients poll this list.
    return [
        {
            "id": runner.model_id,
            "object": "model",
            "created": release_time(runner.model_id) or 0,
            "owned_by": "local",
            "available": runner.status().available,
        }
        for runner in engine.runners
    ]


def build_models_router(current: EngineGetter) -> APIRouter:
    """These routes, errors in OpenAI's shape; `current()` gives the engine at request time."""
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])

    @router.get("/v1/models", summary="List the local models")
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": _model_entries(current())}

    @router.get("/v1/models/{model_id}", summary="One local model")
    async def get_model(model_id: str) -> dict[str, Any]:
        eng = current()
        runner = eng.runner(model_id)
        if runner is None:
            raise LocalAPIError(404, f"The model '{model_id}' does not exist.", param="model", code="model_not_found")
        return next(entry for entry in _model_entries(eng) if entry["id"] == runner.model_id)

    @router.get("/v1/public/ai-registry/models", summary="Registry cards of the local models")
    async def registry_models() -> dict[str, Any]:
        models = [m.model_dump(mode="json") for m in local_models(current())]
        return {"models": models, "total": len(models)}

    @router.get("/v1/public/embeddings/models", summary="Local embedding models")
    async def embedding_models() -> list[dict[str, Any]]:
        runner = current().embeddings
        status = runner.status()
        return [
            {
                "id": runner.model_id,
                "dimensions": runner.dimensions,
                "description": "all-MiniLM-L6-v2 (int8 ONNX) on this server: English, 384 dimensions",
                "speed": "Fast",
                "loaded": status.loaded,
                "available": status.available,
            }
        ]

    @router.get("/v1/multimodal/health", summary="Which local models can run")
    async def health() -> dict[str, Any]:
        eng = current()

        def service(*runners: ModelRunner) -> dict[str, Any]:
            statuses = [(r, r.status()) for r in runners]
            return {
                "available": any(s.available for _, s in statuses),
                "models": [r.model_id for r, s in statuses if s.available],
                "status": {r.model_id: s.note for r, s in statuses},
            }

        services = {
            "chat": service(eng.chat),
            "embeddings": service(eng.embeddings),
            "audio": service(eng.transcription, eng.speech),
        }
        healthy = all(r.status().available for r in eng.runners)
        return {"status": "healthy" if healthy else "degraded", "services": services}

    return router
