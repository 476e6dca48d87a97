"""The request layer's front door: which category builds a model's request, and the request itself.

`build_request` is what the inference client sends and what the code generators print, so the two
never disagree. Everything here is pure: no I/O, no reflex.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from ai_registry.catalog.endpoint import endpoint_path, endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.categories import FilePart, RequestSpec, fill_values, form_text
from ai_registry.categories.audio import request as audio
from ai_registry.categories.chat import request as chat
from ai_registry.categories.embedding import request as embedding
from ai_registry.categories.image import request as image
from ai_registry.categories.video import request as video

__all__ = [
    "FilePart",
    "RequestSpec",
    "build_request",
    "category_module",
    "category_name",
    "example_values",
]

# The route decides first (an audio model may sit in any category); the category is the fallback.
_BY_ROUTE: tuple[ModuleType, ...] = (chat, embedding, image, video, audio)
_BY_CATEGORY: dict[str, ModuleType] = {
    "Coding": chat,
    "Image": image,
    "Video": video,
    "Audio": audio,
    "Embedding": embedding,
}


def category_module(model: UnifiedAIModel) -> ModuleType:
    """The category request module that knows the body shape of the model's endpoint."""
    route = endpoint_route(model.endpoint)
    for module in _BY_ROUTE:
        if module.handles(route):
            return module
    return _BY_CATEGORY[model.category]


def category_name(model: UnifiedAIModel) -> str:
    """`"chat"`, `"image"`, `"video"`, `"audio"` or `"embedding"`: the package whose UI fits the model."""
    return category_module(model).__name__.split(".")[-2]


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Realistic example values for every parameter of the model (defaults first)."""
    return category_module(model).example_values(model)


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, prefix: str = "/v1") -> RequestSpec:
    """The request that runs `model` with `values` (typed form values; missing ones take examples).

    Optional values that are None or "" are dropped. A file value is an https URL or an upload
    `{"filename", "content_type", "path"}`: multipart routes carry it as a `FilePart`; JSON routes
    take a URL as is and mark an upload with a `FilePart` whose `json_path` says where its
    `data:` URI goes (the caller reads the bytes).
    """
    module = category_module(model)
    path = endpoint_path(model.endpoint, prefix)
    if model.method == "GET":
        filled = fill_values(model, values, module.example_values(model))
        query = urlencode({name: form_text(value) for name, value in filled.items()})
        return RequestSpec(method="GET", path=f"{path}?{query}" if query else path, json=None, form=None, files=[])
    return module.build_request(model, values, path=path)
