"""The local engine's OpenAI-compatible HTTP API, as a FastAPI router for the app's backend.

Routes: `GET /v1/models`, `POST /v1/chat/completions` (JSON or server-sent events),
`POST /v1/embeddings`, `POST /v1/audio/transcriptions`, `POST /v1/audio/speech`, and CONTRACT.md's
`GET /v1/public/embeddings/models`, `GET /v1/public/ai-registry/models`, `GET /v1/multimodal/health`
and `POST /v1/public/{project_id}/embeddings/generate`. The model lists and health answer without
a key; every other route needs one. Every model call runs in that model's worker thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from ai_registry.local import responses
from ai_registry.local.auth import require_api_key
from ai_registry.local.bodies import read_form, read_json_model
from ai_registry.local.catalog import local_models, release_time
from ai_registry.local.chat import ChatEngineError, ChatRunner, raise_for_engine_error
from ai_registry.local.config import get_local_settings
from ai_registry.local.engine import LocalEngine, get_engine
from ai_registry.local.errors import LocalAPIError, OpenAIErrorRoute
from ai_registry.local.runtime import ModelRunner, ModelUnavailable
from ai_registry.local.schemas import (
    TRANSCRIPTION_FORM_SCHEMA,
    ChatCompletionRequest,
    EmbeddingGenerateRequest,
    EmbeddingRequest,
    SpeechRequest,
    openapi_form_body,
    openapi_json_body,
)
from ai_registry.local.speech import VOICE, NoSpeech
from ai_registry.local.transcription import InvalidAudio

P = ParamSpec("P")
R = TypeVar("R")

TRANSCRIPTION_FORMATS = ("json", "text", "verbose_json", "srt", "vtt")
MAX_TRANSCRIPTION_PROMPT_CHARS = 1000
# Room for the multipart framing and the small text fields beside the file.
MULTIPART_OVERHEAD_BYTES = 1_000_000
_END = object()


def resolve_model(engine: LocalEngine, requested: str, expected: ModelRunner) -> ModelRunner:
    """The runner a request names: 404 for an unknown model, 400 for the wrong kind, 503 when off."""
    runner = engine.runner(requested)
    if runner is None:
        known = ", ".join(r.model_id for r in engine.runners)
        raise LocalAPIError(
            404,
            f"The model '{requested}' does not exist on this server. Local models: {known}.",
            param="model",
            code="model_not_found",
        )
    if runner is not expected:
        raise LocalAPIError(
            400,
            f"'{requested}' is a {runner.kind.lower()} model; this route serves {expected.kind.lower()} "
            f"models such as '{expected.model_id}'.",
            param="model",
            code="model_not_supported",
        )
    status = runner.status()
    if not status.available:
        raise LocalAPIError(503, f"'{runner.model_id}' is unavailable. {status.note}", code="model_unavailable")
    return runner


def _client_error(exc: Exception) -> LocalAPIError | None:
    if isinstance(exc, ModelUnavailable):
        return LocalAPIError(503, str(exc), code="model_unavailable")
    if isinstance(exc, ChatEngineError):
        return LocalAPIError(exc.status, str(exc), param="messages" if exc.status == 400 else None, code=exc.code)
    if isinstance(exc, InvalidAudio):
        return LocalAPIError(400, f"Invalid audio: {exc}.", param="file", code="invalid_audio")
    if isinstance(exc, NoSpeech):
        return LocalAPIError(400, f"{exc}.", param="input", code="empty_input")
    return None


async def run_model(runner: ModelRunner, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a blocking model call in the runner's worker thread, mapping its errors to API errors."""
    try:
        return await runner.run(fn, *args, **kwargs)
    except Exception as exc:
        error = _client_error(exc)
        if error is None:
            raise
        raise error from exc


def _model_entries(engine: LocalEngine) -> list[dict[str, Any]]:
    # Cheap on purpose (no readmes, no file sizes): clients poll this list.
    return [
        {
            "id": runner.model_id,
            "object": "model",
            "created": release_time(runner.model_id) or 0,
            "owned_by": "local",
            "available": runner.status().available,
        }
        for runner in engine.runners
    ]


