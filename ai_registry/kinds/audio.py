"""Audio models, two directions.

- `POST /v1/audio/transcriptions` and `/v1/audio/translations`: multipart, the audio as `file`, and
  text fields `model`, `prompt`, `temperature`, `language`, `response_format`; a transcript comes back.
- `POST /v1/audio/speech`: JSON `{input, voice, model, response_format, speed}`; audio comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.answers import media_output, require_json
from ai_registry.kinds.base import Answer, BadAnswer, FilePart, Kind, KindOutput, OutputKind, RequestSpec
from ai_registry.kinds.values import (
    EXAMPLE_AUDIO_FILE,
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
# MP4 and WebM hold audio as well as video: on a speech route they are audio.
_AUDIO_CONTAINERS = ("mp4", "webm")


def is_upload_route(model: UnifiedAIModel) -> bool:
    """True when the model takes an audio file (multipart) rather than text (JSON)."""
    route = endpoint_route(model.endpoint).rstrip("/")
    if route.endswith(("/audio/transcriptions", "/audio/translations")):
        return True
    if route.endswith("/audio/speech"):
        return False
    return bool(file_parameters(model))


def _plain_text(answer: Answer) -> bool:
    """A transcript sent as text, not as (broken) JSON."""
    text = answer.text
    return text is not None and "json" not in answer.content_type and not text.lstrip().startswith("{")


class AudioKind(Kind):
    name = "audio"
    output = OutputKind.TEXT
    categories = ("Audio",)
    expected_seconds = 5.0
    shared_inputs = (("text", ("input", "text")), ("audio", ("file",)))

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        if is_upload_route(model):
            return f"{len(str(result.get('text') or ''))} characters transcribed"
        text = values.get("input") or values.get("text") or ""
        return f"{len(str(text))} characters spoken"

    def handles(self, route: str) -> bool:
        """The `/audio/...` routes."""
        return route.startswith("/audio/") or "/audio/" in route

    def output_kind(self, model: UnifiedAIModel) -> OutputKind:
        """Speech for the speech route, a transcript otherwise."""
        return OutputKind.AUDIO if model.endpoint.rstrip("/").endswith("/speech") else OutputKind.TEXT

    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """An audio file name to attach, or a sentence to speak."""
        return examples_for(model, EXAMPLES)

    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """A multipart upload for speech-to-text, a JSON body for text-to-speech."""
        if is_upload_route(model):
            return self._upload_request(model, values, path=path)
        return self._speech_request(model, values, path=path)

    def _upload_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        filled = fill_values(model, values, self.example_values(model))
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
            output=OutputKind.TEXT,
            timeout_s=120.0,
        )

    def _speech_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        filled = fill_values(model, values, self.example_values(model))
        text = take(filled, "input", "text")
        body: dict[str, Any] = {"input": text if text is not None else EXAMPLE_SPEECH, **filled}
        body.setdefault("model", model_name(model))
        return RequestSpec(
            method=model.method,
            path=path,
            json=body,
            form=None,
            files=[],
            output=OutputKind.AUDIO,
            timeout_s=120.0,
        )

    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        if spec.output is OutputKind.AUDIO:
            output = media_output(answer, OutputKind.AUDIO)
            media = output.media
            if media is not None and media.container in _AUDIO_CONTAINERS:
                output.kind = OutputKind.AUDIO
                output.media = replace(media, content_type=f"audio/{media.container}", output=OutputKind.AUDIO)
            return output
        if _plain_text(answer):  # response_format=text, srt or vtt
            return KindOutput(
                OutputKind.TEXT, text=answer.text, response={"text": answer.text, "content_type": answer.content_type}
            )
        parsed = require_json(answer)
        text = parsed.get("text", parsed.get("transcript")) if isinstance(parsed, Mapping) else None
        if not isinstance(text, str):
            raise BadAnswer("it has no text or transcript")
        return KindOutput(OutputKind.TEXT, text=text, response=parsed)

    def python_result(self, spec: RequestSpec) -> list[str]:
        if spec.output is OutputKind.AUDIO:
            return [
                "# The speech comes back as audio bytes, or as JSON with base64 audio.",
                'if response.headers.get("content-type", "").startswith("application/json"):',
                "    result = response.json()",
                '    audio = base64.b64decode(result["audio_base64"])',
                '    extension = result.get("format", "mp3")',
                "else:",
                "    audio = response.content",
                '    extension = payload.get("response_format", "mp3")',
                'filename = f"speech.{extension}"',
                'with open(filename, "wb") as file:',
                "    file.write(audio)",
                'print("Saved", filename)',
            ]
        return [
            'if response.headers.get("content-type", "").startswith("application/json"):',
            "    result = response.json()",
            '    print(result.get("text") or result.get("transcript"))',
            "else:",
            "    print(response.text)",
        ]

    def curl_output(self, spec: RequestSpec) -> list[str]:
        """Speech is written to `speech.<format>`, not to the terminal."""
        if spec.output is not OutputKind.AUDIO:
            return []
        extension = str((spec.json or {}).get("response_format") or "mp3")
        return [f"-o speech.{extension}"]

    def javascript_result(self, spec: RequestSpec) -> list[str]:
        if spec.output is OutputKind.AUDIO:
            return [
                "// The speech comes back as audio bytes, or as JSON with base64 audio.",
                'if ((response.headers.get("content-type") ?? "").startsWith("application/json")) {',
                "  const result = await response.json();",
                '  await save(`speech.${result.format ?? "mp3"}`, fromBase64(result.audio_base64));',
                "} else {",
                '  const extension = payload.response_format ?? "mp3";',
                "  await save(`speech.${extension}`, new Uint8Array(await response.arrayBuffer()));",
                "}",
            ]
        return [
            'if ((response.headers.get("content-type") ?? "").startsWith("application/json")) {',
            "  const result = await response.json();",
            "  console.log(result.text ?? result.transcript);",
            "} else {",
            "  console.log(await response.text());",
            "}",
        ]
