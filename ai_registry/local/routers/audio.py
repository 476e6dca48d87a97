"""`POST /v1/audio/transcriptions` (multipart) and `POST /v1/audio/speech` (WAV)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import FormData, UploadFile

from ai_registry.local import responses
from ai_registry.local.auth import require_api_key
from ai_registry.local.bodies import read_form, read_json_model
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute
from ai_registry.local.routers.model_calls import EngineGetter, resolve_model, run_model
from ai_registry.local.schemas import (
    TRANSCRIPTION_FORM_SCHEMA,
    SpeechRequest,
    openapi_form_body,
    openapi_json_body,
)
from ai_registry.local.speech import VOICE

TRANSCRIPTION_FORMATS = ("json", "text", "verbose_json", "srt", "vtt")
MAX_TRANSCRIPTION_PROMPT_CHARS = 1000
# Room for the multipart framing and the small text fields beside the file.
MULTIPART_OVERHEAD_BYTES = 1_000_000


def _form_text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value)


@dataclass(frozen=True)
class TranscriptionOptions:
    """The text fields of a transcription request, checked."""

    response_format: str
    prompt: str | None
    temperature: float
    words: bool


def _transcription_options(form: FormData) -> TranscriptionOptions:
    language = (_form_text(form, "language") or "en").strip().lower()
    if language not in ("en", "english"):
        raise LocalAPIError(
            400,
            f"Language '{language}' is not supported: this model transcribes English ('en') only.",
            param="language",
            code="unsupported_language",
        )
    response_format = (_form_text(form, "response_format") or "json").strip()
    if response_format not in TRANSCRIPTION_FORMATS:
        raise LocalAPIError(
            400,
            f"response_format must be one of {', '.join(TRANSCRIPTION_FORMATS)}.",
            param="response_format",
            code="invalid_value",
        )
    prompt = _form_text(form, "prompt")
    if prompt and len(prompt) > MAX_TRANSCRIPTION_PROMPT_CHARS:
        raise LocalAPIError(
            400,
            f"prompt has {len(prompt):,} characters; the limit is {MAX_TRANSCRIPTION_PROMPT_CHARS:,}.",
            param="prompt",
            code="input_too_long",
        )
    try:
        temperature = float(_form_text(form, "temperature") or 0)
    except ValueError:
        temperature = -1.0
    if not 0 <= temperature <= 1:
        raise LocalAPIError(
            400, "temperature must be a number from 0 to 1.", param="temperature", code="invalid_value"
        )
    # The OpenAI SDK sends the list as `timestamp_granularities[]`.
    granularities = form.getlist("timestamp_granularities[]") + form.getlist("timestamp_granularities")
    return TranscriptionOptions(
        response_format=response_format,
        prompt=prompt or None,
        temperature=temperature,
        words="word" in [str(g) for g in granularities],
    )




def build_audio_router(current: EngineGetter) -> APIRouter:
    """These routes, errors in OpenAI's shape; `current()` gives the engine at request time."""
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])
    authorized = [Depends(require_api_key)]

    @router.post("/v1/audio/transcriptions", dependencies=authorized, summary="Transcribe English speech",
                 openapi_extra=openapi_form_body(TRANSCRIPTION_FORM_SCHEMA))
    async def transcriptions(request: Request) -> Response:
        eng = current()
        settings = eng.settings
        form = await read_form(request, settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES)
        runner = resolve_model(eng, _form_text(form, "model") or eng.transcription.model_id, eng.transcription)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise LocalAPIError(400, "Attach the audio as the 'file' field.", param="file", code="missing_file")
        data = await upload.read()
        if len(data) > settings.max_upload_bytes:
            raise LocalAPIError(
                413,
                f"The file has {len(data):,} bytes; the limit is {settings.max_upload_bytes:,}.",
                param="file",
                code="file_too_large",
            )
        if not data:
            raise LocalAPIError(400, "The uploaded file is empty.", param="file", code="invalid_audio")
        options = _transcription_options(form)
        transcript = await run_model(
            runner,
            runner.transcribe,
            data,
            prompt=options.prompt,
            temperature=options.temperature,
            word_timestamps=options.words,
        )
        if options.response_format == "text":
            return PlainTextResponse(transcript.text)
        if options.response_format in ("srt", "vtt"):
            return PlainTextResponse(responses.transcription_subtitles(transcript, options.response_format))
        return JSONResponse(
            responses.transcription_json(
                transcript, verbose=options.response_format == "verbose_json", words=options.words
            )
        )

    @router.post(
        "/v1/audio/speech",
        dependencies=authorized,
        summary="Speak text (WAV)",
        openapi_extra=openapi_json_body(SpeechRequest),
        response_class=Response,
        responses={200: {"content": {"audio/wav": {}}}},
    )
    async def speech(request: Request) -> Response:
        eng = current()
        settings = eng.settings
        body = await read_json_model(request, SpeechRequest, settings.max_json_body_bytes)
        runner = resolve_model(eng, body.model, eng.speech)
        text = body.words()
        if not text.strip():
            raise LocalAPIError(400, "'input' is empty: give text to speak.", param="input", code="empty_input")
        if len(text) > settings.speech_max_chars:
            raise LocalAPIError(
                400,
                f"'input' has {len(text):,} characters; the limit is {settings.speech_max_chars:,}.",
                param="input",
                code="input_too_long",
            )
        if body.voice.strip().lower() != VOICE:
            raise LocalAPIError(
                400, f"Voice '{body.voice}' is not available; this model has one voice, '{VOICE}'.",
                param="voice", code="unsupported_voice",
            )
        audio = await run_model(runner, runner.synthesize, text, speed=body.speed)
        return Response(
            audio.wav,
            media_type="audio/wav",
            headers={
                "Content-Disposition": 'inline; filename="speech.wav"',
                "X-Audio-Duration-Ms": str(round(audio.duration * 1000)),
            },
        )

    return router
