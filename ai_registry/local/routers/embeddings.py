"""`POST /v1/embeddings` and CONTRACT.md's `POST /v1/public/{project_id}/embeddings/generate`."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from ai_registry.local import responses
from ai_registry.local.auth import require_api_key
from ai_registry.local.bodies import read_json_model
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute
from ai_registry.local.routers.model_calls import EngineGetter, resolve_model, run_model
from ai_registry.local.schemas import (
    EmbeddingGenerateRequest,
    EmbeddingRequest,
    openapi_json_body,
)


def build_embeddings_router(current: EngineGetter) -> APIRouter:
    """These routes, errors in OpenAI's shape; `current()` gives the engine at request time."""
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])
    authorized = [Depends(require_api_key)]

    @router.post(
        "/v1/embeddings",
        dependencies=authorized,
        summary="Embed texts",
        openapi_extra=openapi_json_body(EmbeddingRequest),
    )
    async def embeddings(request: Request) -> Response:
        eng = current()
        body = await read_json_model(
            request, EmbeddingRequest, eng.settings.max_json_body_bytes, context={"limits": eng.settings}
        )
        runner = resolve_model(eng, body.model, eng.embeddings)
        texts = body.texts()
        if body.dimensions is not None and body.dimensions != runner.dimensions:
            raise LocalAPIError(
                400,
                f"This model makes {runner.dimensions}-dimensional vectors only.",
                param="dimensions",
                code="invalid_value",
            )
        result = await run_model(runner, runner.embed, texts, normalize=body.normalize)
        return JSONResponse(responses.embedding_list(result, runner.model_id, body.encoding_format))

    @router.post(
        "/v1/public/{project_id}/embeddings/generate",
        dependencies=authorized,
        summary="Embed texts (the upstream contract's route)",
        openapi_extra=openapi_json_body(EmbeddingGenerateRequest),
    )
    async def embeddings_generate(project_id: str, request: Request) -> Response:
        eng = current()
        body = await read_json_model(
            request, EmbeddingGenerateRequest, eng.settings.max_json_body_bytes, context={"limits": eng.settings}
        )
        runner = resolve_model(eng, body.model, eng.embeddings)
        texts = body.texts
        started = time.perf_counter()
        result = await run_model(runner, runner.embed, texts, normalize=body.normalize)
        return JSONResponse(
            {
                "embeddings": result.vectors.astype("float64").round(7).tolist(),
                "model": runner.model_id,
                "dimensions": int(result.vectors.shape[1]),
                "count": len(texts),
                "processing_time_ms": round((time.perf_counter() - started) * 1000, 2),
                "project_id": project_id,
            }
        )

    return router
