"""Chat: SmolLM2-135M-Instruct (GGUF, Q4_1) through xllamacpp's embedded llama.cpp server."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_registry.local.model_files import chat_files, require_packages
from ai_registry.local.runtime import ModelRunner

if TYPE_CHECKING:
    import xllamacpp

CHAT_MODEL_ID = "smollm2-135m-instruct"

# A stream callback gets one OpenAI chat.completion.chunk dict; returning True stops generation.
ChunkCallback = Callable[[dict[str, Any]], bool]


class ChatEngineError(Exception):
    """llama.cpp refused a request (for example a prompt longer than the context)."""

    def __init__(self, message: str, *, status: int, code: str | None, n_prompt_tokens: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.n_prompt_tokens = n_prompt_tokens


def raise_for_engine_error(payload: Any) -> None:
    """Turn llama.cpp's `{"error": {...}}` answer into a `ChatEngineError`."""
    if not isinstance(payload, dict) or "error" not in payload:
        return
    error = payload["error"] if isinstance(payload["error"], dict) else {"message": str(payload["error"])}
    kind = str(error.get("type", ""))
    message = str(error.get("message", "the chat engine refused the request"))
    if kind == "exceed_context_size_error":
        raise ChatEngineError(
            message, status=400, code="context_length_exceeded", n_prompt_tokens=error.get("n_prompt_tokens")
        )
    status = int(error.get("code", 500)) if str(error.get("code", "")).isdigit() else 500
    raise ChatEngineError(message, status=status if 400 <= status < 600 else 500, code=kind or None)


class ChatRunner(ModelRunner["xllamacpp.Server"]):
    """SmolLM2 on llama.cpp; one sequence at a time, tokens streamed through a callback."""

    model_id = CHAT_MODEL_ID
    slug = "local-smollm2-135m-instruct"
    kind = "Chat"

    def check_files(self) -> None:
        """The xllamacpp wheel and the GGUF file must be present."""
        require_packages("xllamacpp")
        chat_files(self.settings)

    def weights(self) -> Path:
        """The GGUF file."""
        return chat_files(self.settings).gguf

    def _load(self) -> xllamacpp.Server:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = str(chat_files(self.settings).gguf)
        params.n_ctx = self.settings.chat_context_tokens
        params.n_parallel = 1
        params.n_predict = self.settings.chat_max_tokens
        params.cpuparams.n_threads = self.settings.chat_threads
        params.cpuparams_batch.n_threads = self.settings.chat_threads
        params.verbosity = -1
        # The library also opens an HTTP port on 127.0.0.1; a random key keeps it for this process only.
        params.api_keys = [secrets.token_urlsafe(32)]
        return xlc.Server(params)

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """One whole chat completion (blocking). `request` is an OpenAI chat body for llama.cpp."""
        result = self._handle({**request, "stream": False})
        raise_for_engine_error(result)
        return result

    def stream(self, request: dict[str, Any], on_chunk: ChunkCallback) -> None:
        """Generate, calling `on_chunk` with each chunk as it is produced (blocking)."""
        self._handle({**request, "stream": True}, on_chunk)

    def _handle(self, request: dict[str, Any], *on_chunk: ChunkCallback) -> Any:
        try:
            return self.model().handle_chat_completions(request, *on_chunk)
        except ValueError as exc:
            # llama.cpp's chat template refuses some message orders (two assistant turns at the end):
            # the request is wrong, not the server.
            raise ChatEngineError(f"The messages cannot be formatted for this model: {exc}", status=400,
                                  code="invalid_messages") from exc
