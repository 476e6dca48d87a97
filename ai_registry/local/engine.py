"""The four local models of one process, created once and loaded on first use."""

from __future__ import annotations

import threading

from ai_registry.local.chat import ChatRunner
from ai_registry.local.config import LocalEngineSettings, get_local_settings
from ai_registry.local.embeddings import EmbeddingRunner
from ai_registry.local.runtime import ModelRunner
from ai_registry.local.speech import SpeechRunner
from ai_registry.local.transcription import TranscriptionRunner


class LocalEngine:
    """Chat, embeddings, speech-to-text and text-to-speech runners sharing one settings object."""

    def __init__(self, settings: LocalEngineSettings | None = None) -> None:
        self.settings = settings or get_local_settings()
        self.chat = ChatRunner(self.settings)
        self.embeddings = EmbeddingRunner(self.settings)
        self.transcription = TranscriptionRunner(self.settings)
        self.speech = SpeechRunner(self.settings)

    @property
    def runners(self) -> tuple[ModelRunner, ...]:
        """All four runners, in catalog order."""
        return (self.chat, self.embeddings, self.transcription, self.speech)

    def runner(self, model: str) -> ModelRunner | None:
        """The runner for a model id (or its registry slug), case-insensitive, or None."""
        wanted = model.strip().lower()
        for runner in self.runners:
            if wanted in (runner.model_id.lower(), runner.slug):
                return runner
        return None

    async def warm_up(self) -> None:
        """Load every available model now (each in its own worker thread)."""
        for runner in self.runners:
            if runner.status().available:
                await runner.warm_up()

    def close(self) -> None:
        """Stop the worker threads."""
        for runner in self.runners:
            runner.close()


_engine: LocalEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> LocalEngine:
    """The process-wide engine (models still load lazily, on first use)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = LocalEngine()
    return _engine
