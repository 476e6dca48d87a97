"""The prerendered pages are served without the module preload hints that delayed their first paint."""

from __future__ import annotations

import asyncio
import gzip

from ai_registry import first_paint
from ai_registry.first_paint import serve_pages_without_preloads, without_module_preloads

BOOT = 'import "/assets/manifest.js";\nimport("/assets/entry.client.js");'
PAGE = (
    '<html><head><link rel="modulepreload" href="/assets/entry.client.js"/></head><body>'
    '<div data-testid="model-card">card</div>'
    f'<script type="module" async="">{BOOT}</script><script>$RC("B:0","S:0")</script></body></html>'
)


def test_the_page_keeps_its_cards_and_bootstrap_without_preload_hints() -> None:
    html = without_module_preloads(PAGE)
    assert "modulepreload" not in html
    assert '<div data-testid="model-card">card</div>' in html and '$RC("B:0","S:0")' in html
    assert f'<script type="module" async="">{BOOT}</script>' in html  # the same modules, imported by the page


def test_a_page_without_preloads_is_unchanged() -> None:
    assert without_module_preloads("<html><body>hi</body></html>") == "<html><body>hi</body></html>"


def call(app, path: str, encoding: bytes = b"") -> tuple[int, dict, bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"accept-encoding", encoding)]}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_the_wrapper_serves_prerendered_folders_and_passes_the_rest(tmp_path, monkeypatch) -> None:
    (tmp_path / "build" / "gallery").mkdir(parents=True)
    (tmp_path / "build" / "gallery" / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "index.html").write_text("no", encoding="utf-8")
    monkeypatch.setattr(first_paint, "_build_dir", lambda: tmp_path / "build")

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})

    app = serve_pages_without_preloads(inner)
    status, headers, body = call(app, "/gallery/")
    assert status == 200 and body.decode() == without_module_preloads(PAGE)
    status, headers, body = call(app, "/gallery/", b"gzip, br")
    assert headers[b"content-encoding"] == b"gzip" and gzip.decompress(body).decode() == without_module_preloads(PAGE)
    assert call(app, "/elsewhere/")[2] == b"inner"
    assert call(app, "/assets/entry.client.js")[2] == b"inner"
    assert call(app, "/../secret/")[2] == b"inner"
