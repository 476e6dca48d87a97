"""What a media file is, told by its bytes: the magic number, its MIME type, its duration.

Pure functions over bytes and files; no settings, no network.
"""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg

# What a magic number says -> (file extension, MIME type, kind of output).
MEDIA_TYPES: dict[str, tuple[str, str, str]] = {
    "png": ("png", "image/png", "image"),
    "jpeg": ("jpg", "image/jpeg", "image"),
    "webp": ("webp", "image/webp", "image"),
    "gif": ("gif", "image/gif", "image"),
    "mp4": ("mp4", "video/mp4", "video"),
    "webm": ("webm", "video/webm", "video"),
    "wav": ("wav", "audio/wav", "audio"),
    "mp3": ("mp3", "audio/mpeg", "audio"),
    "ogg": ("ogg", "audio/ogg", "audio"),
    "flac": ("flac", "audio/flac", "audio"),
}
CONTENT_TYPES: dict[str, str] = {ext: mime for ext, mime, _ in MEDIA_TYPES.values()} | {"json": "application/json"}


def sniff_media(data: bytes) -> str | None:
    """The media kind told by the magic number of `data`.

    One of "wav", "mp3", "ogg", "webm", "mp4", "flac", "png", "jpeg", "webp", "gif"; None when unknown.
    """
    head = bytes(data[:64])
    if len(head) < 4:
        return None
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WAVE": "wav", b"WEBP": "webp"}.get(head[8:12])
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


def read_head(path: str | Path, size: int = 64) -> bytes:
    """The first bytes of a file, for sniffing."""
    with open(path, "rb") as fh:
        return fh.read(size)


def media_seconds(path: str | Path) -> float | None:
    """The duration of an audio or video file: WAV read directly, anything else probed with ffmpeg."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError, OSError):
        pass
    try:
        proc = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(rb"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", proc.stderr)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
