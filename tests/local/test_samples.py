"""The speech-to-text playground's "Use a sample": the local voice speaks a sentence Whisper can read back."""

from __future__ import annotations

from ai_registry.local.engine import LocalEngine
from ai_registry.local.samples import SAMPLE_SENTENCE, sample_recording


async def test_sample_recording_is_speech_whisper_transcribes(engine: LocalEngine) -> None:
    wav = await sample_recording(engine)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 50_000
    transcript = await engine.transcription.run(engine.transcription.transcribe, wav)
    text = getattr(transcript, "text", str(transcript)).lower()
    assert "quick brown fox" in text, text
    assert "quick brown fox" in SAMPLE_SENTENCE.lower()
