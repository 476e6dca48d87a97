"""A response body read under a byte cap, decompressed in bounded steps.

The cap counts decoded bytes. httpx's own decoder inflates a whole network chunk at once (64 KB of
gzip can become 64 MB), so the raw stream is inflated here at most `STEP_BYTES` at a time and the
count is checked between steps.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from ai_registry.netguard.errors import FetchRefused, format_limit

STEP_BYTES = 64 * 1024
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """zlib/gzip decompression that never produces more than `STEP_BYTES` per step."""

    def __init__(self, wbits: int) -> None:
        self._zlib = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while pending:
            out = self._zlib.decompress(pending, STEP_BYTES)
            pending = self._zlib.unconsumed_tail
            if out:
                yield out
            elif not pending:
                break

    def flush(self) -> bytes:
        return self._zlib.flush()


def _inflater(url: str, encoding: str) -> _Inflater | None:
    """The decoder for a Content-Encoding, None for identity; other encodings are refused."""
    names = [name.strip().lower() for name in encoding.split(",") if name.strip()]
    names = [name for name in names if name != "identity"]
    if not names:
        return None
    if len(names) == 1 and names[0] in _WBITS:
        return _Inflater(_WBITS[names[0]])
    raise FetchRefused(url, f"its body is encoded as {encoding!r}, which is not accepted", kind="encoding")


def declared_too_large(url: str, response: httpx.Response, max_bytes: int) -> FetchRefused | None:
    """The refusal for a response whose Content-Length already says it is over the cap, or None."""
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes and not response.headers.get("content-encoding"):
        return FetchRefused(url, f"it is larger than {format_limit(max_bytes)}", kind="size")
    return None


async def _raw_pieces(response: httpx.Response) -> AsyncIterator[bytes]:
    if response.is_stream_consumed:
        yield response.content
        return
    async for raw in response.aiter_raw():
        yield raw


async def capped_body(url: str, response: httpx.Response, max_bytes: int) -> AsyncIterator[bytes]:
    """The decoded body of `response` in pieces; raises FetchRefused as soon as it passes `max_bytes`."""
    inflater = _inflater(url, response.headers.get("content-encoding", ""))
    if response.is_stream_consumed:
        # A body already in memory (a test transport's ready-made response), already decoded by httpx.
        inflater = None
    total = 0

    def counted(piece: bytes) -> bytes:
        nonlocal total
        total += len(piece)
        if total > max_bytes:
            raise FetchRefused(url, f"it is larger than {format_limit(max_bytes)}", kind="size")
        return piece

    try:
        async for raw in _raw_pieces(response):
            if inflater is None:
                if raw:
                    yield counted(raw)
                continue
            for piece in inflater.feed(raw):
                yield counted(piece)
        if inflater is not None:
            tail = inflater.flush()
            if tail:
                yield counted(tail)
    except zlib.error:
        raise FetchRefused(url, "its compressed body is corrupt", kind="encoding") from None
    except httpx.TimeoutException:
        raise FetchRefused(url, "the server stopped sending", kind="timeout") from None
    except httpx.HTTPError as exc:
        raise FetchRefused(url, f"the connection broke while reading ({type(exc).__name__})", kind="connect") from None
