"""ASGI wrapper: a prerendered page paints its cards without waiting on the JavaScript it preloads.

The production build's HTML already holds the first page of cards, but its head lists about fifteen
`<link rel="modulepreload">` (some 600 KB of JavaScript). Chromium fetches and compiles those at high
priority before it paints the first frame: the cards came up 10-40 % later than the same HTML
without them (benchmarks/browse.py; measured variants in the commit). Without the links the module
bootstrap at the end of the body still imports the same modules, after the first paint; only the
preload hint is gone. Moving the links to the end of the body, or also deferring the bootstrap to the
frame after the first paint, measured worse and was dropped.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

_MODULE_PRELOAD = re.compile(r'<link rel="modulepreload"[^>]*/?>')


def without_module_preloads(html: str) -> str:
    """`html` without its module preload hints (unchanged when it has none)."""
    return _MODULE_PRELOAD.sub("", html)


def _build_dir() -> Path:
    from reflex import constants
    from reflex.config import get_config
    from reflex.utils import prerequisites

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def serve_pages_without_preloads(app):
    """Serve every prerendered `<folder>/index.html` of the build through `without_module_preloads` (read once)."""
    pages: dict[str, tuple[bytes, bytes] | None] = {}

    def page(path: str) -> tuple[bytes, bytes] | None:
        if path not in pages:
            root = _build_dir().resolve()
            file = (root / path.strip("/") / "index.html") if path.endswith("/") else None
            body = None
            if file is not None and file.is_file() and root in file.resolve().parents:
                html = without_module_preloads(file.read_text(encoding="utf-8")).encode()
                body = (html, gzip.compress(html, 6))
            if len(pages) < 256:  # addresses are few; a scan of made-up ones must not grow this
                pages[path] = body
            return body
        return pages[path]

    async def serve(scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"].endswith("/"):
            found = page(scope["path"])
            if found is not None:
                accepts = dict(scope.get("headers") or []).get(b"accept-encoding", b"")
                zipped = b"gzip" in accepts
                body = found[1] if zipped else found[0]
                headers = [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-cache"),
                    (b"vary", b"accept-encoding"),
                ]
                if zipped:
                    headers.append((b"content-encoding", b"gzip"))
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await app(scope, receive, send)

    return serve
