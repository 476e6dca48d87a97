"""Embedding requests.

- `POST /v1/embeddings` (OpenAI style, portable): `{input, model, normalize}`.
- `POST /v1/public/{project_id}/embeddings/generate`: `{texts: [1..100], model, normalize}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.categories import RequestSpec, examples_for, fill_values, model_name, take

EXAMPLE_TEXTS = [
    "How do I rotate an API key?",
    "API keys can be rotated from the developer settings page.",
]
EXAMPLES: dict[str, Any] = {"input": EXAMPLE_TEXTS, "texts": EXAMPLE_TEXTS, "text": EXAMPLE_TEXTS[0]}


def handles(route: str) -> bool:
    """True for the OpenAI-style embeddings route and the project-scoped generate route."""
    route = route.rstrip("/")
    return route.endswith("/embeddings") or route.endswith("/embeddings/generate")


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Example values for every parameter: two related sentences."""
    values = examples_for(model, EXAMPLES)
    # A text parameter declared as a string gets one sentence, not a list.
    for param in model.parameters:
        if param.type == "string" and isinstance(values.get(param.name), list):
            values[param.name] = values[param.name][0]
    return values


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    """`{input, model, normalize}`, or `{texts, model, normalize}` for the generate route."""
    filled = fill_values(model, values, example_values(model))
    text = take(filled, "input", "texts", "text")
    if text is None:
        text = list(EXAMPLE_TEXTS)
    name = take(filled, "model") or model_name(model)
    if endpoint_route(model.endpoint).rstrip("/").endswith("/embeddings/generate"):
        body: dict[str, Any] = {"texts": [text] if isinstance(text, str) else list(text), "model": name}
    else:
        body = {"input": text, "model": name}
    body.update(filled)
    return RequestSpec(
        method=model.method,
        path=path,
        json=body,
        form=None,
        files=[],
        output="embeddings",
        timeout_s=30.0,
    )
