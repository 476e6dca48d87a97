"""Image models: `POST /v1/multimodal/image` with `{prompt, width, height, style?}`; a PNG comes back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.answers import base64_media_javascript, base64_media_python, media_output
from ai_registry.kinds.base import Answer, FilePart, Kind, KindOutput, OutputKind, RequestSpec
from ai_registry.kinds.values import EXAMPLE_IMAGE_URL, examples_for, file_part, fill_values, is_url

EXAMPLES: dict[str, Any] = {
    "prompt": "a lighthouse on a basalt cliff at dusk, warm window light, long exposure sea",
    "width": 1024,
    "height": 1024,
    "image": EXAMPLE_IMAGE_URL,
    "image_url": EXAMPLE_IMAGE_URL,
}
# Sizes the playground offers as one-click presets: (label, width, height).
PRESETS: tuple[tuple[str, int, int], ...] = (
    ("512 × 512", 512, 512),
    ("1024 × 1024", 1024, 1024),
    ("1024 × 768", 1024, 768),
    ("768 × 1024", 768, 1024),
    ("1536 × 1024", 1536, 1024),
    ("2048 × 2048", 2048, 2048),
)


class ImageKind(Kind):
    name = "image"
    output = OutputKind.IMAGE
    categories = ("Image",)
    expected_seconds = 10.0
    shared_inputs = (("prompt", ("prompt",)), ("image", ("image", "image_url")))

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        width, height = values.get("width"), values.get("height")
        return f"1 image, {width} × {height}" if width and height else "1 image"

    def handles(self, route: str) -> bool:
        return route.rstrip("/").endswith("/multimodal/image")

    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        return examples_for(model, EXAMPLES)

    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """A flat JSON body of the model's parameters; an empty optional `style` is left out."""
        body = fill_values(model, values, self.example_values(model))
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
            output=OutputKind.IMAGE,
            timeout_s=120.0,
        )

    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        return media_output(answer, OutputKind.IMAGE)

    def python_result(self, spec: RequestSpec) -> list[str]:
        return base64_media_python("image", "png")

    def javascript_result(self, spec: RequestSpec) -> list[str]:
        return base64_media_javascript("image", "png")
