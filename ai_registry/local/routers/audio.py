"""`POST /v1/audio/transcriptions` (multipart) and `POST /v1/audio/speech` (WAV)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from ai_registry.local import responses
from ai_registry.local.auth import require_api_key
from ai_registry.local.bodies import read_form, read_json_model
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute, from_validation_errors
from ai_registry.local.routers.model_calls import EngineGetter, resolve_model, run_model
from ai_registry.local.schemas import (
    TRANSCRIPTION_FORM_SCHEMA,
    SpeechRequest,
    TranscriptionFields,
    openapi_form_body,
    openapi_json_body,
)
from ai_registry.media.probe import inspect_upload

# What the transcriber decodes: audio files, and the audio of MP4 (M4A) and WebM recordings.
TRANSCRIBABLE_KINDS = ("wav", "mp3", "ogg", "flac", "mp4", "webm")
# Room for the multipart framing and the small text fields beside the file.
MULTIPART_OVERHEAD_BYTES = 1_000_000


def _form_text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value)


def _transcription_fields(form: FormData) -> TranscriptionFields:
    """The form's text fields, checked like a JSON body."""
    fields: dict[str, object] = {
        name: _form_text(form, name) for name in ("model", "language", "response_format", "prompt", "temperature")
    }
    fields = {name: value for name, value in fields.items() if value is not None}
    granularities = form.getlist("timestamp_granularities[]") + form.getlist("timestamp_granularities")
    fields["timestamp_granularities"] = [str(g) for g in granularities if not isinstance(g, UploadFile)]
    try:
        return TranscriptionFields.model_validate(fields)
    except ValidationError as exc:
        raise from_validation_errors(exc.errors()) from exc


def build_audio_router(current: EngineGetter) -> APIRouter:
    """These routes, errors in OpenAI's shape; `current()` gives the engine at request time."""
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])
    authorized = [Depends(require_api_key)]

    @router.post(
        "/v1/audio/transcriptions",
        dependencies=authorized,
        summary="Transcribe English speech",
        openapi_extra=openapi_form_body(TRANSCRIPTION_FORM_SCHEMA),
    )
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
        options = _transcription_fields(form)
        # Before the model sees it: the real type by its bytes, and headers that lie about the length.
        inspection = await asyncio.to_thread(
            inspect_upload,
            data,
            filename=upload.filename or "audio",
            content_type=upload.content_type,
            max_bytes=settings.max_upload_bytes,
            accepted=TRANSCRIBABLE_KINDS,
        )
        if inspection.problem:
            raise LocalAPIError(400, f"{inspection.problem}.", param="file", code="invalid_audio")
        transcript = await run_model(
            runner,
            runner.transcribe,
            data,
            prompt=options.prompt,
            temperature=options.sampling_temperature,
            word_timestamps=options.word_timestamps,
        )
        if options.response_format == "text":
            return PlainTextResponse(transcript.text)
        if options.response_format in ("srt", "vtt"):
            return PlainTextResponse(responses.transcription_subtitles(transcript, options.response_format))
        return JSONResponse(
            responses.transcription_json(
                transcript, verbose=options.response_format == "verbose_json", words=options.word_timestamps
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
        body = await read_json_model(request, SpeechRequest, settings.max_json_body_bytes, context={"limits": settings})
        runner = resolve_model(eng, body.model, eng.speech)
        text = body.words()
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
