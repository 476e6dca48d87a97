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
import wave
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_registry.local.catalog import THUMBNAILS_DIR, thumbnail_path
from ai_registry.local.engine import LocalEngine, get_engine

if TYPE_CHECKING:
    from PIL import ImageDraw

# The card's thumbnail box has this aspect ratio (5:2, `aspect-[5/2]` in components/model_card.py),
# so the whole picture shows at every width. Drawn at twice the largest size a card shows it
# (about 400 px wide), so a retina screen shows it sharp; the main text is 20-24 px (10-12 px on screen).
WIDTH, HEIGHT = 800, 320
MARGIN = 28
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
CHAT_MAX_TOKENS = 70
EMBEDDING_SENTENCES = (
    ("cat on mat", "The cat sits on the mat."),
    ("kitten on rug", "A kitten is resting on a rug."),
    ("stocks fell", "Stock markets fell sharply today."),
    ("shares dropped", "Share prices dropped on Wall Street."),
    ("pasta recipe", "Boil the pasta for ten minutes."),
)


@dataclass
class Thumbnail:
    """One generated thumbnail and the real output it shows; `clipped` if some of its text did not fit."""

    slug: str
    path: Path
    caption: str
    clipped: bool = False


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


class _Canvas:
    """One thumbnail being drawn; remembers whether any text had to be cut to fit."""

    def __init__(self) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
        self.draw: ImageDraw.ImageDraw = ImageDraw.Draw(self.image)
        self.clipped = False

    def lines(self, text: str, size: int, width: int) -> list[str]:
        """`text` wrapped to lines no wider than `width` pixels at `size`."""
        font = _font(size)
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}".strip()
                if line and self.draw.textlength(candidate, font=font) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines

    def text(self, text: str, xy: tuple[int, int], *, width: int, size: int, fill: tuple[int, int, int],
             max_lines: int) -> int:
        """Draw wrapped text; the y below it. Past `max_lines` the last line ends in "…" (and `clipped`)."""
        lines = self.lines(text, size, width)
        if len(lines) > max_lines:
            self.clipped = True
            lines = lines[:max_lines]
            lines[-1] = lines[-1].rstrip() + " …"
        x, y = xy
        for line in lines:
            self.draw.text((x, y), line, font=_font(size), fill=fill)
            y += int(size * 1.35)
        return y

    def footer(self, text: str) -> None:
        """The small muted line along the bottom edge that says what the picture is."""
        self.draw.text((MARGIN, HEIGHT - MARGIN - 16), text, font=_font(16), fill=MUTED)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A 64-colour palette keeps flat UI-like images small without visible loss.
        self.image.quantize(colors=64, dither=0).save(path, format="PNG", optimize=True)
        if path.stat().st_size > MAX_BYTES:
            self.image.quantize(colors=16, dither=0).save(path, format="PNG", optimize=True)
        return path


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
    draw.rounded_rectangle(box, radius=12, fill=PANEL)
    columns = (right - left - 24) // 2
    middle = (top + bottom) // 2
    half = (bottom - top) // 2 - 12
    chunks = np.array_split(samples, columns)
    peak = max(float(np.abs(samples).max()), 1e-6)
    for i, chunk in enumerate(chunks):
        if chunk.size == 0:
            continue
        low, high = float(chunk.min()) / peak, float(chunk.max()) / peak
        x = left + 12 + 2 * i
        draw.line([(x, middle - high * half), (x, middle - low * half)], fill=color, width=2)


def render_speech(text: str, wav_bytes: bytes, path: Path) -> Thumbnail:
    """A waveform of real synthesized speech, with the whole sentence it speaks."""
    samples, rate = _pcm_samples(wav_bytes)
    canvas = _Canvas()
    _draw_waveform(canvas.draw, samples, (MARGIN, MARGIN, WIDTH - MARGIN, 172), ACCENT)
    canvas.text(f"“{text}”", (MARGIN, 188), width=WIDTH - 2 * MARGIN, size=24, fill=TEXT, max_lines=2)
    canvas.footer(f"Real output · {samples.size / rate:.1f} s of speech · {rate:,} Hz WAV")
    return Thumbnail("", canvas.save(path), text, canvas.clipped)


