"""Fetches the guard lets through: bodies, redirects, pinned addresses, and the byte and time limits."""

from __future__ import annotations

import gzip

import httpx
import pytest

from ai_registry.netguard import AllowList, FetchRefused, fetch_to_file, guarded_stream
from tests.netguard.loopback import Reply

LOOPBACK = AllowList.parse("127.0.0.1")
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


async def test_a_file_is_fetched_from_an_allowed_host(start_server, tmp_path) -> None:
    body = PNG_HEAD + bytes(range(256)) * 40
    upstream = await start_server({"/cat.png": Reply(200, body, {"Content-Type": "image/png; q=1"})})
    fetched = await fetch_to_file(
        f"{upstream.origin}/cat.png", tmp_path / "cat.png", max_bytes=1_000_000, timeout_s=5, allow=LOOPBACK
    )
    assert fetched.path.read_bytes() == body
    assert fetched.size == len(body)
    assert fetched.head == body[:4096]
    assert fetched.content_type == "image/png"
    assert fetched.url == f"{upstream.origin}/cat.png"
    assert not (tmp_path / "cat.png.part").exists()


async def test_redirects_are_followed_and_each_hop_resolved_once(start_server, resolver_for) -> None:
    upstream = await start_server(
        {
            "/a": Reply(302, headers={"Location": "/b"}),
            "/b": Reply(301, headers={"Location": "http://cdn.test:{port}/c"}),
            "/c": Reply(200, b"final body"),
        }
    )
    upstream.routes["/b"].headers["Location"] = f"http://cdn.test:{upstream.port}/c"
    resolver = resolver_for({"files.test": ["127.0.0.1"], "cdn.test": ["127.0.0.1"]})
    async with guarded_stream(
        f"http://files.test:{upstream.port}/a",
        max_bytes=1000,
        timeout_s=5,
        allow=AllowList.parse("files.test,cdn.test"),
        resolver=resolver,
    ) as response:
        assert response.status_code == 200
        assert await response.read() == b"final body"
        assert response.redirects == 2
        assert response.url == f"http://cdn.test:{upstream.port}/c"
        assert response.address == "127.0.0.1"
    assert resolver.lookups == ["files.test", "files.test", "cdn.test"]
    # The connection went to the checked address; the Host header still names the host.
    assert [r.headers["host"] for r in upstream.requests] == [
        f"files.test:{upstream.port}",
        f"files.test:{upstream.port}",
        f"cdn.test:{upstream.port}",
    ]


async def test_https_keeps_the_host_name_for_sni_while_connecting_to_the_checked_address(resolver_for) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    async with guarded_stream(
        "https://files.example.test/cat.png?size=2",
        max_bytes=1000,
        timeout_s=5,
        resolver=resolver_for({"files.example.test": ["93.184.215.14"]}),
        client_factory=lambda: httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    ) as response:
        assert await response.read() == b"ok"
    (request,) = seen
    assert str(request.url) == "https://93.184.215.14/cat.png?size=2"
    assert request.headers["host"] == "files.example.test"
    assert request.extensions["sni_hostname"] == "files.example.test"
    assert request.headers["accept-encoding"] == "identity"


async def test_a_declared_length_over_the_limit_is_refused_before_reading(start_server, tmp_path) -> None:
    upstream = await start_server({"/big.wav": Reply(200, b"R" * 5000)})
    with pytest.raises(FetchRefused) as caught:
        await fetch_to_file(
            f"{upstream.origin}/big.wav", tmp_path / "big.wav", max_bytes=4000, timeout_s=5, allow=LOOPBACK
        )
    assert caught.value.kind == "size"
    assert caught.value.reason == "it is larger than 4,000 bytes"
    assert not (tmp_path / "big.wav").exists()
    assert not (tmp_path / "big.wav.part").exists()


async def test_an_undeclared_body_is_cut_off_at_the_limit(start_server) -> None:
    upstream = await start_server({"/stream": Reply(200, b"x" * 3_000_000, content_length=False)})
    received = 0
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(f"{upstream.origin}/stream", max_bytes=2_000_000, timeout_s=10, allow=LOOPBACK) as r:
            async for piece in r.aiter_bytes():
                received += len(piece)
    assert caught.value.message == f"The URL {upstream.origin}/stream was refused: it is larger than 2 MB."
    assert received <= 2_000_000


async def test_a_compressed_bomb_is_cut_off_by_its_decoded_size(start_server) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # about 50 KB on the wire
    upstream = await start_server({"/bomb": Reply(200, bomb, {"Content-Encoding": "gzip"})})
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(f"{upstream.origin}/bomb", max_bytes=1_000_000, timeout_s=10, allow=LOOPBACK) as r:
            await r.read()
    assert caught.value.reason == "it is larger than 1 MB"


async def test_a_small_compressed_body_is_decoded(start_server) -> None:
    upstream = await start_server({"/z": Reply(200, gzip.compress(b"hello " * 100), {"Content-Encoding": "gzip"})})
    async with guarded_stream(f"{upstream.origin}/z", max_bytes=1000, timeout_s=5, allow=LOOPBACK) as response:
        assert await response.read() == b"hello " * 100


async def test_an_unknown_content_encoding_is_refused(start_server) -> None:
    upstream = await start_server({"/br": Reply(200, b"\x0b\x02\x80hello\x03", {"Content-Encoding": "br"})})
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(f"{upstream.origin}/br", max_bytes=1000, timeout_s=5, allow=LOOPBACK) as r:
            await r.read()
    assert caught.value.kind == "encoding"


async def test_a_trickling_server_hits_the_total_time_limit(start_server, tmp_path) -> None:
    # 40 pieces 0.25 s apart: each arrives well within a read timeout, the whole takes 10 s.
    upstream = await start_server({"/slow": Reply(200, b"y" * 40, trickle_pieces=40, trickle_delay_s=0.25)})
    with pytest.raises(FetchRefused) as caught:
        await fetch_to_file(f"{upstream.origin}/slow", tmp_path / "slow", max_bytes=1000, timeout_s=1, allow=LOOPBACK)
    assert caught.value.kind == "timeout"
    assert caught.value.message == f"The URL {upstream.origin}/slow was refused: it timed out after 1 s."
    assert not (tmp_path / "slow").exists()
    assert not (tmp_path / "slow.part").exists()


async def test_the_time_limit_covers_a_caller_reading_slowly(start_server) -> None:
    upstream = await start_server({"/slow": Reply(200, b"z" * 20, trickle_pieces=20, trickle_delay_s=0.2)})
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(f"{upstream.origin}/slow", max_bytes=1000, timeout_s=0.5, allow=LOOPBACK) as r:
            async for _ in r.aiter_bytes():
                pass
    assert caught.value.reason == "it timed out after 0.5 s"


async def test_a_closed_port_is_a_connection_failure(start_server) -> None:
    upstream = await start_server({})
    port = upstream.port
    await upstream.close()
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(f"http://127.0.0.1:{port}/", max_bytes=10, timeout_s=5, allow=LOOPBACK):
            pass
    assert caught.value.kind == "connect"
    assert caught.value.message == (
        f"The URL http://127.0.0.1:{port}/ could not be fetched: could not connect to 127.0.0.1 (connection refused)."
    )


async def test_an_error_status_is_handed_to_the_caller_of_guarded_stream(start_server) -> None:
    upstream = await start_server({})
    async with guarded_stream(f"{upstream.origin}/missing", max_bytes=1000, timeout_s=5, allow=LOOPBACK) as response:
        assert response.status_code == 404
