"""Speech-to-text: Whisper tiny.en (CTranslate2) through faster-whisper, with segment timestamps."""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ai_registry.local.model_files import require_packages, transcription_files
from ai_registry.local.runtime import ModelRunner

if TYPE_CHECKING:
    import faster_whisper
    import numpy as np

TRANSCRIPTION_MODEL_ID = "whisper-tiny.en"
SAMPLE_RATE = 16_000


class InvalidAudio(Exception):
    """The upload is not audio we can decode, or holds no sound."""


@dataclass
class Word:
    """One word with its start and end in seconds."""

    word: str
    start: float
    end: float
    probability: float


@dataclass
class Segment:
    """One stretch of speech, as Whisper cut it."""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: list[Word] = field(default_factory=list)


@dataclass
class Transcript:
    """The text of an audio file with its segments."""

    text: str
    language: str
    duration: float
    segments: list[Segment]


def _silence_wav(seconds: float) -> bytes:
    """A WAV of `seconds` of 16 kHz mono silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(b"\0\0" * int(seconds * SAMPLE_RATE))
    return out.getvalue()


def decode_audio(data: bytes) -> np.ndarray:
    """Decode any audio container PyAV reads into 16 kHz mono float32; `InvalidAudio` otherwise.

    The bytes are decoded, not trusted by their content type: a renamed text file fails here.
    """
    from faster_whisper.audio import decode_audio as fw_decode

    if not data:
        raise InvalidAudio("the uploaded file is empty")
    try:
        samples = fw_decode(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many types for undecodable input
        raise InvalidAudio(f"the uploaded file is not audio we can decode ({type(exc).__name__})") from exc
    if samples.size == 0:
        raise InvalidAudio("the uploaded file holds no audio samples")
    return samples


class TranscriptionRunner(ModelRunner["faster_whisper.WhisperModel"]):
    """Whisper tiny.en: English speech to text, greedy by default (beam size is a setting)."""

    model_id = TRANSCRIPTION_MODEL_ID
    slug = "local-whisper-tiny-en"
    kind = "Speech-to-text"

    def check_files(self) -> None:
        """faster-whisper and the CTranslate2 model folder must be present."""
        require_packages("faster_whisper", "ctranslate2", "av")
        transcription_files(self.settings)

    def weights(self) -> Path:
        """The CTranslate2 model folder."""
        return transcription_files(self.settings).model_dir

    def _load(self) -> faster_whisper.WhisperModel:
        # The weights are local; never let the library reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        model = WhisperModel(
            str(transcription_files(self.settings).model_dir),
            device="cpu",
            compute_type=self.settings.transcription_compute_type,
            cpu_threads=self.settings.threads,
            local_files_only=True,
        )
        # The decoder's and the model's first-use work (codec set-up, feature extraction) happens here,
        # at load in this worker thread, not inside the first request, where it held the GIL ~0.6 s.
        segments, _info = model.transcribe(decode_audio(_silence_wav(0.5)), beam_size=1, language="en")
        list(segments)
        return model

    def transcribe(
        self,
        data: bytes,
        *,
        prompt: str | None = None,
        temperature: float = 0.0,
        word_timestamps: bool = False,
    ) -> Transcript:
        """Decode and transcribe an audio file (blocking)."""
        model = self.model()
        samples = decode_audio(data)
        duration = samples.size / SAMPLE_RATE
        if duration > self.settings.max_audio_seconds:
            raise InvalidAudio(
                f"the audio is {duration:.0f} s long; the limit is {self.settings.max_audio_seconds:.0f} s"
            )
        raw_segments, info = model.transcribe(
            samples,
            language="en",
            task="transcribe",
            beam_size=self.settings.transcription_beam_size,
            temperature=temperature,
            initial_prompt=prompt or None,
            word_timestamps=word_timestamps,
            vad_filter=False,
        )
        segments = [
            Segment(
                id=index,
                seek=s.seek,
                start=round(s.start, 3),
                end=round(s.end, 3),
                text=s.text,
                tokens=list(s.tokens),
                temperature=float(s.temperature or 0.0),
                avg_logprob=float(s.avg_logprob),
                compression_ratio=float(s.compression_ratio),
                no_speech_prob=float(s.no_speech_prob),
                words=[
                    Word(word=w.word, start=round(w.start, 3), end=round(w.end, 3), probability=w.probability)
                    for w in (s.words or [])
                ],
            )
            for index, s in enumerate(raw_segments)
        ]
        return Transcript(
            text="".join(s.text for s in segments).strip(),
            language=info.language or "en",
            duration=round(duration, 3),
            segments=segments,
        )
