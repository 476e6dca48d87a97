"""Chat: SmolLM2-135M-Instruct (GGUF, Q4_1) through xllamacpp's embedded llama.cpp server."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def _refused_as_bad_request() -> Iterator[None]:
    """llama.cpp refuses a conversation its chat template cannot take by raising ValueError before it
    generates anything ("Cannot have 2 or more assistant messages at the end of the list."): that is
    the request's fault, a 400 with llama.cpp's own words, not a server error."""
    try:
        yield
    except ValueError as exc:
        raise ChatEngineError(
            str(exc) or "The chat engine refused the messages.", status=400, code="invalid_messages"
        ) from exc


class ChatRunner(ModelRunner["xllamacpp.Server"]):
    """SmolLM2 on llama.cpp, tokens streamed through a callback.

    llama.cpp's parallel slots (`n_parallel`, `AI_REGISTRY_LOCAL_CHAT_PARALLEL`, 3 by default) decode
    several conversations in one batch, so concurrent chats all stream from the start instead of
    queueing; each request waits in a worker thread of its own. Each slot keeps the whole context
    (`n_ctx` is split between slots, so it is the per-slot context times the slots).
    """

    model_id = CHAT_MODEL_ID
    slug = "local-smollm2-135m-instruct"
    kind = "Chat"

    def workers(self) -> int:
        """One waiting thread per slot."""
        return self.settings.chat_parallel

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
        params.n_parallel = self.settings.chat_parallel
        params.n_ctx = self.settings.chat_context_tokens * self.settings.chat_parallel
        params.kv_unified = False  # each slot its own share: one long chat cannot crowd out the others
        params.n_predict = self.settings.chat_max_tokens
        params.cpuparams.n_threads = self.settings.chat_threads
        params.cpuparams_batch.n_threads = self.settings.chat_threads
        params.verbosity = -1
        # The library also opens an HTTP port on 127.0.0.1; a random key keeps it for this process only.
        params.api_keys = [secrets.token_urlsafe(32)]
        return xlc.Server(params)

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """One whole chat completion (blocking). `request` is an OpenAI chat body for llama.cpp."""
        with _refused_as_bad_request():
            result = self.model().handle_chat_completions({**request, "stream": False})
        raise_for_engine_error(result)
        return result

    def stream(self, request: dict[str, Any], on_chunk: ChunkCallback) -> None:
        """Generate, calling `on_chunk` with each chunk as it is produced (blocking)."""
        with _refused_as_bad_request():
            self.model().handle_chat_completions({**request, "stream": True}, on_chunk)