def _input_texts(raw: Any, engine: LocalEngine, field: str = "input") -> list[str]:
    settings = engine.settings
    texts = [raw] if isinstance(raw, str) else list(raw)
    if not texts:
        raise LocalAPIError(400, f"'{field}' is empty: give at least one text.", param=field, code="empty_input")
    if not all(isinstance(t, str) for t in texts):
        raise LocalAPIError(
            400, "Token arrays are not supported here: send text strings.", param=field, code="invalid_value"
        )
    if len(texts) > settings.embedding_max_inputs:
        raise LocalAPIError(
            400,
            f"'{field}' has {len(texts)} texts; send at most {settings.embedding_max_inputs} per request.",
            param=field,
            code="too_many_inputs",
        )
    for index, text in enumerate(texts):
        if not text.strip():
            raise LocalAPIError(400, f"{field}[{index}] is empty.", param=f"{field}[{index}]", code="empty_input")
        if len(text) > settings.embedding_max_chars:
            raise LocalAPIError(
                400,
                f"{field}[{index}] has {len(text):,} characters; the limit is {settings.embedding_max_chars:,}.",
                param=f"{field}[{index}]",
                code="input_too_long",
            )
    return texts


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


def _engine_error_body(chunk: dict[str, Any]) -> dict[str, Any]:
    try:
        raise_for_engine_error(chunk)
    except ChatEngineError as exc:
        error = _client_error(exc)
        if error is not None:
            return error.body()
    return to_error_body(None)


