"""Example inputs the local engine makes on request: a short recording to transcribe."""

from __future__ import annotations

from ai_registry.local.engine import LocalEngine, get_engine

SAMPLE_SENTENCE = "The quick brown fox jumps over the lazy dog. This sample was spoken by the local voice."
SAMPLE_FILENAME = "sample-recording.wav"


async def sample_recording(engine: LocalEngine | None = None, text: str = SAMPLE_SENTENCE) -> bytes:
    """A WAV of `text` spoken by the local Piper voice, made in the engine's worker thread."""
    runner = (engine or get_engine()).speech
    audio = await runner.run(runner.synthesize, text)
    return audio.wav
