"""What every local-engine router shares: picking the runner a request names and calling it off the loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from ai_registry.local.chat import ChatEngineError
from ai_registry.local.engine import LocalEngine
from ai_registry.local.errors import LocalAPIError
from ai_registry.local.runtime import ModelRunner, ModelUnavailable
from ai_registry.local.speech import NoSpeech
from ai_registry.local.transcription import InvalidAudio

EngineGetter = Callable[[], LocalEngine]

P = ParamSpec("P")
R = TypeVar("R")


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


def client_error(exc: Exception) -> LocalAPIError | None:
    """The client-facing error for a model-call failure, or None for a real bug."""
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
        error = client_error(exc)
        if error is None:
            raise
        raise error from exc


def to_error_body(exc: BaseException | None) -> dict[str, Any]:
    """The OpenAI error body for an exception raised mid-stream."""
    if isinstance(exc, LocalAPIError):
        return exc.body()
    return LocalAPIError(500, f"The model failed: {type(exc).__name__}", code="model_error").body()
