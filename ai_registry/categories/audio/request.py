"""Audio requests.

- `POST /v1/audio/transcriptions` and `/v1/audio/translations`: multipart, the audio as `file`, and
  text fields `model`, `prompt`, `temperature`, `language`, `response_format`.
- `POST /v1/audio/speech`: JSON `{input, voice, model, response_format, speed}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.categories import (
    EXAMPLE_AUDIO_FILE,
    FilePart,
    RequestSpec,
    examples_for,
    file_parameters,
    file_part,
    fill_values,
    form_text,
    model_name,
    take,
)

EXAMPLE_SPEECH = "Your export is ready. You can download it from the reports page."
EXAMPLES: dict[str, Any] = {
    "file": EXAMPLE_AUDIO_FILE,
    "input": EXAMPLE_SPEECH,
    "text": EXAMPLE_SPEECH,
    "voice": "alloy",
    # Whisper's prompt steers spelling and style: a short list of the words to expect.
    "prompt": "AI Model Registry, Whisper, API keys, playground.",
    "language": "en",
}


def handles(route: str) -> bool:
    """True for the `/audio/...` routes."""
    return route.startswith("/audio/") or "/audio/" in route


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Example values for every parameter: an audio file name to attach, or a sentence to speak."""
    return examples_for(model, EXAMPLES)


def is_upload_route(model: UnifiedAIModel) -> bool:
    """True when the model takes an audio file (multipart) rather than text (JSON)."""
    route = endpoint_route(model.endpoint).rstrip("/")
    if route.endswith(("/audio/transcriptions", "/audio/translations")):
        return True
    if route.endswith("/audio/speech"):
        return False
    return bool(file_parameters(model))


def _upload_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    filled = fill_values(model, values, example_values(model))
    files: list[FilePart] = []
    declared = file_parameters(model)
    for param in declared:
        value = filled.pop(param.name, None)
        if value is not None:
            files.append(file_part(param.name, value, default_filename=EXAMPLE_AUDIO_FILE))
    if not declared:
        # The route needs a file even when the catalog forgot to declare it.
        value = values.get("file") or EXAMPLE_AUDIO_FILE
        files.append(file_part("file", value, default_filename=EXAMPLE_AUDIO_FILE))
    form = {"model": form_text(take(filled, "model") or model_name(model))}
    form.update({name: form_text(value) for name, value in filled.items()})
    return RequestSpec(
        method=model.method,
        path=path,
        json=None,
        form=form,
        files=files,
        output="text",
        timeout_s=120.0,
    )


def _speech_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    filled = fill_values(model, values, example_values(model))
    text = take(filled, "input", "text")
    body: dict[str, Any] = {"input": text if text is not None else EXAMPLE_SPEECH, **filled}
    body.setdefault("model", model_name(model))
    return RequestSpec(
        method=model.method,
        path=path,
        json=body,
        form=None,
        files=[],
        output="audio",
        timeout_s=120.0,
    )


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
    """A multipart upload for speech-to-text, a JSON body for text-to-speech."""
    if is_upload_route(model):
        return _upload_request(model, values, path=path)
    return _speech_request(model, values, path=path)
