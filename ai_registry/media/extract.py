"""Media out of answers: base64 fields and raw bodies written to files as they stream in.

Responses carry media as base64 inside JSON (`video_base64`, ...) or as raw bytes. Both are written
to `<run_id>.<ext>` in chunks, so a 50 MB video never sits in memory whole (let alone as the base64
text, the JSON string and the decoded bytes at once). The JSON around the base64 is kept, with each
media string replaced by a short description, for the request log.
"""

from __future__ import annotations

import binascii
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai_registry.media.sniff import MEDIA_TYPES, sniff_media
from ai_registry.media.storage import media_url

# JSON fields whose string value is base64 media, in the order a response is searched.
MEDIA_FIELDS: tuple[str, ...] = ("video_base64", "image_base64", "audio_base64", "b64_json")
# How a shortened base64 string reads: its first characters, then its decoded size.
SHORT_PREFIX_CHARS = 12
_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
_DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[^;,]*)*;base64,", re.IGNORECASE)
_MIN_SHORTEN_CHARS = 120


class InvalidMedia(ValueError):
    """A response's media could not be decoded or is not a file of a known kind."""


def describe_base64(prefix: str, decoded_bytes: int) -> str:
    """How a long base64 string shows in a log: `iVBORw0KGgo… (123,456 bytes)`."""
    return f"{prefix}… ({decoded_bytes:,} bytes)"


def _decoded_size(text: str) -> int:
    text = text.rstrip()
    return len(text) * 3 // 4 - (len(text) - len(text.rstrip("=")))


def _shorten_string(text: str) -> str:
    if len(text) < _MIN_SHORTEN_CHARS:
        return text
    uri = _DATA_URI.match(text)
    if uri:
        payload = text[uri.end() :]
        return uri.group(0) + describe_base64(payload[:SHORT_PREFIX_CHARS], _decoded_size(payload))
    if _BASE64_TEXT.match(text):
        return describe_base64(text[:SHORT_PREFIX_CHARS], _decoded_size(text))
    return text


