"""Checks on an uploaded (or fetched) media file, before any model sees it.

`inspect_upload` reads only headers and structure, never pixels or samples in bulk: the real type
by magic bytes (a name or content type that says otherwise is refused), the size, images whose
header declares a decompression bomb, WAV headers that claim more audio than the file holds or an
absurd format, MP4 files cut off mid-box, and truncated PNG, JPEG, WebP and GIF files. It also
cleans the file name. Every refusal is a sentence for the person who sent the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import unicodedata
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ai_registry.media.sniff import sniff_media

IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 10_000
VIDEO_MAX_SIDE = 8_192
WAV_RATES = (1_000, 384_000)
WAV_MAX_CHANNELS = 32
NAME_MAX_CHARS = 100

# kind -> (canonical extension, MIME type, label); the kinds `sniff_kind` tells apart.
KINDS: dict[str, tuple[str, str, str]] = {
    "png": ("png", "image/png", "PNG image"),
    "jpeg": ("jpg", "image/jpeg", "JPEG image"),
    "webp": ("webp", "image/webp", "WebP image"),
    "gif": ("gif", "image/gif", "GIF image"),
    "wav": ("wav", "audio/wav", "WAV audio file"),
    "mp3": ("mp3", "audio/mpeg", "MP3 audio file"),
    "ogg": ("ogg", "audio/ogg", "OGG audio file"),
    "flac": ("flac", "audio/flac", "FLAC audio file"),
    "mp4": ("mp4", "video/mp4", "MP4 file"),
    "webm": ("webm", "video/webm", "WebM file"),
}
# What a file name's extension or a declared MIME type claims (one kind may have several spellings).
_EXTENSIONS = {"jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "oga": "ogg", "opus": "ogg", "m4a": "mp4", "mov": "mp4"}
_MIME_ALIASES = {"image/jpg": "jpeg", "image/pjpeg": "jpeg", "audio/x-wav": "wav", "audio/wave": "wav",
                 "audio/vnd.wave": "wav", "audio/mp3": "mp3", "audio/opus": "ogg", "audio/webm": "webm",
                 "audio/x-flac": "flac", "audio/mp4": "mp4", "audio/m4a": "mp4", "audio/x-m4a": "mp4",
                 "video/quicktime": "mp4"}  # fmt: skip
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.IGNORECASE)
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class UploadInspection:
    """What `inspect_upload` found: `problem` is None when the file may be used."""

    problem: str | None
    kind: str | None = None  # "png", "wav", ... (a key of KINDS)
    size: int = 0
    filename: str = ""  # the cleaned name, with the extension the contents call for
    width: int | None = None
    height: int | None = None
    seconds: float | None = None  # WAV only: the duration its header declares

    @property
    def content_type(self) -> str | None:
        """The MIME type the contents have (not the one the sender claimed)."""
        return KINDS[self.kind][1] if self.kind else None


class _Refused(Exception):
    """A check's refusal; its message becomes `UploadInspection.problem`."""


def sniff_kind(head: bytes) -> str | None:
    """The kind of file the first bytes say (a key of KINDS), or None: `media.sniff.sniff_media`."""
    return sniff_media(head)


def clean_filename(name: str, default: str = "upload") -> str:
    """A file name safe in a path, a header and a shell: the last path part, ASCII letters, digits and
    `._-`, no leading dot, no Windows device name, at most 100 characters (the extension kept)."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE_NAME_CHARS.sub("_", base).strip("._-")
    cleaned = re.sub(r"_{2,}", "_", cleaned)
    if _WINDOWS_RESERVED.match(cleaned):
        cleaned = "_" + cleaned
    if len(cleaned) > NAME_MAX_CHARS:
        stem, dot, ext = cleaned.rpartition(".")
        ext = ext[:10] if dot else ""
        cleaned = (stem if dot else cleaned)[: NAME_MAX_CHARS - len(ext) - 1].rstrip("._-") + (f".{ext}" if ext else "")
    return cleaned or default


def claimed_kind(filename: str, content_type: str | None) -> tuple[str | None, str]:
    """The kind a declared MIME type (first) or the file's extension claims, and what claimed it."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    by_mime = {value[1]: key for key, value in KINDS.items()} | _MIME_ALIASES
    if mime in by_mime:
        return by_mime[mime], f"says it is {mime}"
    extension = Path(filename or "").suffix.lower().lstrip(".")
    kind = _EXTENSIONS.get(extension) or (extension if extension in KINDS else None)
    return kind, f"is named {clean_filename(filename)}"


def _megabytes(size: int, limit: int) -> tuple[str, str]:
    unit = 1 << 20 if limit % (1 << 20) == 0 else 1_000_000
    return tuple(f"{value / unit:.1f}".removesuffix(".0") for value in (size, limit))  # type: ignore[return-value]


def _labels(kinds: Collection[str]) -> str:
    names = [KINDS[k][2].split(" ")[0] for k in kinds if k in KINDS]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@contextlib.contextmanager
