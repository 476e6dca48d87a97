"""Embedding models; vectors come back, and the result shows how similar the texts are.

- `POST /v1/embeddings` (OpenAI style, portable): `{input, model, normalize}`.
- `POST /v1/public/{project_id}/embeddings/generate`: `{texts: [1..100], model, normalize}`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.answers import require_json
from ai_registry.kinds.base import Answer, BadAnswer, Kind, KindOutput, OutputKind, RequestSpec
from ai_registry.kinds.values import examples_for, fill_values, model_name, take

EXAMPLE_TEXTS = [
    "How do I rotate an API key?",
    "API keys can be rotated from the developer settings page.",
]
EXAMPLES: dict[str, Any] = {"input": EXAMPLE_TEXTS, "texts": EXAMPLE_TEXTS, "text": EXAMPLE_TEXTS[0]}


def cosine_matrix(vectors: list[list[float]]) -> list[list[float]]:
    """Cosine similarity of every pair of vectors, rounded to four places."""
    matrix = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = matrix / norms
    return np.round(unit @ unit.T, 4).tolist()


def decode_vector(value: Any) -> list[float] | None:
    """A vector as floats: a JSON list, or base64 little-endian float32 (`encoding_format="base64"`)."""
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        return np.frombuffer(raw, dtype="<f4").astype(float).tolist()
    if isinstance(value, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        return [float(x) for x in value]
    return None


def _raw_vectors(parsed: Any) -> list[Any]:
    if isinstance(parsed, Mapping) and isinstance(parsed.get("data"), list):
        items = sorted((d for d in parsed["data"] if isinstance(d, Mapping)), key=lambda d: d.get("index", 0))
        return [d.get("embedding") for d in items]
    if isinstance(parsed, Mapping) and isinstance(parsed.get("embeddings"), list):
        return list(parsed["embeddings"])
    return []


class EmbeddingKind(Kind):
    name = "embedding"
    output = OutputKind.EMBEDDINGS
    categories = ("Embedding",)
    expected_seconds = 1.0
    shared_inputs = (("texts", ("input", "texts")),)

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        data = result.get("data") or {}
        vectors = data.get("vectors") or []
        return f"{len(vectors)} texts × {data.get('dimensions') or 0} dimensions" if vectors else ""

    def handles(self, route: str) -> bool:
        """The OpenAI-style embeddings route and the project-scoped generate route."""
        route = route.rstrip("/")
        return route.endswith("/embeddings") or route.endswith("/embeddings/generate")

    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """Two related sentences."""
        values = examples_for(model, EXAMPLES)
        # A text parameter declared as a string gets one sentence, not a list.
        for param in model.parameters:
            if param.type == "string" and isinstance(values.get(param.name), list):
                values[param.name] = values[param.name][0]
        return values

    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """`{input, model, normalize}`, or `{texts, model, normalize}` for the generate route."""
        filled = fill_values(model, values, self.example_values(model))
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
            output=OutputKind.EMBEDDINGS,
            timeout_s=30.0,
        )

    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        """The vectors, their dimensions, the texts they embed and the cosine similarity matrix."""
        parsed = require_json(answer)
        vectors = [decode_vector(v) for v in _raw_vectors(parsed)]
        if not vectors or any(not v for v in vectors):
            raise BadAnswer("it holds no embedding vectors")
        clean = [v for v in vectors if v]
        dims = {len(v) for v in clean}
        if len(dims) != 1:
            raise BadAnswer("its vectors have different lengths")
        body = spec.json or {}
        texts = body.get("input", body.get("texts"))
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        data = {
            "vectors": clean,
            "dimensions": dims.pop(),
            "similarity": cosine_matrix(clean),
            "texts": [str(t) for t in texts],
            "model": parsed.get("model") if isinstance(parsed, Mapping) else None,
        }
        return KindOutput(OutputKind.EMBEDDINGS, data=data, response=parsed)

    def python_result(self, spec: RequestSpec) -> list[str]:
        return [
            "result = response.json()",
            '# OpenAI style: {"data": [{"embedding": [...]}]}; the generate route: {"embeddings": [...]}.',
            'if "data" in result:',
            '    vectors = [item["embedding"] for item in result["data"]]',
            "else:",
            '    vectors = result["embeddings"]',
            'print(len(vectors), "vectors of", len(vectors[0]), "dimensions")',
        ]

    def javascript_result(self, spec: RequestSpec) -> list[str]:
        return [
            "const result = await response.json();",
            "// OpenAI style: {data: [{embedding: [...]}]}; the generate route: {embeddings: [...]}.",
            "const vectors = result.data ? result.data.map((item) => item.embedding) : result.embeddings;",
            "console.log(`${vectors.length} vectors of ${vectors[0].length} dimensions`);",
        ]
