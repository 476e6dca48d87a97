"""Small but real media files made in code, for tests and the contract server.

Every function returns bytes that real decoders accept: a PNG that Pillow opens, an H.264 MP4 that
ffmpeg decodes, a PCM WAV that the ``wave`` module reads. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import io
import math
import os
import struct
import subprocess
import tempfile
import wave

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["mp4_bytes", "png_bytes", "sniff_media", "wav_bytes"]

Color = tuple[int, int, int] | str


def png_bytes(width: int, height: int, color: Color = (40, 120, 200)) -> bytes:
    """A ``width`` x ``height`` PNG filled with ``color`` and a contrasting ellipse, so it is not flat."""
    if width < 1 or height < 1:
        raise ValueError("width and height must be positive")
    image = Image.new("RGB", (width, height), color)
    r, g, b = image.getpixel((0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (width // 4, height // 4, max(width * 3 // 4, width // 4), max(height * 3 // 4, height // 4)),
        fill=(255 - r, 255 - g, 255 - b),
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=32)
def mp4_bytes(width: int = 64, height: int = 36, seconds: float = 1.0, fps: int = 8) -> bytes:
    """A real H.264 MP4 (yuv420p, faststart) of a square moving over a gradient; cached per arguments.

    The file has exactly ``round(seconds * fps)`` frames (at least one).
    """
    if width % 2 or height % 2 or width < 2 or height < 2:
        raise ValueError("yuv420p needs even, positive width and height")
    if fps < 1 or seconds <= 0:
        raise ValueError("fps and seconds must be positive")
    import imageio_ffmpeg  # local import: only video tests pay for locating the binary

    frames = max(1, round(seconds * fps))
    ys, xs = np.mgrid[0:height, 0:width]
    background = np.stack(
        [xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), np.full_like(xs, 96)], axis=-1
    ).astype(np.uint8)
    side = max(2, min(width, height) // 3)
    raw = bytearray()
    for i in range(frames):
        frame = background.copy()
        x = (i * max(1, (width - side) // max(frames - 1, 1))) % max(width - side, 1)
        y = (height - side) // 2
        frame[y : y + side, x : x + side] = (255, 255, 255)
        raw += frame.tobytes()

    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
            "-frames:v", str(frames),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", path,
        ]  # fmt: skip
        proc = subprocess.run(cmd, input=bytes(raw), capture_output=True, timeout=60, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {proc.stderr.decode(errors='replace')[-500:]}")
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def wav_bytes(seconds: float = 1.0, freq: float = 440.0, rate: int = 16000) -> bytes:
    """A mono 16-bit PCM WAV holding a sine tone with short fades (no clicks)."""
    if seconds <= 0 or rate <= 0:
        raise ValueError("seconds and rate must be positive")
    n = max(1, int(seconds * rate))
    fade = max(1, min(n // 10, rate // 100))
    samples = bytearray()
    for i in range(n):
        envelope = min(1.0, i / fade, (n - 1 - i) / fade)
        value = int(0.3 * 32767 * envelope * math.sin(2 * math.pi * freq * i / rate))
        samples += struct.pack("<h", value)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(samples))
    return out.getvalue()


def sniff_media(data: bytes) -> str | None:
    """The media kind told by the magic number of ``data``.

    One of "wav", "mp3", "ogg", "webm", "mp4", "flac", "png", "jpeg", "webp", "gif"; None when unknown.
    """
    head = bytes(data[:64])
    if len(head) < 4:
        return None
    if head[:4] == b"RIFF" and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WAVE":
            return "wav"
        if kind == b"WEBP":
            return "webp"
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM or Matroska
        return "webm"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:3] == b"ID3":
        return "mp3"
    # MPEG audio frame sync; layer bits 00 would be AAC ADTS, not MP3.
    if head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"
    return None