def _opened(source: bytes | bytearray | str | os.PathLike[str]) -> Iterator[tuple[BinaryIO, int]]:
    if isinstance(source, bytes | bytearray):
        yield io.BytesIO(bytes(source)), len(source)
        return
    with open(source, "rb") as fh:
        yield fh, os.fstat(fh.fileno()).st_size


def harden_pillow() -> None:
    """Keep Pillow's own bomb limit on (and no looser than ours) for every image this process opens."""
    # Pillow loads only when an image is inspected: the local engine checks audio with this module
    # and must start without it (tests/local/test_catalog.py holds it to that).
    from PIL import Image
    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > IMAGE_MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS


def _check_dimensions(width: int, height: int, label: str) -> None:
    if width <= 0 or height <= 0:
        raise _Refused(f"The {label} declares a size of {width} × {height} pixels, which is not an image")
    if max(width, height) > IMAGE_MAX_SIDE or width * height > IMAGE_MAX_PIXELS:
        raise _Refused(
            f"The {label} declares {width:,} × {height:,} pixels; the limit is {IMAGE_MAX_SIDE:,} pixels a side "
            f"and {IMAGE_MAX_PIXELS // 1_000_000} megapixels"
        )


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        return struct.unpack("<H", head[26:28])[0] & 0x3FFF, struct.unpack("<H", head[28:30])[0] & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def _inspect_image(fh: BinaryIO, size: int, kind: str) -> tuple[int, int]:
    """The image's width and height from its header; refuses bombs and truncated files."""
    from PIL import Image, UnidentifiedImageError  # see harden_pillow

    label = KINDS[kind][2]
    fh.seek(0)
    head = fh.read(64)
    if kind == "webp":
        riff_size = int.from_bytes(head[4:8], "little") + 8
        if riff_size > size:
            raise _Refused(f"The {label} is cut off: its header says {riff_size:,} bytes, the file has {size:,}")
        declared = _webp_size(head)
        if declared is None:
            raise _Refused(f"The {label} has no frame header Pillow or a model could read")
        _check_dimensions(*declared, label)
    harden_pillow()
    fh.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged below, by our own limit
            with Image.open(fh, formats=[kind.upper()]) as image:
                width, height = image.size
                _check_dimensions(width, height, label)
                if kind == "png":
                    image.verify()  # walks every chunk and its checksum, up to IEND, without decoding pixels
                elif kind == "jpeg":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8 scale
                    image.load()
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise _Refused(
            f"The {label} declares {pixels}; the limit is {IMAGE_MAX_PIXELS // 1_000_000} megapixels"
        ) from None
    except (UnidentifiedImageError, SyntaxError, OSError, ValueError, struct.error, EOFError) as exc:
        cut = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
        raise _Refused(f"The {label} is {'cut off' if cut else 'damaged'} and cannot be read") from None
    fh.seek(max(0, size - 64))
    tail = fh.read()
    if kind == "gif" and not tail.rstrip(b"\0").endswith(b";"):  # the trailer byte every complete GIF ends with
        raise _Refused(f"The {label} is cut off (it has no GIF trailer)")
    if kind == "png" and b"IEND\xaeB`\x82" not in tail:  # the end chunk, with its fixed checksum
        raise _Refused(f"The {label} is cut off (it has no end chunk)")
    return width, height


def _riff_chunks(fh: BinaryIO, size: int) -> Iterator[tuple[bytes, int, int]]:
    """(chunk id, declared size, data offset) for each chunk after the RIFF/WAVE header, at most 1,000."""
    offset = 12
    for _ in range(1000):
        if offset + 8 > size:
            return
        fh.seek(offset)
        chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
        yield chunk_id, chunk_size, offset + 8
        offset += 8 + chunk_size + (chunk_size & 1)


def _inspect_wav(fh: BinaryIO, size: int) -> float:
    """The duration the WAV header declares; refuses absurd formats and lengths the file does not hold."""
    fmt: tuple[int, int, int, int, int, int] | None = None
    for chunk_id, chunk_size, data_at in _riff_chunks(fh, size):
        if chunk_id == b"fmt ":
            if chunk_size < 16:
                raise _Refused("The WAV file's format header is too short")
            fh.seek(data_at)
            fmt = struct.unpack("<HHIIHH", fh.read(16))
            continue
        if chunk_id != b"data":
            continue
        if fmt is None:
            raise _Refused("The WAV file has no format header before its audio")
        audio_format, channels, rate, byte_rate, block_align, bits = fmt
        if audio_format not in (1, 3, 6, 7, 0xFFFE):
            raise _Refused(f"The WAV file uses audio format {audio_format}, which is not plain PCM or float")
        if not 1 <= channels <= WAV_MAX_CHANNELS:
            raise _Refused(f"The WAV header declares {channels} channels; 1 to {WAV_MAX_CHANNELS} are accepted")
        if not WAV_RATES[0] <= rate <= WAV_RATES[1]:
            raise _Refused(
                f"The WAV header declares {rate:,} samples a second; {WAV_RATES[0]:,} to {WAV_RATES[1]:,} are accepted"
            )
        if bits not in (8, 16, 24, 32, 64) or block_align != channels * bits // 8 or byte_rate != rate * block_align:
            raise _Refused("The WAV header's sample size, block size and byte rate do not agree")
        held = size - data_at
        if chunk_size > held:
            raise _Refused(
                f"The WAV header says it holds {chunk_size / byte_rate:,.1f} s of audio, but the file has only "
                f"{held / byte_rate:,.1f} s (the header is wrong or the file is cut off)"
            )
        return chunk_size / byte_rate
    raise _Refused("The WAV file has no audio data")


