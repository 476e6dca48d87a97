"""Upstream thumbnails, cached by this server (issue 15): fetched once, re-encoded, served at `/thumbs/`.

A model's `thumbnail_url` from an upstream is fetched through the guarded fetcher (http(s) only, no
private or loopback addresses, a size cap and a time limit), must say it is an image and decode as
one; Pillow then draws its pixels into a new WebP of bounded size, so nothing but pixels reaches a
browser (no metadata, no scripts, no polyglot files). The file lives in `data_dir/thumbs` named by
the URL's hash, so the gallery keeps working offline and browsers never call the CDN. A refused URL
is logged once per process and its card falls back to the honest empty state.

Fetching runs off the request path (`cache_thumbnails`, started in the background after a catalog
refresh); a card only asks `cached_thumbnail_url`, which looks at the disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import re
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from ai_registry.netguard import FetchRefused, display_url
from ai_registry.settings import get_settings

log = logging.getLogger(__name__)

URL_PREFIX = "/thumbs/"
NAME = re.compile(r"^[0-9a-f]{32}\.webp$")
MAX_BYTES = 5 * 1024 * 1024  # what a thumbnail may weigh on the wire
MAX_PIXELS = 40_000_000  # what it may decode to (a decompression bomb stops here)
MAX_SIDE = 800  # the stored image's longest side
TIMEOUT_S = 20.0
MAX_PER_RUN = 200  # thumbnails fetched per catalog refresh at most

# `open_url(url, max_bytes, timeout_s)`: `TransportFactory.web_fetch()`'s shape.
WebFetch = Callable[[str, int, float], AbstractAsyncContextManager[Any]]

_refused: set[str] = set()  # URLs refused in this process: logged once, not fetched again
_failed_at: dict[str, float] = {}  # URLs that could not be fetched (offline, DNS): when, to wait before retrying
RETRY_AFTER_S = 600.0
_lock = asyncio.Lock()


class ThumbnailRefused(Exception):
    """A thumbnail URL that is not an image, too big, or not fetchable; `.reason` says which."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{display_url(url)}: {reason}")
        self.url, self.reason = url, reason


def absolute(url: str) -> str:
    """A protocol-relative address (`//cdn.example/x.png`) is a remote one: never handed to a browser."""
    return "https:" + url if url.startswith("//") else url


def is_remote(url: str | None) -> bool:
    return bool(url) and absolute(url).lower().startswith(("http://", "https://"))


def thumbs_dir() -> Path:
    return get_settings().data_dir / "thumbs"


def cache_name(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".webp"


def cached_file(name: str) -> Path | None:
    """The stored file a `/thumbs/<name>` address names, or None for a name that is no thumbnail."""
    if not NAME.fullmatch(name):
        return None
    path = thumbs_dir() / name
    return path if path.is_file() else None


def cached_thumbnail_url(url: str | None) -> str | None:
    """What a card shows for a model's `thumbnail_url`: this server's copy of a remote image (None
    until it is cached: browsers never call the CDN), or a local address as it is."""
    if not url:
        return None
    if not is_remote(url):
        return url
    name = cache_name(absolute(url))
    return URL_PREFIX + name if (thumbs_dir() / name).is_file() else None


def reencode(data: bytes, *, url: str = "") -> bytes:
    """The image's pixels as a new WebP no larger than `MAX_SIDE`; raises ThumbnailRefused for
    anything that does not decode as a bounded image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise ThumbnailRefused(url, f"the image is {width}x{height} pixels, over the limit")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                frame = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    except ThumbnailRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ThumbnailRefused(url, f"the body is not an image Pillow can read ({type(exc).__name__})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ThumbnailRefused(url, f"the image is broken ({exc})") from None
    frame.thumbnail((MAX_SIDE, MAX_SIDE))
    # Only pixels: a new image with no metadata, no ICC profile, no EXIF.
    clean = Image.new(frame.mode, frame.size)
    clean.paste(frame)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


async def fetch_thumbnail(url: str, open_url: WebFetch, *, max_bytes: int = MAX_BYTES) -> Path:
    """Fetch `url` once, re-encode it and store it; the stored file. Raises ThumbnailRefused."""
    if not is_remote(url):
        raise ThumbnailRefused(url, "only http and https addresses are fetched")
    try:
        async with open_url(url, max_bytes, TIMEOUT_S) as response:
            if response.status_code != 200:
                raise ThumbnailRefused(url, f"the server answered {response.status_code}")
            kind = response.content_type or ""
            if not kind.startswith("image/"):
                raise ThumbnailRefused(url, f"the server says it is {kind or 'of no type'}, not an image")
            body = await response.read()
    except FetchRefused as exc:
        raise ThumbnailRefused(url, exc.message) from None
    encoded = await asyncio.to_thread(reencode, body, url=url)
    target = thumbs_dir() / cache_name(url)
    await asyncio.to_thread(_write, target, encoded)
    return target


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)


def _default_fetch() -> WebFetch:
    from ai_registry.inference.transport import DEFAULT_TRANSPORTS

    return DEFAULT_TRANSPORTS.web_fetch()


async def _each(urls: Iterable[str]) -> AsyncIterator[str]:
    seen: set[str] = set()
    for url in urls:
        waiting = time.monotonic() - _failed_at.get(url, -RETRY_AFTER_S) < RETRY_AFTER_S
        if is_remote(url) and url not in seen and url not in _refused and not waiting:
            seen.add(url)
            if not (thumbs_dir() / cache_name(url)).is_file():
                yield url


async def cache_thumbnails(urls: Iterable[str | None], open_url: WebFetch | None = None) -> dict[str, str]:
    """Fetch every remote thumbnail not cached yet, one at a time; `{url: outcome}` where the outcome
    is "cached" or why it was refused (each refusal is logged)."""
    open_url = open_url or _default_fetch()
    outcomes: dict[str, str] = {}
    async with _lock:
        async for url in _each(absolute(u) for u in urls if u):
            if len(outcomes) >= MAX_PER_RUN:
                break
            try:
                await fetch_thumbnail(url, open_url)
                outcomes[url] = "cached"
            except ThumbnailRefused as exc:
                _refused.add(url)
                outcomes[url] = exc.reason
                log.warning("thumbnail refused: %s", exc)
            except Exception as exc:  # a network failure (offline): tried again after a while
                _failed_at[url] = time.monotonic()
                outcomes[url] = f"failed: {exc}"
                log.warning("thumbnail not fetched: %s: %s", display_url(url), exc)
    return outcomes


def forget_refusals() -> None:
    """Try refused and failed URLs again (tests)."""
    _refused.clear()
    _failed_at.clear()
