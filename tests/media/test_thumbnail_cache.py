"""Upstream thumbnails cached by the server (issue 15): fetched once through the guarded fetcher from a
real loopback server, re-encoded by Pillow, refused when they are no image, too big, or inside the network."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ai_registry.backend import build_backend
from ai_registry.inference.transport import TransportFactory
from ai_registry.media import thumbnail_cache as tc
from ai_registry.netguard import AllowList, guarded_stream
from tests.netguard.loopback import LoopbackServer, Reply

pytestmark = pytest.mark.usefixtures("isolated_data_dir")


def png(width: int = 500, height: int = 200, *, exif: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 90))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010E] = "secret description"  # ImageDescription
        image.save(out, format="JPEG", exif=info.tobytes())
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def loopback_fetch(max_bytes_cap: int | None = None):
    """The guarded fetcher with 127.0.0.1 allowed (what an admin's allow-list does), so a loopback
    server can stand in for the CDN; every other guard stays on."""
    allow = AllowList.parse(["127.0.0.1"])

    def open_url(url: str, max_bytes: int, timeout_s: float):
        return guarded_stream(url, max_bytes=max_bytes_cap or max_bytes, timeout_s=timeout_s, allow=allow)

    return open_url


@pytest.fixture
async def start_server():
    """Loopback servers (127.0.0.1 only) in the test's own event loop, closed when it ends."""
    started: list[LoopbackServer] = []

    async def start(routes):
        server = await LoopbackServer(routes).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()


@pytest.fixture(autouse=True)
def _fresh_refusals():
    tc.forget_refusals()
    yield
    tc.forget_refusals()


async def test_an_image_is_fetched_once_reencoded_and_served_from_the_data_folder(start_server) -> None:
    server = await start_server({"/wan.png": Reply(body=png(1600, 640), headers={"Content-Type": "image/png"})})
    url = server.origin + "/wan.png"
    assert tc.cached_thumbnail_url(url) is None  # not cached yet: the card shows the empty state, never the CDN

    outcomes = await tc.cache_thumbnails([url, url, None], loopback_fetch())
    assert outcomes == {url: "cached"}
    assert server.accepts == 1

    local = tc.cached_thumbnail_url(url)
    assert local is not None and local.startswith("/thumbs/") and local.endswith(".webp")
    stored = tc.thumbs_dir() / local.rsplit("/", 1)[1]
    with Image.open(stored) as image:
        assert image.format == "WEBP"
        assert max(image.size) <= tc.MAX_SIDE and image.size == (800, 320)

    assert await tc.cache_thumbnails([url], loopback_fetch()) == {}  # once: no second fetch
    assert server.accepts == 1

    client = TestClient(build_backend())
    answer = client.get(local)  # public: no session needed, and cacheable
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/webp"
    assert "public" in answer.headers["cache-control"]
    assert answer.content == stored.read_bytes()
    assert client.get("/thumbs/../../etc/passwd").status_code == 404
    assert client.get("/thumbs/" + "0" * 32 + ".webp").status_code == 404


async def test_only_pixels_pass_metadata_is_dropped(start_server) -> None:
    server = await start_server({"/p.jpg": Reply(body=png(exif=True), headers={"Content-Type": "image/jpeg"})})
    url = server.origin + "/p.jpg"
    await tc.cache_thumbnails([url], loopback_fetch())
    stored = tc.thumbs_dir() / tc.cache_name(url)
    data = stored.read_bytes()
    assert b"secret description" not in data
    with Image.open(stored) as image:
        assert not image.getexif()


async def test_a_body_that_is_not_an_image_is_refused_and_logged(start_server, caplog) -> None:
    html = b"<html><script>alert(1)</script></html>"
    server = await start_server({
        "/page": Reply(body=html, headers={"Content-Type": "text/html"}),
        "/liar.png": Reply(body=html, headers={"Content-Type": "image/png"}),
    })
    with caplog.at_level(logging.WARNING, logger=tc.__name__):
        outcomes = await tc.cache_thumbnails([server.origin + "/page", server.origin + "/liar.png"], loopback_fetch())
    assert "not an image" in outcomes[server.origin + "/page"]
    assert "text/html" in outcomes[server.origin + "/page"]
    assert "not an image Pillow can read" in outcomes[server.origin + "/liar.png"]
    assert caplog.text.count("thumbnail refused") == 2
    assert not tc.thumbs_dir().exists() or not list(tc.thumbs_dir().glob("*.webp"))
    # Refused once: not fetched again by the next refresh.
    before = server.accepts
    assert await tc.cache_thumbnails([server.origin + "/page"], loopback_fetch()) == {}
    assert server.accepts == before


async def test_a_body_over_the_size_limit_is_refused(start_server) -> None:
    big = png(2000, 2000)
    server = await start_server({"/big.png": Reply(body=big, headers={"Content-Type": "image/png"})})
    url = server.origin + "/big.png"
    outcomes = await tc.cache_thumbnails([url], loopback_fetch(max_bytes_cap=1024))
    assert url in outcomes and outcomes[url] != "cached"
    assert tc.cached_thumbnail_url(url) is None


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    image = Image.new("1", (12_000, 12_000))  # 144 megapixels, a few KB as PNG
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert len(out.getvalue()) < 200_000
    with pytest.raises(tc.ThumbnailRefused, match="pixels|not an image"):
        tc.reencode(out.getvalue())


async def test_private_and_loopback_addresses_are_refused_without_connecting(start_server, caplog) -> None:
    server = await start_server({"/x.png": Reply(body=png(), headers={"Content-Type": "image/png"})})
    real = TransportFactory().web_fetch()  # the app's own fetcher: no allow-list
    urls = [server.origin + "/x.png", "http://10.0.0.8/x.png", "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd", "ftp://example.org/x.png"]
    with caplog.at_level(logging.WARNING, logger=tc.__name__):
        outcomes = await tc.cache_thumbnails(urls, real)
    assert server.accepts == 0
    for url in urls[:3]:
        assert outcomes[url] != "cached", url
    assert "file:///etc/passwd" not in outcomes  # not http(s): never even tried
    assert "thumbnail refused" in caplog.text


def test_local_addresses_pass_as_they_are_and_remote_ones_never_reach_the_card() -> None:
    assert tc.cached_thumbnail_url("/thumbnails/local-x.png") == "/thumbnails/local-x.png"
    assert tc.cached_thumbnail_url("https://cdn.example.org/a.png") is None
    assert tc.cached_thumbnail_url("//cdn.example.org/a.png") is None  # protocol-relative: remote too
    assert tc.cached_thumbnail_url(None) is None


async def test_a_server_error_is_not_cached(start_server) -> None:
    server = await start_server({"/gone.png": Reply(status=404, body=b"no", headers={"Content-Type": "text/plain"})})
    url = server.origin + "/gone.png"
    outcomes = await tc.cache_thumbnails([url], loopback_fetch())
    assert outcomes[url] == "the server answered 404"
    assert tc.cached_thumbnail_url(url) is None


async def test_a_catalog_refresh_caches_thumbnails_in_the_background_and_cards_show_the_copy(
    start_server, monkeypatch
) -> None:
    from types import SimpleNamespace

    from ai_registry.aggregator import runtime
    from ai_registry.catalog.builtin import load_builtin_catalog
    from ai_registry.settings import get_settings
    from ai_registry.state.views import card_view

    server = await start_server({"/wan.png": Reply(body=png(), headers={"Content-Type": "image/png"})})
    url = server.origin + "/wan.png"
    # An admin's allow-list lets the app's own fetcher reach this loopback stand-in for the CDN.
    monkeypatch.setenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    wan = next(m for m in load_builtin_catalog() if m.id == "wan22-i2v").model_copy(update={"thumbnail_url": url})
    assert card_view(wan).thumb_url == ""  # before: the empty state, never the CDN's address

    runtime._cache_thumbnails_later(SimpleNamespace(models=(wan,)))  # what refresh_catalog does, not awaited
    assert len(runtime._thumbnail_tasks) == 1
    await asyncio.wait_for(asyncio.gather(*runtime._thumbnail_tasks), 20)

    shown = card_view(wan)
    assert shown.thumb_url == "/thumbs/" + tc.cache_name(url) and shown.thumb_kind == "image"
    assert server.accepts == 1
