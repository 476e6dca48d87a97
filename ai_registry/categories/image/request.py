"""Image requests: `POST /v1/multimodal/image` with `{prompt, width, height, style?}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.categories import (
    EXAMPLE_IMAGE_URL,
    FilePart,
    RequestSpec,
    examples_for,
    file_part,
    fill_values,
    is_url,
)

EXAMPLES: dict[str, Any] = {
    "prompt": "a lighthouse on a basalt cliff at dusk, warm window light, long exposure sea",
    "width": 1024,
    "height": 1024,
    "image": EXAMPLE_IMAGE_URL,
    "image_url": EXAMPLE_IMAGE_URL,
}


def handles(route: str) -> bool:
    """True for the multimodal image route."""
    return route.rstrip("/").endswith("/multimodal/image")


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Example values for every parameter of an image model."""
    return examples_for(model, EXAMPLES)


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    """A flat JSON body of the model's parameters; an empty optional `style` is left out."""
    body = fill_values(model, values, example_values(model))
    files: list[FilePart] = []
    # An image to edit: a URL goes in as is, an upload is put in by the caller as a data: URI.
    for param in model.parameters:
        value = body.get(param.name)
        if param.type == "file" and value is not None and not is_url(value):
            part = file_part(param.name, value, default_filename="image.png", json_path=(param.name,))
            body[param.name] = part.placeholder_url
            files.append(part)
    return RequestSpec(
        method=model.method,
        path=path,
        json=body,
        form=None,
        files=files,
        output="image",
        timeout_s=120.0,
    )
