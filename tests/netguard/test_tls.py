"""HTTPS to a pinned address: the TLS server name and the certificate check still use the host name.

The certificate (made with the openssl command) names only `files.test`; the connection goes to
127.0.0.1. The fetch succeeds only if the client sends `files.test` as SNI and verifies the
certificate against it, not against the address it connected to.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from ai_registry.netguard import AllowList, FetchRefused, guarded_stream
from tests.netguard.loopback import Reply

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def make_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
            "-addext", f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path, seen_names: list[str | None]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: seen_names.append(name)
    return context


def client_trusting(cert: Path):
    def factory() -> httpx.AsyncClient:
        return httpx.AsyncClient(verify=ssl.create_default_context(cafile=str(cert)), trust_env=False)

    return factory


async def test_https_to_the_checked_address_verifies_the_host_name(start_server, resolver_for, tmp_path) -> None:
    cert, key = make_certificate(tmp_path, "files.test")
    seen_names: list[str | None] = []
    upstream = await start_server({"/a.txt": Reply(200, b"over tls")}, tls=server_context(cert, key, seen_names))
    resolver = resolver_for({"files.test": ["127.0.0.1"]})
    async with guarded_stream(
        f"https://files.test:{upstream.port}/a.txt",
        max_bytes=1000,
        timeout_s=10,
        allow=AllowList.parse("files.test"),
        resolver=resolver,
        client_factory=client_trusting(cert),
    ) as response:
        assert await response.read() == b"over tls"
        assert response.address == "127.0.0.1"
    assert seen_names == ["files.test"]
    assert upstream.requests[0].headers["host"] == f"files.test:{upstream.port}"


async def test_a_certificate_for_another_name_is_refused(start_server, resolver_for, tmp_path) -> None:
    cert, key = make_certificate(tmp_path, "other.test")
    upstream = await start_server({"/a.txt": Reply(200, b"impostor")}, tls=server_context(cert, key, []))
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(
            f"https://files.test:{upstream.port}/a.txt",
            max_bytes=1000,
            timeout_s=10,
            allow=AllowList.parse("files.test"),
            resolver=resolver_for({"files.test": ["127.0.0.1"]}),
            client_factory=client_trusting(cert),
        ) as response:
            await response.read()
    assert caught.value.kind == "connect"
    assert caught.value.reason == "could not connect to files.test (its TLS certificate could not be verified)"
    assert "impostor" not in caught.value.message