def shorten_base64(obj: Any, *, max_numbers: int | None = None) -> Any:
    """A copy of a JSON value with every long base64 string (or base64 `data:` URI) described instead.

    With `max_numbers`, lists of more numbers than that keep their first ones and a note of the count
    (embedding vectors stay readable in a log).
    """
    if isinstance(obj, str):
        return _shorten_string(obj)
    if isinstance(obj, dict):
        return {key: shorten_base64(value, max_numbers=max_numbers) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        if (
            max_numbers is not None
            and len(obj) > max_numbers
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in obj)
        ):
            return [*obj[: max_numbers // 2], f"… ({len(obj):,} numbers)"]
        return [shorten_base64(value, max_numbers=max_numbers) for value in obj]
    return obj


@dataclass(frozen=True)
class MediaFile:
    """One media file written from a response."""

    path: Path
    kind: str  # the sniffed format: "png", "mp4", "wav", ...
    size: int
    field: str | None = None  # the JSON field it came from; None for a raw body

    @property
    def extension(self) -> str:
        return MEDIA_TYPES[self.kind][0]

    @property
    def content_type(self) -> str:
        return MEDIA_TYPES[self.kind][1]

    @property
    def output_kind(self) -> str:
        """ "image", "video" or "audio"."""
        return MEDIA_TYPES[self.kind][2]

    @property
    def url(self) -> str:
        return media_url(self.path)


def _finalize(part: Path, kind: str | None, stem: str, size: int, field: str | None) -> MediaFile:
    if size == 0:
        part.unlink(missing_ok=True)
        raise InvalidMedia("the media is empty")
    if kind is None:
        part.unlink(missing_ok=True)
        raise InvalidMedia("the media is not a file of a known format (PNG, JPEG, WebP, MP4, WebM, WAV, MP3, OGG)")
    final = part.with_name(f"{stem}.{MEDIA_TYPES[kind][0]}")
    part.replace(final)
    return MediaFile(path=final, kind=kind, size=size, field=field)


class RawMediaWriter:
    """Writes a raw media body (e.g. `audio/wav` bytes) to `<stem>.<ext>`, chunk by chunk."""

    def __init__(self, directory: Path, stem: str) -> None:
        self._stem = stem
        self._part = directory / f"{stem}.part"
        self._fh: io.BufferedWriter | None = open(self._part, "wb")  # noqa: SIM115 (closed in finish/abort)
        self._head = b""
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        if self._fh is None or not chunk:
            return
        if len(self._head) < 64:
            self._head += chunk[: 64 - len(self._head)]
        self._fh.write(chunk)
        self.size += len(chunk)

    def finish(self) -> MediaFile:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        return _finalize(self._part, sniff_media(self._head), self._stem, self.size, None)

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._part.unlink(missing_ok=True)


class _Base64Writer:
    """Decodes one base64 string, fed in pieces as it appears in the JSON text, into a file."""

    def __init__(self, part: Path) -> None:
        self.part = part
        self._fh: io.BufferedWriter | None = open(part, "wb")  # noqa: SIM115 (closed in finish/abort)
        self._start = b""  # the first raw bytes, until a `data:` prefix is known to be there or not
        self._started = False
        self.prefix = ""  # the data: URI header, when the string is one
        self.preview = ""  # the first base64 characters, for the log
        self._escape = b""  # a trailing backslash of the last piece (a JSON escape cut in two)
        self._group = b""  # base64 characters short of a 4-character group
        self.head = b""
        self.size = 0

    def feed(self, piece: bytes) -> None:
        if self._started:
            self._decode(piece)
            return
        self._start += piece
        # Decide once it is clear whether the string is a data: URI: it cannot be one, or its comma came.
        if self._start.startswith(b"data:"):
            if b"," in self._start or len(self._start) > 512:
                self._begin()
        elif len(self._start) >= 5 or not b"data:".startswith(self._start):
            self._begin()

    def _begin(self) -> None:
        self._started = True
        raw, self._start = self._start, b""
        if raw.startswith(b"data:"):
            header, comma, rest = raw.partition(b",")
            if not comma or not header.endswith(b";base64"):
                raise InvalidMedia("the media is a data: URI without base64 content")
            self.prefix = header.decode("ascii", "replace") + ","
            raw = rest
        self._decode(raw)

    def _decode(self, piece: bytes) -> None:
        raw = self._escape + piece
        self._escape = b""
        trailing = len(raw) - len(raw.rstrip(b"\\"))
        if trailing % 2:
            raw, self._escape = raw[:-1], b"\\"
        clean = (
            raw.replace(b"\\/", b"/")
            .replace(b"\\n", b"")
            .replace(b"\\r", b"")
            .translate(None, b" \t\r\n")
            .translate(_URLSAFE)
        )
        if b"\\" in clean:
            raise InvalidMedia("the media's base64 text holds an unexpected escape")
        if len(self.preview) < SHORT_PREFIX_CHARS:
            self.preview += clean[: SHORT_PREFIX_CHARS - len(self.preview)].decode("ascii", "replace")
        data = self._group + clean
        whole = len(data) - len(data) % 4
        self._group = data[whole:]
        if whole:
            self._write(data[:whole])

    def _write(self, text: bytes) -> None:
        try:
            decoded = binascii.a2b_base64(text, strict_mode=True)
        except binascii.Error as exc:
            raise InvalidMedia(f"the media is not valid base64 ({exc})") from exc
        if len(self.head) < 64:
            self.head += decoded[: 64 - len(self.head)]
        assert self._fh is not None
        self._fh.write(decoded)
        self.size += len(decoded)

    def finish(self) -> None:
        if not self._started:
            self._begin()
        if self._escape:
            raise InvalidMedia("the media's base64 text ends in an escape")
        if self._group:
            group = self._group + b"=" * (-len(self._group) % 4)
            self._group = b""
            self._write(group)
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.part.unlink(missing_ok=True)


_URLSAFE = bytes.maketrans(b"-_", b"+/")


@dataclass
class ExtractedBody:
    """A JSON response with its media strings written to files and described in `json`."""

    json: Any
    media: list[MediaFile]


class ResponseTooLarge(ValueError):
    """The JSON around the media is larger than the limit."""


class Base64FieldExtractor:
    """Reads a JSON body piece by piece; base64 media fields go to files, the rest is kept.

    One pass, constant memory beyond the non-media JSON: the field is found by its name, its string
    is decoded as it arrives, and the kept JSON holds `"iVBORw0KGgo… (123,456 bytes)"` in its place.
    """

    # Bytes kept between pieces so that a field name cut in two is still found.
    _OVERLAP = 96

    def __init__(
        self,
        directory: Path,
        stem: str,
        *,
        fields: Iterable[str] = MEDIA_FIELDS,
        max_json_bytes: int = 32_000_000,
    ) -> None:
        names = b"|".join(re.escape(f.encode()) for f in fields)
        self._pattern = re.compile(rb'(?<!\\)"(' + names + rb')"[ \t\r\n]*:[ \t\r\n]*"')
        self._directory = directory
        self._stem = stem
        self._max = max_json_bytes
        self._kept = io.BytesIO()
        self._pending = b""
        self._writer: _Base64Writer | None = None
        self._field: str | None = None
        self._done: list[tuple[_Base64Writer, str]] = []
        self.total = 0

    def _keep(self, data: bytes) -> None:
        self._kept.write(data)
        if self._kept.tell() > self._max:
            raise ResponseTooLarge(f"the response is larger than {self._max // 1_000_000} MB without its media")

    def feed(self, piece: bytes) -> None:
        """Take the next piece of the body; on an error every file written so far is removed."""
        try:
            self._feed(piece)
        except BaseException:
            self.abort()
            raise

    def _feed(self, piece: bytes) -> None:
        self.total += len(piece)
        data = self._pending + piece
        self._pending = b""
        while data:
            if self._writer is None:
                match = self._pattern.search(data)
                if match is None:
                    cut = max(0, len(data) - self._OVERLAP)
                    self._keep(data[:cut])
                    self._pending = data[cut:]
                    return
                self._keep(data[: match.end()])
                self._field = match.group(1).decode()
                index = len(self._done)
                stem = self._stem if index == 0 else f"{self._stem}-{index + 1}"
                self._writer = _Base64Writer(self._directory / f"{stem}.part")
                data = data[match.end() :]
            else:
                end = data.find(b'"')
                if end < 0:
                    self._writer.feed(data)
                    return
                self._writer.feed(data[:end])
                self._close_field()
                data = data[end:]  # the closing quote stays in the kept JSON

    def _close_field(self) -> None:
        writer, field = self._writer, self._field
        assert writer is not None and field is not None
        writer.finish()
        self._done.append((writer, field))
        note = writer.prefix + describe_base64(writer.preview, writer.size)
        self._keep(json.dumps(note)[1:-1].encode())
        self._writer = self._field = None

    def finish(self) -> ExtractedBody:
        """The kept JSON, parsed, and the media files (renamed to their real extension)."""
        if self._writer is not None:
            self.abort()
            raise InvalidMedia("the response ended inside a media string")
        try:
            self._keep(self._pending)
        except BaseException:
            self.abort()
            raise
        self._pending = b""
        text = self._kept.getvalue()
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError as exc:
            self.abort()
            raise InvalidMedia(f"the response is not valid JSON ({exc})") from exc
        media: list[MediaFile] = []
        for index, (writer, field) in enumerate(self._done):
            stem = self._stem if index == 0 else f"{self._stem}-{index + 1}"
            media.append(_finalize(writer.part, sniff_media(writer.head), stem, writer.size, field))
        return ExtractedBody(json=parsed, media=media)

    def abort(self) -> None:
        """Remove every file written so far."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        for writer, _ in self._done:
            writer.abort()
        self._done = []
