"""Thumbnails that are real outputs: each local model runs once and its output is drawn (Pillow).

- Piper Joe: the waveform of a sentence it spoke, with the sentence.
- Whisper tiny.en: its transcript of that same speech, with segment times.
- SmolLM2: a real answer to a short prompt.
- MiniLM: cosine similarities between real embeddings of five sentences.

`python -m ai_registry thumbnails` calls `generate_thumbnails`; the PNGs are committed under
`assets/thumbnails/` and named after the model slugs.
"""

from __future__ import annotations

import io
import textwrap
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_registry.local.catalog import THUMBNAILS_DIR, thumbnail_path
from ai_registry.local.engine import LocalEngine, get_engine

if TYPE_CHECKING:
    from PIL import Image, ImageDraw

WIDTH, HEIGHT = 640, 360
MAX_BYTES = 60_000
BACKGROUND = (17, 24, 39)
PANEL = (31, 41, 55)
TEXT = (243, 244, 246)
MUTED = (156, 163, 175)
ACCENT = (96, 165, 250)
ACCENT_2 = (52, 211, 153)

SPOKEN_SENTENCE = "Local models run on this server. The quick brown fox jumps over the lazy dog."
CHAT_PROMPT = "In two short sentences, why is the sky blue?"
CHAT_SEED = 7
EMBEDDING_SENTENCES = (
    ("cat on mat", "The cat sits on the mat."),
    ("kitten on rug", "A kitten is resting on a rug."),
    ("stocks fell", "Stock markets fell sharply today."),
    ("shares dropped", "Share prices dropped on Wall Street."),
    ("pasta recipe", "Boil the pasta for ten minutes."),
)


@dataclass
class Thumbnail:
    """One generated thumbnail and the real output it shows."""

    slug: str
    path: Path
    caption: str


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _canvas(title: str, subtitle: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((24, 18), title, font=_font(22), fill=TEXT)
    draw.text((24, 48), subtitle, font=_font(14), fill=MUTED)
    return image, draw


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A 64-colour palette keeps flat UI-like images small without visible loss.
    image.quantize(colors=64, dither=0).save(path, format="PNG", optimize=True)
    if path.stat().st_size > MAX_BYTES:
        image.quantize(colors=16, dither=0).save(path, format="PNG", optimize=True)


def _wrap(draw: ImageDraw.ImageDraw, text: str, xy: tuple[int, int], width_chars: int, size: int,
          fill: tuple[int, int, int], max_lines: int) -> int:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width=width_chars) or [""])
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + " …"
    x, y = xy
    for line in lines:
        draw.text((x, y), line, font=_font(size), fill=fill)
        y += int(size * 1.45)
    return y


def _pcm_samples(wav_bytes: bytes) -> tuple[Any, int]:
    import numpy as np

    with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype("float32") / 32768.0, rate


def _draw_waveform(draw: ImageDraw.ImageDraw, samples: Any, box: tuple[int, int, int, int],
                   color: tuple[int, int, int]) -> None:
    import numpy as np

    left, top, right, bottom = box
    draw.rounded_rectangle(box, radius=10, fill=PANEL)
    columns = right - left - 16
    middle = (top + bottom) // 2
    half = (bottom - top) // 2 - 10
    chunks = np.array_split(samples, columns)
    peak = max(float(np.abs(samples).max()), 1e-6)
    for i, chunk in enumerate(chunks):
        if chunk.size == 0:
            continue
        low, high = float(chunk.min()) / peak, float(chunk.max()) / peak
        x = left + 8 + i
        draw.line([(x, middle - high * half), (x, middle - low * half)], fill=color)


def render_speech(text: str, wav_bytes: bytes, path: Path) -> Path:
    """A waveform of real synthesized speech, with the text it speaks."""
    samples, rate = _pcm_samples(wav_bytes)
    seconds = samples.size / rate
    image, draw = _canvas("Piper Joe (en_US, local)", f"Real output · {seconds:.1f} s of speech · {rate:,} Hz WAV")
    _draw_waveform(draw, samples, (24, 84, WIDTH - 24, 250), ACCENT)
    _wrap(draw, f"“{text}”", (28, 268), 62, 16, TEXT, 4)
    _save(image, path)
    return path


def render_transcript(segments: Sequence[Any], wav_bytes: bytes, path: Path) -> Path:
    """The transcript Whisper made of real speech, one timed line per segment."""
    samples, rate = _pcm_samples(wav_bytes)
    image, draw = _canvas("Whisper tiny.en (local)", "Real output · transcript of the Piper Joe sample")
    _draw_waveform(draw, samples, (24, 80, WIDTH - 24, 150), ACCENT_2)
    draw.rounded_rectangle((24, 166, WIDTH - 24, HEIGHT - 20), radius=10, fill=PANEL)
    y = 180
    for segment in segments[:4]:
        stamp = f"{segment.start:.2f} s - {segment.end:.2f} s"
        draw.text((40, y), stamp, font=_font(14), fill=ACCENT_2)
        y = _wrap(draw, segment.text.strip(), (40, y + 20), 60, 16, TEXT, 2) + 8
        if y > HEIGHT - 60:
            break
    _save(image, path)
    return path


