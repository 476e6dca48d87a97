"""Whether an uploaded file fits a model's file parameter: its size, its declared type and its real type.

The real type comes from the magic bytes, never from the name or the browser's word for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai_registry.catalog.models import ModelParameter
from ai_registry.media.probe import inspect_upload
from ai_registry.media.sniff import MEDIA_TYPES, sniff_media
from ai_registry.media.storage import new_upload_path
from ai_registry.settings import get_settings

# MIME types a parameter may accept -> the sniffed kind of file they mean.
MIME_KINDS: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/webp": "webp",
    "image/gif": "gif",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/webm": "webm",
    "video/webm": "webm",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mp4": "mp4",
    "audio/m4a": "mp4",
    "audio/x-m4a": "mp4",
    "video/mp4": "mp4",
    "video/quicktime": "mp4",
}
KIND_LABELS: dict[str, str] = {
    "png": "PNG",
    "jpeg": "JPEG",
    "webp": "WebP",
    "gif": "GIF",
    "wav": "WAV",
    "mp3": "MP3",
    "ogg": "OGG",
    "webm": "WebM",
    "flac": "FLAC",
    "mp4": "MP4",
}
EXTENSION_KINDS: dict[str, str] = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "webp": "webp",
    "gif": "gif",
    "wav": "wav",
    "mp3": "mp3",
    "ogg": "ogg",
    "oga": "ogg",
    "opus": "ogg",
    "webm": "webm",
    "flac": "flac",
    "mp4": "mp4",
    "m4a": "mp4",
    "mov": "mp4",
}


def _join_choices(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def accepted_kinds(param: ModelParameter) -> list[str]:
    """The file kinds a file parameter accepts, in the order its `accept` list names them."""
    kinds: list[str] = []
    for mime in param.accept or []:
        kind = MIME_KINDS.get(mime.strip().lower())
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def accept_message(param: ModelParameter) -> str:
    """`PNG, JPEG or WebP only`."""
    kinds = accepted_kinds(param)
    if not kinds:
        return "This kind of file is not accepted"
    return f"{_join_choices([KIND_LABELS[k] for k in kinds])} only"


def format_megabytes(size: int, *, binary: bool) -> str:
    """31.2 MB; 25 MB. Binary megabytes when the limit is a whole number of them (25 MB = 26,214,400 bytes)."""
    unit = 1024 * 1024 if binary else 1_000_000
    value = size / unit
    text = f"{value:.1f}".removesuffix(".0")
    if text == "0" and size:
        text = f"{value:.2f}".rstrip("0")
    return f"{text} MB"


def size_message(size: int, limit: int) -> str:
    """`File is 31.2 MB; the limit is 25 MB`."""
    binary = limit % (1024 * 1024) == 0
    return f"File is {format_megabytes(size, binary=binary)}; the limit is {format_megabytes(limit, binary=binary)}"


def _kind_from_name(filename: str, content_type: str | None) -> str | None:
    if content_type:
        kind = MIME_KINDS.get(content_type.split(";")[0].strip().lower())
        if kind:
            return kind
    extension = Path(filename or "").suffix.lower().lstrip(".")
    return EXTENSION_KINDS.get(extension)


def check_upload(
    param: ModelParameter,
    filename: str,
    content_type: str | None,
    size: int | None,
    head_bytes: bytes,
) -> str | None:
    """Why an uploaded file does not fit `param` (size, declared type, real type by magic bytes), or None."""
    limit = param.max_bytes or get_settings().upload_max_bytes
    if size is not None and size > limit:
        return size_message(size, limit)
    if size == 0 or (size is None and not head_bytes):
        return "The file is empty"
    kinds = accepted_kinds(param)
    if not kinds:
        return None
    declared = _kind_from_name(filename, content_type)
    if declared is not None and declared not in kinds:
        return accept_message(param)
    sniffed = sniff_media(head_bytes)
    if sniffed is None or sniffed not in kinds:
        return accept_message(param)
    return None


def structure_problem(
    param: ModelParameter, source: bytes | str | os.PathLike[str], filename: str, content_type: str | None
) -> str | None:
    """Why a file that passed `check_upload` still may not be used, from its structure: an image
    whose header declares a decompression bomb, a WAV or MP4 header that lies about its length, a
    file cut off inside its header (see `media.probe`); None when it may go to a model."""
    kinds = accepted_kinds(param)
    limit = param.max_bytes or get_settings().upload_max_bytes
    inspection = inspect_upload(
        source, filename=filename, content_type=content_type, max_bytes=limit, accepted=kinds or None
    )
    return inspection.problem


@dataclass(frozen=True)
class SavedUpload:
    """An accepted upload, saved under the media folder."""

    path: Path
    filename: str  # the name the person's file had
    content_type: str  # from the bytes
    size: int

    @property
    def reference(self) -> dict[str, Any]:
        """What a run's values carry for the file (see `kinds.values.file_part`)."""
        return {"filename": self.filename, "content_type": self.content_type, "path": str(self.path), "size": self.size}

    @property
    def label(self) -> str:
        """`photo.png (1.2 MB)`, or bytes for small files."""
        size = f"{self.size / 1e6:.1f} MB" if self.size > 1e5 else f"{self.size:,} bytes"
        return f"{self.filename} ({size})"


def save_upload(param: ModelParameter, filename: str, content_type: str, data: bytes) -> tuple[SavedUpload | None, str]:
    """Check an upload against `param` and save it, named by what its bytes are; else why not."""
    problem = check_upload(param, filename, content_type, len(data), data[:64])
    problem = problem or structure_problem(param, data, filename, content_type)
    if problem:
        return None, problem
    detected = MEDIA_TYPES.get(sniff_media(data[:64]) or "")
    if detected is None:
        return None, "the file's contents are not a media type this model takes."
    extension, real_type, _kind = detected
    target = new_upload_path(extension)
    target.write_bytes(data)
    return SavedUpload(path=target, filename=filename, content_type=real_type, size=len(data)), ""
