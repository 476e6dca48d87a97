"""Reading an answer: errors in their upstream shape, server-sent events, media bodies and JSON.

The decoder reads the bytes into an `Answer` (events, a saved media file, JSON or text) and the
kind reads that into its typed output. Media is written to `data_dir/media/<run_id>.<ext>` while it
arrives, decoded in worker threads, so neither the event loop nor memory holds a whole video.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx
from httpx_sse import EventSource

from ai_registry.inference import errors
from ai_registry.inference.errors import CallFailed, RunError
from ai_registry.inference.transport import WebFetch
from ai_registry.kinds import Answer, BadAnswer, Kind, KindOutput, OutputKind, RequestSpec, SavedMedia
from ai_registry.kinds.answers import require_json
from ai_registry.media.extract import (
    Base64FieldExtractor,
    InvalidMedia,
    MediaFile,
    RawMediaWriter,
    ResponseTooLarge,
)
from ai_registry.media.sniff import MEDIA_TYPES, sniff_media
from ai_registry.media.storage import media_dir
from ai_registry.netguard import FetchRefused

TextCallback = Callable[[str], Awaitable[None]]

# Bodies are handed to the decoder (in a worker thread) in pieces of about this size.
DECODE_PIECE_BYTES = 1 << 20
MAX_ERROR_BODY_BYTES = 1_000_000
MAX_JSON_BYTES = 32_000_000
# The most an output given as a link may weigh (a long video fits; a never-ending body does not).
MAX_LINKED_OUTPUT_BYTES = 2_000_000_000
# JSON fields that may hold a link to the output instead of its bytes.
_URL_FIELDS = ("video_url", "image_url", "audio_url", "url", "output_url")


def find_url(obj: Any) -> str | None:
    """The first http(s) link to an output in a JSON answer (`image_url`, ...), searched depth first."""
    if isinstance(obj, Mapping):
        for key in _URL_FIELDS:
            value = obj.get(key)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                return value
        children: list[Any] = [v for v in obj.values() if isinstance(v, Mapping | list)]
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    for value in children:
        found = find_url(value)
        if found:
            return found
    return None


async def feed_in_pieces(first: bytes, rest: AsyncIterator[bytes], feed: Callable[[bytes], None]) -> None:
    """Hand a streamed body to `feed` in pieces of about `DECODE_PIECE_BYTES`, each in a worker thread
    (decoding megabytes of base64 must not hold up the event loop)."""
    pending = bytearray(first)
    async for chunk in rest:
        pending += chunk
        if len(pending) >= DECODE_PIECE_BYTES:
            piece = bytes(pending)
            pending.clear()
            await asyncio.to_thread(feed, piece)
    if pending:
        await asyncio.to_thread(feed, bytes(pending))


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The whole body, refused past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise CallFailed(errors.bad_response_error(f"the answer is larger than {limit // 1_000_000} MB"))
        chunks.append(chunk)
    return b"".join(chunks)


async def _first_chunk(chunks: AsyncIterator[bytes]) -> bytes:
    async for chunk in chunks:
        if chunk:
            return chunk
    return b""


def _saved(media: MediaFile) -> SavedMedia:
    return SavedMedia(
        path=media.path,
        content_type=media.content_type,
        container=media.kind,
        output=OutputKind(media.output_kind),
        size=media.size,
    )


class Decoder:
    """Reads one answer to `spec` for `kind`; `text` holds a streamed answer as far as it came."""

    def __init__(
        self,
        *,
        kind: Kind,
        spec: RequestSpec,
        run_id: str,
        timeout_s: float,
        web: WebFetch,
        on_text: TextCallback | None = None,
    ) -> None:
        self.kind = kind
        self.spec = spec
        self.run_id = run_id
        self.timeout_s = timeout_s
        self.web = web
        self.on_text = on_text
        self.text = ""
        self.status: int | None = None

    def _bad(self, reason: str) -> CallFailed:
        return CallFailed(errors.bad_response_error(reason, self.status))

    async def read(self, response: httpx.Response) -> KindOutput:
        """The kind's output for `response`; `CallFailed` for an error status or an unreadable answer."""
        self.status = status = response.status_code
        if status >= 400:
            body = await read_capped(response, MAX_ERROR_BODY_BYTES)
            raise CallFailed(errors.from_response(status, body, response.headers))
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "text/event-stream" and not self.spec.output.is_media:
            answer = await self._read_stream(response)
        elif self.spec.output.is_media:
            answer = await self._read_media(response)
        else:
            body = await read_capped(response, MAX_JSON_BYTES)
            answer = Answer(status=status, content_type=content_type)
            looks_json = "json" in content_type or body.lstrip().startswith((b"{", b"["))
            try:
                answer.json = json.loads(body) if looks_json else None
            except ValueError:
                answer.json = None
            if answer.json is None:
                answer.text = body.decode("utf-8", "replace")
        answer.status, answer.content_type = status, content_type
        try:
            if self.spec.output is OutputKind.JSON:  # a GET route: the JSON is the output
                return KindOutput(OutputKind.JSON, response=require_json(answer))
            return self.kind.read_response(answer, self.spec)
        except BadAnswer as exc:
            raise self._bad(str(exc)) from None

    async def _read_stream(self, response: httpx.Response) -> Answer:
        events: list[Mapping[str, Any]] = []
        async for event in EventSource(response).aiter_sse():
            data = event.data.strip()
            if not data:
                continue
            if data == "[DONE]":
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                raise self._bad("a streamed event is not JSON") from None
            if isinstance(chunk, Mapping) and "error" in chunk:
                detail, _ = errors.error_detail(chunk)
                raise CallFailed(
                    RunError(
                        f"The model stopped with an error while answering: {detail or 'no details given'}.",
                        hint="The part of the answer that arrived is kept; try again.",
                        status=self.status,
                        kind="upstream",
                    )
                )
            if not isinstance(chunk, Mapping):
                continue
            events.append(chunk)
            piece = self.kind.stream_text(chunk)
            if piece:
                self.text += piece
                if self.on_text is not None:
                    await self.on_text(piece)
        return Answer(events=events, streamed_text=self.text)

    async def _read_media(self, response: httpx.Response) -> Answer:
        chunks = response.aiter_bytes()
        first = await _first_chunk(chunks)
        if not first:
            raise self._bad(f"the answer is empty; no {self.spec.output} came")
        try:
            if first.lstrip().startswith((b"{", b"[")):
                return await self._media_from_json(first, chunks)
            if sniff_media(first) is not None:
                media = await self._media_from_bytes(first, chunks)
                return Answer(media=media, json={"content_type": media.content_type, "bytes": media.size})
        except (InvalidMedia, ResponseTooLarge) as exc:
            raise self._bad(str(exc)) from None
        snippet = first[:80].decode("utf-8", "replace")
        raise self._bad(f"expected a {self.spec.output} or JSON, got {snippet!r}")

    async def _media_from_json(self, first: bytes, rest: AsyncIterator[bytes]) -> Answer:
        extractor = Base64FieldExtractor(media_dir(), self.run_id, max_json_bytes=MAX_JSON_BYTES)
        try:
            await feed_in_pieces(first, rest, extractor.feed)
            extracted = await asyncio.to_thread(extractor.finish)
        except BaseException:
            extractor.abort()
            raise
        if extracted.media:
            return Answer(media=_saved(extracted.media[0]), json=extracted.json)
        url = find_url(extracted.json)
        if url:
            return Answer(media=await self._download_output(url), json=extracted.json)
        detail, _ = errors.error_detail(extracted.json)
        raise self._bad(f"it holds no {self.spec.output}" + (f" ({detail})" if detail else ""))

    async def _media_from_bytes(self, first: bytes, rest: AsyncIterator[bytes]) -> SavedMedia:
        writer = RawMediaWriter(media_dir(), self.run_id)
        try:
            await feed_in_pieces(first, rest, writer.feed)
            media = await asyncio.to_thread(writer.finish)
        except BaseException:
            writer.abort()
            raise
        return _saved(media)

    async def _download_output(self, url: str) -> SavedMedia:
        """An answer that links to its output (`image_url`): the file is fetched through the guarded
        fetcher and kept like any other."""
        try:
            async with self.web(url, MAX_LINKED_OUTPUT_BYTES, self.timeout_s) as resp:
                if resp.status_code >= 400:
                    raise CallFailed(
                        errors.bad_response_error(
                            f"its output link {resp.url} answered {resp.status_code}", resp.status_code
                        )
                    )
                chunks = resp.aiter_bytes()
                first = await _first_chunk(chunks)
                if sniff_media(first) is None:
                    raise self._bad(f"its output link {resp.url} is not a media file")
                return await self._media_from_bytes(first, chunks)
        except FetchRefused as exc:
            raise self._bad(f"its output link was not fetched. {exc.message}") from exc


__all__ = ["MEDIA_TYPES", "Decoder", "TextCallback", "feed_in_pieces", "find_url", "read_capped"]
