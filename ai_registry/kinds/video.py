"""Video models, one body shape per route; an MP4 comes back (CONTRACT.md: allow 180 s).

- `POST /v1/wan-2-2-i2v-720/run` (RunPod style): `{"input": {prompt, image, negative_prompt},
  num_inference_steps, guidance, flow_shift, seed, enable_prompt_optimization,
  enable_safety_checker, size, duration}`
- `POST /v1/multimodal/video/i2v`: `{image_url, motion_prompt, provider}`
- `POST /v1/multimodal/video/t2v`: `{prompt, duration}`
- `POST /v1/multimodal/video/cogvideox`: `{prompt, num_frames, guidance_scale, num_inference_steps}`
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.answers import base64_media_javascript, base64_media_python, media_output
from ai_registry.kinds.base import Answer, FilePart, Kind, KindOutput, OutputKind, RequestSpec
from ai_registry.kinds.values import EXAMPLE_IMAGE_URL, examples_for, file_part, fill_values, is_url, take

EXAMPLE_MOTION = (
    "cinematic shot: slow-tracking camera glides parallel to a giant white origami boat "
    "drifting down a calm river at sunrise"
)
EXAMPLES: dict[str, Any] = {
    "prompt": EXAMPLE_MOTION,
    "motion_prompt": EXAMPLE_MOTION,
    "image": EXAMPLE_IMAGE_URL,
    "image_url": EXAMPLE_IMAGE_URL,
    "negative_prompt": "blurry, low quality, distorted, watermark, static frame",
    "seed": 42,
}

# The i2v route's `provider` for models that do not declare it, by a word of their id.
_PROVIDERS = (("wan", "wan22"), ("seedance", "seedance"), ("sora", "sora2"))


def _shape(model: UnifiedAIModel) -> str:
    route = endpoint_route(model.endpoint).rstrip("/")
    if route.endswith("/run"):
        return "runpod"
    for shape in ("i2v", "t2v", "cogvideox"):
        if route.endswith(f"/multimodal/video/{shape}"):
            return shape
    return "flat"


def _provider(model: UnifiedAIModel) -> str | None:
    key = f"{model.id} {model.slug}".lower()
    return next((provider for word, provider in _PROVIDERS if word in key), None)


def _image_field(model: UnifiedAIModel) -> str:
    names = [p.name for p in model.parameters if p.name in ("image", "image_url")]
    return names[0] if names else "image"


def _place_image(value: Any, field: str, json_path: tuple[str, ...], files: list[FilePart]) -> Any:
    # A URL goes in as is; an uploaded file is put in by the caller as a data: URI.
    if value is None or is_url(value):
        return value
    part = file_part(field, value, default_filename="image.png", json_path=json_path)
    files.append(part)
    return part.placeholder_url


def _without_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


class VideoKind(Kind):
    name = "video"
    output = OutputKind.VIDEO
    categories = ("Video",)
    expected_seconds = 120.0
    shared_inputs = (("prompt", ("prompt", "motion_prompt")), ("image", ("image", "image_url")))

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        response = result.get("response")
        seconds = response.get("duration_s") if isinstance(response, Mapping) else None
        seconds = seconds if isinstance(seconds, int | float) else values.get("duration")
        return f"{seconds:g} s of video" if isinstance(seconds, int | float) else "1 video"

    def handles(self, route: str) -> bool:
        """The multimodal video routes and RunPod-style `/run` routes."""
        route = route.rstrip("/")
        return "/multimodal/video/" in route + "/" or route.endswith("/run")

    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """A real motion prompt and a public https image."""
        return examples_for(model, EXAMPLES)

    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """The body the model's route expects, with every parameter it declares."""
        filled = fill_values(model, values, self.example_values(model))
        files: list[FilePart] = []
        shape = _shape(model)
        if shape == "runpod":
            prompt = take(filled, "prompt", "motion_prompt")
            image = take(filled, "image", "image_url")
            image = _place_image(image, _image_field(model), ("input", "image"), files)
            negative = take(filled, "negative_prompt")
            inputs = _without_none({"prompt": prompt, "image": image, "negative_prompt": negative})
            body: dict[str, Any] = {"input": inputs, **filled}
        elif shape == "i2v":
            image = take(filled, "image_url", "image")
            image = _place_image(image, _image_field(model), ("image_url",), files)
            motion = take(filled, "motion_prompt", "prompt")
            provider = take(filled, "provider") or _provider(model)
            head = {"image_url": image, "motion_prompt": motion, "provider": provider}
            body = {**_without_none(head), **filled}
        elif shape == "cogvideox":
            # The spec calls it `inference_steps`; the route reads `num_inference_steps`.
            body = {("num_inference_steps" if k == "inference_steps" else k): v for k, v in filled.items()}
        else:
            body = filled
            for param in model.parameters:
                if param.type == "file" and param.name in body:
                    body[param.name] = _place_image(body[param.name], param.name, (param.name,), files)
        return RequestSpec(
            method=model.method,
            path=path,
            json=body,
            form=None,
            files=files,
            output=OutputKind.VIDEO,
            timeout_s=180.0,
        )

    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        return media_output(answer, OutputKind.VIDEO)

    def python_result(self, spec: RequestSpec) -> list[str]:
        return base64_media_python("video", "mp4")

    def javascript_result(self, spec: RequestSpec) -> list[str]:
        return base64_media_javascript("video", "mp4")