def render_transcript(segments: Sequence[Any], wav_bytes: bytes, path: Path) -> Thumbnail:
    """The transcript Whisper made of real speech, with the time span it heard."""
    samples, _rate = _pcm_samples(wav_bytes)
    canvas = _Canvas()
    _draw_waveform(canvas.draw, samples, (MARGIN, MARGIN, WIDTH - MARGIN, 104), ACCENT_2)
    canvas.draw.rounded_rectangle((MARGIN, 118, WIDTH - MARGIN, HEIGHT - 58), radius=12, fill=PANEL)
    text = " ".join(segment.text.strip() for segment in segments)
    if segments:
        stamp = f"{segments[0].start:.2f} s - {segments[-1].end:.2f} s"  # the default font has no en dash
        canvas.draw.text((MARGIN + 16, 130), stamp, font=_font(18), fill=ACCENT_2)
    canvas.text(text, (MARGIN + 16, 160), width=WIDTH - 2 * MARGIN - 32, size=24, fill=TEXT, max_lines=2)
    canvas.footer("Real output · transcript of the Piper Joe sample")
    return Thumbnail("", canvas.save(path), text, canvas.clipped)


def render_chat(prompt: str, answer: str, path: Path) -> Thumbnail:
    """A real chat exchange: the prompt and the model's whole answer."""
    canvas = _Canvas()
    prompt_width = int(canvas.draw.textlength(prompt, font=_font(20))) + 32
    canvas.draw.rounded_rectangle((WIDTH - MARGIN - prompt_width, MARGIN, WIDTH - MARGIN, MARGIN + 44),
                                  radius=14, fill=(30, 64, 175))
    canvas.draw.text((WIDTH - MARGIN - prompt_width + 16, MARGIN + 11), prompt, font=_font(20), fill=TEXT)
    canvas.draw.rounded_rectangle((MARGIN, 86, WIDTH - MARGIN, HEIGHT - 54), radius=14, fill=PANEL)
    canvas.text(answer, (MARGIN + 16, 98), width=WIDTH - 2 * MARGIN - 32, size=20, fill=TEXT, max_lines=6)
    canvas.footer("Real output · SmolLM2 135M via llama.cpp on this server's CPU")
    return Thumbnail("", canvas.save(path), answer, canvas.clipped)


def render_similarity(labels: Sequence[str], matrix: Any, path: Path) -> Thumbnail:
    """A heatmap of cosine similarities between real embeddings: every row and column."""
    canvas = _Canvas()
    n = len(labels)
    cell = min(48, (HEIGHT - 2 * MARGIN - 24) // n)
    left, top = 200, MARGIN
    for row in range(n):
        canvas.draw.text((MARGIN, top + row * cell + cell // 2 - 10), labels[row], font=_font(18), fill=TEXT)
        for col in range(n):
            value = float(matrix[row][col])
            strength = max(0.0, min(1.0, value))
            color = tuple(int(PANEL[i] + (ACCENT[i] - PANEL[i]) * strength) for i in range(3))
            x, y = left + col * cell, top + row * cell
            canvas.draw.rectangle((x, y, x + cell - 3, y + cell - 3), fill=color)
            canvas.draw.text((x + cell // 2 - 1, y + cell // 2 - 1), f"{value:.2f}", font=_font(15), anchor="mm",
                             fill=TEXT if strength < 0.7 else BACKGROUND)
    legend_x = left + n * cell + 24
    canvas.text(
        "Paraphrases score high; unrelated sentences score low.",
        (legend_x, top + 4),
        width=WIDTH - MARGIN - legend_x,
        size=20,
        fill=TEXT,
        max_lines=4,
    )
    canvas.footer("Real output · cosine similarity of 384-d MiniLM embeddings")
    return Thumbnail("", canvas.save(path), "cosine similarity of five sentences", canvas.clipped)


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
        drawn = render_speech(SPOKEN_SENTENCE, wav, thumbnail_path(engine.speech.slug, out))
        made.append(replace(drawn, slug=engine.speech.slug))

    if wav is not None and engine.transcription.status().available:
        transcript = engine.transcription.transcribe(wav)
        drawn = render_transcript(transcript.segments, wav, thumbnail_path(engine.transcription.slug, out))
        made.append(replace(drawn, slug=engine.transcription.slug, caption=transcript.text))

    if engine.chat.status().available:
        result = engine.chat.complete(
            {
                "messages": [{"role": "user", "content": CHAT_PROMPT}],
                "max_tokens": CHAT_MAX_TOKENS,
                "temperature": 0.2,
                "seed": CHAT_SEED,
            }
        )
        answer = result["choices"][0]["message"]["content"].strip()
        drawn = render_chat(CHAT_PROMPT, answer, thumbnail_path(engine.chat.slug, out))
        made.append(replace(drawn, slug=engine.chat.slug))

    if engine.embeddings.status().available:
        labels = [label for label, _ in EMBEDDING_SENTENCES]
        vectors = engine.embeddings.embed([sentence for _, sentence in EMBEDDING_SENTENCES]).vectors
        matrix = np.asarray(vectors @ vectors.T)
        drawn = render_similarity(labels, matrix, thumbnail_path(engine.embeddings.slug, out))
        made.append(replace(drawn, slug=engine.embeddings.slug))

    return made
