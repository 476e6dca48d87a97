"""Text-to-speech: the Piper en_US "joe" medium voice (ONNX), 22.05 kHz 16-bit mono WAV out."""

from __future__ import annotations

import io
import json
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ai_registry.local.model_files import require_packages, speech_files
from ai_registry.local.runtime import ModelRunner, onnx_session

if TYPE_CHECKING:
    import piper

SPEECH_MODEL_ID = "piper-en_US-joe-medium"
VOICE = "joe"
SAMPLE_RATE = 22_050


class NoSpeech(Exception):
    """The text made no sound (for example only punctuation)."""


@dataclass
class SpeechAudio:
    """A synthesized WAV file."""

    wav: bytes
    sample_rate: int
    duration: float


class SpeechRunner(ModelRunner["piper.PiperVoice"]):
    """One Piper voice; `speed` maps to Piper's length scale."""

    model_id = SPEECH_MODEL_ID
    slug = "local-piper-en-us-joe"
    kind = "Text-to-speech"

    def check_files(self) -> None:
        """piper-tts, the voice file and its config must be present."""
        require_packages("piper", "onnxruntime")
        speech_files(self.settings)

    def weights(self) -> Path:
        """The voice's ONNX file."""
        return speech_files(self.settings).onnx

    def _load(self) -> piper.PiperVoice:
        from piper import PiperConfig, PiperVoice

        files = speech_files(self.settings)
        config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
        # PiperVoice.load would build a session with default (spinning) threads; build ours instead.
        # download_dir only matters for languages whose phonemizer fetches data; keep it out of the cwd.
        return PiperVoice(
            session=onnx_session(files.onnx, self.settings.threads),
            config=config,
            download_dir=Path(tempfile.gettempdir()),
        )

    @property
    def sample_rate(self) -> int:
        """Output sample rate (22,050 Hz for joe medium; read from the voice config once loaded)."""
        return self._model.config.sample_rate if self._model is not None else SAMPLE_RATE

    def synthesize(self, text: str, *, speed: float = 1.0) -> SpeechAudio:
        """Speak `text` into a WAV file (blocking)."""
        from piper import SynthesisConfig

        voice = self.model()
        config = SynthesisConfig(length_scale=(voice.config.length_scale or 1.0) / speed)
        frames: list[bytes] = []
        rate, width, channels = voice.config.sample_rate, 2, 1
        for chunk in voice.synthesize(text, syn_config=config):
            rate, width, channels = chunk.sample_rate, chunk.sample_width, chunk.sample_channels
            frames.append(chunk.audio_int16_bytes)
        pcm = b"".join(frames)
        if not pcm:
            raise NoSpeech("the input produced no speech; give words to speak")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(channels)
            wav.setsampwidth(width)
            wav.setframerate(rate)
            wav.writeframes(pcm)
        return SpeechAudio(wav=buffer.getvalue(), sample_rate=rate, duration=len(pcm) / (rate * width * channels))
