"""`/api/models`, `/api/models/{slug}` and `/api/models/{slug}/readme`: the catalog for tools and scripts.

Every route needs one of this server's API keys (Developer settings), as `Authorization: Bearer`
or `X-API-Key`; the OpenAPI document itself stays public.

Filtering, search and sorting are the gallery's own (`CatalogIndex`), so the API and the page
always agree; bad `category` and `sort` values fall back to the defaults exactly as in the gallery.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from ai_registry.aggregator.runtime import catalog_index, find_model, refresh_catalog
from ai_registry.catalog.models import CATEGORIES, UnifiedAIModel
from ai_registry.catalog.query import (
    SORT_ORDERS,
    SortOrder,
    parse_category,
    parse_query,
    parse_sort,
)
from ai_registry.local.auth import api_key_from_headers
from ai_registry.local.json_guard import UnsafeInput, check_text_fields
from ai_registry.store.api_keys import ROLES_WITH_KEYS, authenticate_api_key

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


class ModelSummary(UnifiedAIModel):
    """A model as the list returns it: every field but the readme (`GET /api/models/{slug}/readme`)."""

    readme: SkipJsonSchema[None] = Field(default=None, exclude=True)


class ModelPage(BaseModel):
    """One page of models, with the choices the server actually applied."""

    models: list[ModelSummary]
    total: int = Field(description="How many models match, over all pages.")
    page: int
    per_page: int
    category: str = Field(description=f"The category applied: one of {', '.join(CATEGORIES)}.")
    sort: SortOrder
    q: str = Field(description="The search applied (whitespace collapsed, at most 200 characters).")


class ErrorDetail(BaseModel):
    detail: str


class MarkdownResponse(PlainTextResponse):
    media_type = "text/markdown"


NOT_FOUND = {404: {"model": ErrorDetail, "description": "No model has this slug."}}
BAD_TEXT = {400: {"model": ErrorDetail, "description": "A parameter holds a NUL character or invalid Unicode."}}
UNAUTHORIZED = {401: {"model": ErrorDetail, "description": "No API key, or a wrong or revoked one."}}


async def require_registry_key(request: Request) -> None:
    """A key created in Developer settings, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    key = api_key_from_headers(request.headers)
    if not key:
        raise HTTPException(
            401,
            "Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
            "(create one in Developer settings).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    identity = await asyncio.to_thread(authenticate_api_key, key)  # a database lookup, off the event loop
    if identity is None or identity.owner_role not in ROLES_WITH_KEYS:
        raise HTTPException(401, "Incorrect or revoked API key.", headers={"WWW-Authenticate": "Bearer"})
    # Models the curation hides are listed for an admin's key only.
    request.state.sees_hidden = identity.owner_role == "admin"


def _sees_hidden(request: Request) -> bool:
    return bool(getattr(request.state, "sees_hidden", False))


async def refuse_unsafe_text(request: Request) -> None:
    """400 naming the parameter when a query or path value holds NUL or a lone surrogate (the shared guard)."""
    try:
        check_text_fields([*request.query_params.multi_items(), *request.path_params.items()])
    except UnsafeInput as exc:
        raise HTTPException(400, exc.message) from exc


async def _model_or_404(slug: str, request: Request) -> UnifiedAIModel:
    await refresh_catalog()
    model = find_model(slug)
    if model is None or (model.hidden and not _sees_hidden(request)):
        raise HTTPException(status_code=404, detail=f"No model with the slug {slug!r}.")
    return model


def build_registry_router() -> APIRouter:
    """The registry's read-only routes; each needs an API key and follows the catalog's refresh TTL."""
    router = APIRouter(
        prefix="/api", tags=["registry"], dependencies=[Depends(require_registry_key), Depends(refuse_unsafe_text)],
        responses={**UNAUTHORIZED, **BAD_TEXT},
    )

    @router.get("/models", response_model=ModelPage, summary="List models")
    async def list_models(
        request: Request,
        category: Annotated[
            str | None,
            Query(description=f"One of {', '.join(CATEGORIES)} (any case); anything else means All."),
        ] = None,
        q: Annotated[
            str | None,
            Query(description="Words that must all occur in the name, id, provider, description or capabilities."),
        ] = None,
        sort: Annotated[
            str | None,
            Query(description=f"One of {', '.join(SORT_ORDERS)}; anything else means newest."),
        ] = None,
        page: Annotated[int, Query(ge=1, description="Page number, from 1.")] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Models per page.")] = DEFAULT_PER_PAGE,
    ) -> ModelPage:
        """Models of a category matching a search, sorted and paged, as the gallery shows them."""
        await refresh_catalog()
        chosen_category, chosen_sort = parse_category(category), parse_sort(sort)
        chosen_q = parse_query(q)
        models = catalog_index().query(
            category=chosen_category, q=chosen_q, sort=chosen_sort, include_hidden=_sees_hidden(request)
        )
        start = (page - 1) * per_page
        shown = models[start : start + per_page]
        return ModelPage(
            models=[ModelSummary.model_validate(m.model_dump(exclude={"readme"})) for m in shown],
            total=len(models),
            page=page,
            per_page=per_page,
            category=chosen_category,
            sort=chosen_sort,
            q=chosen_q,
        )

    @router.get("/models/{slug}", response_model=UnifiedAIModel, responses=NOT_FOUND, summary="Get a model")
    async def get_model(slug: str, request: Request) -> UnifiedAIModel:
        """Everything the registry knows about one model, its readme included."""
        return await _model_or_404(slug, request)

    @router.get(
        "/models/{slug}/readme",
        response_class=MarkdownResponse,
        responses={
            200: {
                "description": "The readme as markdown.",
                "content": {"text/markdown": {"schema": {"type": "string"}}},
            },
            404: {
                "description": "No model has this slug, or it has no readme.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
            },
        },
        summary="Get a model's readme",
    )
    async def get_readme(slug: str, request: Request) -> MarkdownResponse:
        """The model's readme, as markdown (404 when the model has none)."""
        model = await _model_or_404(slug, request)
        if not model.readme:
            raise HTTPException(status_code=404, detail=f"The model {slug!r} has no readme.")
        return MarkdownResponse(model.readme)

    return router