async def _stream_chat(runner: ChatRunner, body: dict[str, Any], model_id: str) -> Response:
    """Start generating, wait for the first chunk (so errors still get a status), then stream SSE."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def on_chunk(chunk: dict[str, Any]) -> bool:
        loop.call_soon_threadsafe(queue.put_nowait, chunk)
        return stop.is_set()  # True tells llama.cpp to stop: the client went away

    def finished(task: asyncio.Future[None]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved here, so a client that left early leaves no warning
        queue.put_nowait(_END)

    job = asyncio.ensure_future(run_model(runner, runner.stream, body, on_chunk))
    job.add_done_callback(finished)
    first = await queue.get()
    if first is _END:
        await job  # raises the mapped error, if any
        raise LocalAPIError(500, "The chat model produced no output.", code="empty_output")
    if isinstance(first, dict) and "error" in first:
        stop.set()
        try:
            raise_for_engine_error(first)
        except ChatEngineError as exc:
            raise _client_error(exc) from exc

    async def events() -> AsyncIterator[str]:
        chunk = first
        try:
            while chunk is not _END:
                if "error" in chunk:
                    yield f"data: {json.dumps(_engine_error_body(chunk))}\n\n"
                    break
                out = responses.chat_chunk(chunk, model_id)
                if out is not None:
                    yield f"data: {json.dumps(out)}\n\n"
                chunk = await queue.get()
            if job.done() and not job.cancelled() and job.exception() is not None:
                error = to_error_body(job.exception())
                yield f"data: {json.dumps(error)}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            stop.set()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def to_error_body(exc: BaseException | None) -> dict[str, Any]:
    """The OpenAI error body for an exception raised mid-stream."""
    if isinstance(exc, LocalAPIError):
        return exc.body()
    return LocalAPIError(500, f"The model failed: {type(exc).__name__}", code="model_error").body()


def build_local_router(engine: LocalEngine | None = None) -> APIRouter:
    """The local engine's routes. Mount with `app.include_router(build_local_router())`.

    `engine` defaults to the process-wide one; tests pass their own.
    """
    router = APIRouter(route_class=OpenAIErrorRoute, tags=["Local engine (OpenAI-compatible)"])
    authorized = [Depends(require_api_key)]

    def current() -> LocalEngine:
        return engine or get_engine()

    # The documented limits come from the same settings the routes enforce (settings only: no model loads).
    limits = engine.settings if engine is not None else get_local_settings()
    chat_tokens = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": limits.chat_max_tokens}, {"type": "null"}]}
    chat_body = openapi_json_body(ChatCompletionRequest, max_tokens=chat_tokens, max_completion_tokens=chat_tokens)

    @router.get("/v1/models", summary="List the local models")
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": _model_entries(current())}

    @router.get("/v1/models/{model_id}", summary="One local model")
    async def get_model(model_id: str) -> dict[str, Any]:
        eng = current()
        runner = eng.runner(model_id)
        if runner is None:
            raise LocalAPIError(404, f"The model '{model_id}' does not exist.", param="model", code="model_not_found")
        return next(entry for entry in _model_entries(eng) if entry["id"] == runner.model_id)

    @router.get("/v1/public/ai-registry/models", summary="Registry cards of the local models")
    async def registry_models() -> dict[str, Any]:
        models = [m.model_dump(mode="json") for m in local_models(current())]
        return {"models": models, "total": len(models)}

    @router.get("/v1/public/embeddings/models", summary="Local embedding models")
    async def embedding_models() -> list[dict[str, Any]]:
        runner = current().embeddings
        status = runner.status()
        return [
            {
                "id": runner.model_id,
                "dimensions": runner.dimensions,
                "description": "all-MiniLM-L6-v2 (int8 ONNX) on this server: English, 384 dimensions",
                "speed": "Fast",
                "loaded": status.loaded,
                "available": status.available,
            }
        ]

    @router.get("/v1/multimodal/health", summary="Which local models can run")
    async def health() -> dict[str, Any]:
        eng = current()

        def service(*runners: ModelRunner) -> dict[str, Any]:
            statuses = [(r, r.status()) for r in runners]
            return {
                "available": any(s.available for _, s in statuses),
                "models": [r.model_id for r, s in statuses if s.available],
                "status": {r.model_id: s.note for r, s in statuses},
            }

        services = {
            "chat": service(eng.chat),
            "embeddings": service(eng.embeddings),
            "audio": service(eng.transcription, eng.speech),
        }
        healthy = all(r.status().available for r in eng.runners)
        return {"status": "healthy" if healthy else "degraded", "services": services}

    @router.post("/v1/chat/completions", dependencies=authorized, summary="Chat (JSON or server-sent events)",
                 openapi_extra=chat_body)
    async def chat_completions(request: Request) -> Response:
        eng = current()
        settings = eng.settings
        body = await read_json_model(request, ChatCompletionRequest, settings.max_json_body_bytes)
        runner = resolve_model(eng, body.model, eng.chat)
        for index, message in enumerate(body.messages):
            if message.has_non_text():
                raise LocalAPIError(
                    400,
                    "Only text content is supported by this model.",
                    param=f"messages[{index}].content",
                    code="unsupported_content",
                )
        chars = sum(len(m.text()) for m in body.messages)
        if not any(m.text().strip() for m in body.messages):
            raise LocalAPIError(400, "The messages hold no text.", param="messages", code="empty_input")
        if chars > settings.chat_max_prompt_chars:
            raise LocalAPIError(
                400,
                f"The messages hold {chars:,} characters; the limit is {settings.chat_max_prompt_chars:,}.",
                param="messages",
                code="context_length_exceeded",
            )
        max_tokens = body.requested_tokens(default=min(256, settings.chat_max_tokens))
        if max_tokens > settings.chat_max_tokens:
            raise LocalAPIError(
                400,
                f"max_tokens is {max_tokens}; this model answers with at most {settings.chat_max_tokens} tokens.",
                param="max_tokens",
                code="max_tokens_exceeded",
            )
        engine_body = body.engine_body(max_tokens)
        if body.stream:
            if body.stream_options and body.stream_options.include_usage:
                engine_body["stream_options"] = {"include_usage": True}
            return await _stream_chat(runner, engine_body, runner.model_id)
        result = await run_model(runner, runner.complete, engine_body)
        return JSONResponse(responses.chat_completion(result, runner.model_id))

    @router.post("/v1/embeddings", dependencies=authorized, summary="Embed texts",
                 openapi_extra=openapi_json_body(EmbeddingRequest))
    async def embeddings(request: Request) -> Response:
        eng = current()
        body = await read_json_model(request, EmbeddingRequest, eng.settings.max_json_body_bytes)
        runner = resolve_model(eng, body.model, eng.embeddings)
        texts = _input_texts(body.input, eng)
        if body.dimensions is not None and body.dimensions != runner.dimensions:
            raise LocalAPIError(
                400,
                f"This model makes {runner.dimensions}-dimensional vectors only.",
                param="dimensions",
                code="invalid_value",
            )
        result = await run_model(runner, runner.embed, texts, normalize=body.normalize)
        return JSONResponse(responses.embedding_list(result, runner.model_id, body.encoding_format))

    @router.post(
        "/v1/public/{project_id}/embeddings/generate",
        dependencies=authorized,
        summary="Embed texts (the upstream contract's route)",
        openapi_extra=openapi_json_body(EmbeddingGenerateRequest),
    )
    async def embeddings_generate(project_id: str, request: Request) -> Response:
        eng = current()
        body = await read_json_model(request, EmbeddingGenerateRequest, eng.settings.max_json_body_bytes)
        runner = resolve_model(eng, body.model, eng.embeddings)
        texts = _input_texts(body.texts, eng, field="texts")
        started = time.perf_counter()
        result = await run_model(runner, runner.embed, texts, normalize=body.normalize)
        return JSONResponse(
            {
                "embeddings": result.vectors.astype("float64").round(7).tolist(),
                "model": runner.model_id,
                "dimensions": int(result.vectors.shape[1]),
                "count": len(texts),
                "processing_time_ms": round((time.perf_counter() - started) * 1000, 2),
                "project_id": project_id,
            }
        )

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