def render_chat(prompt: str, answer: str, path: Path) -> Path:
    """A real chat exchange: the prompt and the model's answer."""
    image, draw = _canvas("SmolLM2 135M Instruct (local)", "Real output · llama.cpp on this server's CPU")
    draw.rounded_rectangle((180, 82, WIDTH - 24, 140), radius=12, fill=(30, 64, 175))
    _wrap(draw, prompt, (196, 92), 46, 16, TEXT, 2)
    draw.rounded_rectangle((24, 156, WIDTH - 100, HEIGHT - 20), radius=12, fill=PANEL)
    _wrap(draw, answer, (40, 170), 55, 16, TEXT, 8)
    _save(image, path)
    return path


def render_similarity(labels: Sequence[str], matrix: Any, path: Path) -> Path:
    """A heatmap of cosine similarities between real embeddings."""
    image, draw = _canvas("all-MiniLM-L6-v2 (local)", "Real output · cosine similarity of 384-d embeddings")
    n = len(labels)
    cell = 48
    left, top = 190, 84
    for row in range(n):
        draw.text((24, top + row * cell + 16), labels[row], font=_font(14), fill=TEXT)
        for col in range(n):
            value = float(matrix[row][col])
            strength = max(0.0, min(1.0, value))
            color = tuple(int(PANEL[i] + (ACCENT[i] - PANEL[i]) * strength) for i in range(3))
            x, y = left + col * cell, top + row * cell
            draw.rectangle((x, y, x + cell - 3, y + cell - 3), fill=color)
            draw.text((x + 8, y + 15), f"{value:.2f}", font=_font(13), fill=TEXT if strength < 0.7 else BACKGROUND)
    legend_x = left + n * cell + 20
    _wrap(
        draw,
        "Paraphrases score high; unrelated sentences score low. Each vector has unit length.",
        (legend_x, top + 4),
        22,
        14,
        MUTED,
        8,
    )
    _save(image, path)
    return path


def generate_thumbnails(out_dir: Path | str = THUMBNAILS_DIR, engine: LocalEngine | None = None) -> list[Path]:
    """Run each available local model once and write its thumbnail PNG into `out_dir`; the paths written.

    Models that are unavailable here are skipped (their cards then show no thumbnail).
    """
    return [thumbnail.path for thumbnail in make_thumbnails(out_dir, engine)]


def make_thumbnails(out_dir: Path | str = THUMBNAILS_DIR, engine: LocalEngine | None = None) -> list[Thumbnail]:
    """Like `generate_thumbnails`, returning what each image shows as well."""
    import numpy as np

    engine = engine or get_engine()
    out = Path(out_dir)
    made: list[Thumbnail] = []

    wav: bytes | None = None
    if engine.speech.status().available:
        wav = engine.speech.synthesize(SPOKEN_SENTENCE).wav
        path = render_speech(SPOKEN_SENTENCE, wav, thumbnail_path(engine.speech.slug, out))
        made.append(Thumbnail(engine.speech.slug, path, SPOKEN_SENTENCE))

    if wav is not None and engine.transcription.status().available:
        transcript = engine.transcription.transcribe(wav)
        path = render_transcript(transcript.segments, wav, thumbnail_path(engine.transcription.slug, out))
        made.append(Thumbnail(engine.transcription.slug, path, transcript.text))

    if engine.chat.status().available:
        result = engine.chat.complete(
            {
                "messages": [{"role": "user", "content": CHAT_PROMPT}],
                "max_tokens": 90,
                "temperature": 0.2,
                "seed": CHAT_SEED,
            }
        )
        answer = result["choices"][0]["message"]["content"].strip()
        path = render_chat(CHAT_PROMPT, answer, thumbnail_path(engine.chat.slug, out))
        made.append(Thumbnail(engine.chat.slug, path, answer))

    if engine.embeddings.status().available:
        labels = [label for label, _ in EMBEDDING_SENTENCES]
        vectors = engine.embeddings.embed([sentence for _, sentence in EMBEDDING_SENTENCES]).vectors
        matrix = np.asarray(vectors @ vectors.T)
        path = render_similarity(labels, matrix, thumbnail_path(engine.embeddings.slug, out))
        made.append(Thumbnail(engine.embeddings.slug, path, "cosine similarity of five sentences"))

    return made
