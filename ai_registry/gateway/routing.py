"""Which catalog model a gateway call is for, whether the caller may use it, and whether its body fits
the model's schema (422 naming the field, before anything is sent)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.aggregator.runtime import catalog_index, refresh_catalog
from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.gateway.caller import Caller
from ai_registry.gateway.errors import GatewayError, field_error
from ai_registry.identity.roles import role_at_least
from ai_registry.inference.validation import validate_values
from ai_registry.settings import get_settings

# The contract's model routes, without the version prefix; multipart ones take a `file` upload.
JSON_ROUTES = (
    "/chat/completions", "/embeddings", "/audio/speech", "/multimodal/image", "/multimodal/video/i2v",
    "/multimodal/video/t2v", "/multimodal/video/cogvideox", "/wan-2-2-i2v-720/run",
)  # fmt: skip
MULTIPART_ROUTES = ("/audio/transcriptions", "/audio/translations")


async def catalog_models() -> list[UnifiedAIModel]:
    """Every model of the catalog (refreshed on its TTL), those an admin's curation hides included:
    `usable` and `check_role` keep hidden models to administrators, as the gallery does."""
    await refresh_catalog()
    return catalog_index().query(category="All", q="", sort="newest", include_hidden=True)


def minimum_role(model: UnifiedAIModel) -> str:
    """The role a caller needs for `model`: premium models need `AI_REGISTRY_GATEWAY_PREMIUM_ROLE`."""
    return get_settings().gateway_premium_role if model.is_premium else "member"


def _sees(model: UnifiedAIModel, caller: Caller) -> bool:
    """Hidden models (curation) exist for administrators only, through the gateway as in the gallery."""
    return not model.hidden or (caller.role is not None and role_at_least(caller.role, "admin"))


def usable(models: list[UnifiedAIModel], caller: Caller) -> list[UnifiedAIModel]:
    return [m for m in models if _sees(m, caller) and caller.may_use(minimum_role(m))]


def _names(model: UnifiedAIModel) -> set[str]:
    return {n for n in (model.id, model.slug, model.upstream_model) if n}


def _provider_default(model: UnifiedAIModel) -> Any:
    param = model.parameter("provider")
    return param.default if param is not None else None


def pick_model(models: list[UnifiedAIModel], route: str, body: Mapping[str, Any]) -> UnifiedAIModel:
    """The model a call at `route` names in its `model` field, else the route's only model (or the one
    whose `provider` the body asks for); 404 for a model the catalog does not have."""
    here = [m for m in models if endpoint_route(m.endpoint) == route]
    requested = body.get("model")
    if requested is not None and not isinstance(requested, str):
        raise field_error("model", "Must be a model id, as GET /v1/models lists them")
    if requested:
        named = [m for m in here if requested in _names(m)]
        if named:
            return named[0]
        elsewhere = [m for m in models if requested in _names(m)]
        if elsewhere:
            raise field_error("model", f"'{requested}' is served at {elsewhere[0].endpoint}, not at /v1{route}")
        raise GatewayError(
            404, f"The model '{requested}' is not in this registry's catalog; GET /v1/models lists them."
        )
    if len(here) == 1:
        return here[0]
    provider = body.get("provider")
    chosen = [m for m in here if provider is not None and _provider_default(m) == provider]
    if len(chosen) == 1:
        return chosen[0]
    if not here:
        raise GatewayError(404, f"No model of this registry is served at /v1{route}.")
    choices = ", ".join(sorted(m.id for m in here))
    raise field_error("model", f"Name the model: one of {choices}")


def check_role(model: UnifiedAIModel, caller: Caller) -> None:
    if not _sees(model, caller):  # the same answer as for a model that does not exist
        raise GatewayError(404, f"The model '{model.id}' is not in this registry's catalog.")
    needed = minimum_role(model)
    if not caller.may_use(needed):
        raise GatewayError(403, f"'{model.id}' is a premium model; it needs the {needed} role.")


def check_body(model: UnifiedAIModel, values: Mapping[str, Any], *, skip_files: bool = False) -> None:
    """422 naming the first field the model's schema refuses (only fields sent, and required ones)."""
    flat = dict(values)
    nested = flat.get("input")
    if isinstance(nested, Mapping):  # the RunPod-style route nests its fields under `input`
        flat = {**flat, **nested}
    if not model.parameters:
        return
    checked = model.model_copy(
        update={"parameters": [p for p in model.parameters if not (skip_files and p.type == "file")]}
    )
    # Defaults fill in what was not sent, so only what the caller sent (and required fields) is judged.
    sent = {p.name: flat.get(p.name) for p in checked.parameters if p.name in flat or p.required}
    _typed, errors = validate_values(
        checked.model_copy(update={"parameters": [p for p in checked.parameters if p.name in sent]}), sent
    )
    for name, message in errors.items():
        where = ["body", "input", name] if isinstance(nested, Mapping) and name in nested else ["body", name]
        raise GatewayError(422, [{"loc": where, "msg": message, "type": "value_error"}])


def listing(models: list[UnifiedAIModel]) -> dict[str, Any]:
    """`GET /v1/models`: the contract's list shape, one entry per model the caller may use."""
    return {
        "object": "list",
        "data": [
            {
                "id": m.id,
                "object": "model",
                "created": m.created or 0,
                "owned_by": m.provider,
                "available": m.available is not False,
                "name": m.name,
                "slug": m.slug,
                "endpoint": m.endpoint,
            }
            for m in models
        ],
    }