def _boxes(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, data offset, box end) of the ISO media boxes between `start` and `end`, at most 1,000."""
    offset = start
    for _ in range(1000):
        if offset + 8 > end:
            return
        fh.seek(offset)
        box_size, box_type = struct.unpack(">I4s", fh.read(8))
        header = 8
        if box_size == 1:
            box_size, header = struct.unpack(">Q", fh.read(8))[0], 16
        elif box_size == 0:
            box_size = end - offset
        if box_size < header or offset + box_size > end:
            raise _Refused(f"The MP4 file is cut off (its {box_type.decode('latin-1')!r} box runs past the end)")
        yield box_type, offset + header, offset + box_size
        offset += box_size


def _inspect_mp4(fh: BinaryIO, size: int) -> tuple[int | None, int | None]:
    """The largest track size in an MP4's headers; refuses files cut off or without a `moov` index."""
    top = {box_type: (data_at, end) for box_type, data_at, end in _boxes(fh, 0, size)}
    if b"moov" not in top:
        raise _Refused("The MP4 file has no index ('moov' box); it is cut off or still being written")
    width = height = None
    for box_type, data_at, end in _boxes(fh, *top[b"moov"]):
        if box_type != b"trak":
            continue
        for inner_type, inner_at, _inner_end in _boxes(fh, data_at, end):
            if inner_type != b"tkhd":
                continue
            fh.seek(inner_at)
            version = fh.read(1)[0]
            fh.seek(inner_at + (88 if version == 1 else 76))  # width and height: the last two 16.16 numbers
            track_w, track_h = (value >> 16 for value in struct.unpack(">II", fh.read(8)))
            if max(track_w, track_h) > VIDEO_MAX_SIDE:
                raise _Refused(
                    f"The video declares {track_w:,} × {track_h:,} pixels; the limit is {VIDEO_MAX_SIDE:,} a side"
                )
            if track_w and track_h:
                width, height = max(width or 0, track_w), max(height or 0, track_h)
    return width, height


def inspect_upload(
    source: bytes | bytearray | str | os.PathLike[str],
    *,
    filename: str,
    content_type: str | None = None,
    max_bytes: int,
    accepted: Collection[str] | None = None,
) -> UploadInspection:
    """Check an upload (its bytes, or the path of a file holding them) before anything uses it.

    `accepted` is the kinds the receiving parameter takes (keys of KINDS; None: any of them).
    Returns an `UploadInspection` whose `problem` is a sentence ("The PNG image declares 50,000 ×
    50,000 pixels; ...") or None, with the real kind, the cleaned name and what the header says.
    """
    with _opened(source) as (fh, size):
        if size > max_bytes:
            shown_size, shown_limit = _megabytes(size, max_bytes)
            return UploadInspection(f"File is {shown_size} MB; the limit is {shown_limit} MB", size=size)
        if size == 0:
            return UploadInspection("The file is empty")
        kind = sniff_kind(fh.read(64))
        if kind is None:
            wanted = _labels(accepted) if accepted else _labels(KINDS)
            return UploadInspection(f"The file's contents are not a media file this server takes ({wanted})", size=size)
        claimed, how = claimed_kind(filename, content_type)
        label = KINDS[kind][2]
        if claimed is not None and claimed != kind:
            return UploadInspection(f"The file {how} but holds a {label}", kind=kind, size=size)
        if accepted is not None and kind not in accepted:
            return UploadInspection(f"{_labels(accepted)} only (this is a {label})", kind=kind, size=size)
        stem = clean_filename(Path(clean_filename(filename)).stem, "upload")
        name = f"{stem}.{KINDS[kind][0]}"
        width = height = None
        seconds = None
        try:
            if kind in ("png", "jpeg", "webp", "gif"):
                width, height = _inspect_image(fh, size, kind)
            elif kind == "wav":
                seconds = _inspect_wav(fh, size)
            elif kind == "mp4":
                width, height = _inspect_mp4(fh, size)
        except _Refused as refusal:
            return UploadInspection(str(refusal), kind=kind, size=size, filename=name)
        except (struct.error, IndexError, OSError):
            return UploadInspection(f"The {label} is cut off or damaged and cannot be read", kind=kind, size=size)
    return UploadInspection(None, kind=kind, size=size, filename=name, width=width, height=height, seconds=seconds)
