"""URLs the guarded fetcher refuses, and proof it never connected to them.

A loopback server that counts accepted connections stands in for the internal service an attacker
aims at: with loopback not on the allow-list, it must see no connection at all.
"""

from __future__ import annotations

import pytest

from ai_registry.netguard import AllowList, FetchRefused, fetch_to_file, guarded_stream
from tests.netguard.loopback import Reply

NOTHING_ALLOWED = AllowList()
LIMIT = 1_000_000


async def refused(url: str, **kwargs) -> FetchRefused:
    kwargs.setdefault("allow", NOTHING_ALLOWED)
    with pytest.raises(FetchRefused) as caught:
        async with guarded_stream(url, max_bytes=LIMIT, timeout_s=5, **kwargs) as response:
            await response.read()
    return caught.value


@pytest.fixture
async def trap(start_server):
    """An internal service on loopback that would answer a secret to anyone who connects."""
    return await start_server({"/": Reply(200, b"SECRET internal body")})


async def test_loopback_address_is_refused_before_connecting(trap) -> None:
    error = await refused(f"http://127.0.0.1:{trap.port}/")
    assert error.kind == "address"
    assert error.message == f"The URL http://127.0.0.1:{trap.port}/ was refused: 127.0.0.1 is a loopback address."
    assert "SECRET" not in error.message
    assert trap.accepts == 0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/latest", "10.0.0.5 is a private address"),
        ("http://192.168.0.1/", "192.168.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://100.64.1.2/", "100.64.1.2 is a carrier-grade NAT address"),
        ("http://[fc00::1]/", "fc00::1 is a unique-local IPv6 address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ],
)
async def test_internal_address_literals_are_refused(url: str, reason: str) -> None:
    def unreachable(host: str, port: int):
        raise AssertionError("a literal address is never resolved")

    error = await refused(url, resolver=unreachable)
    assert error.kind == "address"
    assert error.reason == reason


async def test_ipv4_mapped_loopback_is_refused(trap) -> None:
    error = await refused(f"http://[::ffff:127.0.0.1]:{trap.port}/")
    assert error.reason == "::ffff:7f00:1 is a loopback address in IPv6 form"
    assert trap.accepts == 0


@pytest.mark.parametrize("spelling", ["localhost", "2130706433", "127.1", "0x7f.0.0.1"])
async def test_other_spellings_of_loopback_are_refused_after_resolving(trap, spelling: str) -> None:
    # The real system resolver turns these into 127.0.0.1 (or ::1); the check is on what it returns.
    error = await refused(f"http://{spelling}:{trap.port}/")
    assert error.kind == "address"
    assert error.reason in (
        "it resolves to a loopback address (127.0.0.1)",
        "it resolves to a loopback address (::1)",
    )
    assert trap.accepts == 0


async def test_a_name_resolving_to_a_private_address_is_refused(resolver_for) -> None:
    resolver = resolver_for({"files.example.test": ["10.0.0.5"]})
    error = await refused("http://files.example.test/cat.png", resolver=resolver)
    assert error.message == (
        "The URL http://files.example.test/cat.png was refused: it resolves to a private address (10.0.0.5)."
    )
    assert resolver.lookups == ["files.example.test"]


async def test_a_name_resolving_to_loopback_never_connects(trap, resolver_for) -> None:
    resolver = resolver_for({"rebind.example.test": ["127.0.0.1"]})
    error = await refused(f"http://rebind.example.test:{trap.port}/", resolver=resolver)
    assert error.reason == "it resolves to a loopback address (127.0.0.1)"
    assert trap.accepts == 0


async def test_a_name_with_a_public_and_a_private_address_is_refused(trap, resolver_for) -> None:
    resolver = resolver_for({"mixed.example.test": ["93.184.215.14", "127.0.0.1"]})
    error = await refused(f"http://mixed.example.test:{trap.port}/", resolver=resolver)
    assert error.reason == "it resolves to a loopback address (127.0.0.1)"
    assert trap.accepts == 0


async def test_a_name_that_does_not_resolve_is_refused(resolver_for) -> None:
    error = await refused("http://nowhere.example.test/", resolver=resolver_for({}))
    assert error.kind == "resolve"
    assert error.reason == "the host name nowhere.example.test could not be resolved"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https URLs are fetched, not file:"),
        ("ftp://files.example.com/a.wav", "only http and https URLs are fetched, not ftp:"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "only http and https URLs are fetched, not gopher:"),
        ("javascript:alert(1)", "only http and https URLs are fetched, not javascript:"),
        ("/etc/passwd", "only http and https URLs are fetched, not no scheme"),
        ("http:///no-host", "it has no host name"),
        ("http://[::1/", "it is not a valid URL"),
    ],
)
async def test_other_schemes_and_broken_urls_are_refused(url: str, reason: str) -> None:
    error = await refused(url)
    assert error.reason == reason


async def test_passwords_in_the_url_are_not_repeated(resolver_for) -> None:
    error = await refused(
        "http://admin:hunter2@files.example.test/", resolver=resolver_for({"files.example.test": ["10.1.1.1"]})
    )
    assert "hunter2" not in error.message
    assert error.url == "http://files.example.test/"


async def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(start_server, trap, resolver_for) -> None:
    upstream = await start_server({"/go": Reply(302, headers={"Location": f"http://127.0.0.1:{trap.port}/"})})
    resolver = resolver_for({"upstream.test": ["127.0.0.1"]})
    error = await refused(
        f"http://upstream.test:{upstream.port}/go", allow=AllowList.parse("upstream.test"), resolver=resolver
    )
    assert error.kind == "redirect"
    assert error.reason == "redirect to a loopback address refused (127.0.0.1)"
    assert upstream.accepts == 1
    assert trap.accepts == 0


async def test_a_redirect_to_a_name_resolving_to_a_private_address_is_refused(start_server, resolver_for) -> None:
    upstream = await start_server({"/go": Reply(301, headers={"Location": "http://metadata.test/latest/meta-data/"})})
    resolver = resolver_for({"metadata.test": ["169.254.169.254"]})
    error = await refused(f"{upstream.origin}/go", allow=AllowList.parse("127.0.0.1"), resolver=resolver)
    assert error.reason == "redirect to a link-local address refused (metadata.test resolves to 169.254.169.254)"
    assert resolver.lookups == ["metadata.test"]


async def test_a_redirect_to_another_scheme_is_refused(start_server) -> None:
    upstream = await start_server({"/go": Reply(307, headers={"Location": "file:///etc/passwd"})})
    error = await refused(f"{upstream.origin}/go", allow=AllowList.parse("127.0.0.1"))
    assert error.reason == "redirect refused: only http and https URLs are fetched, not file:"


async def test_too_many_redirects_are_refused(start_server) -> None:
    upstream = await start_server({"/loop": Reply(302, headers={"Location": "/loop"})})
    error = await refused(f"{upstream.origin}/loop", allow=AllowList.parse("127.0.0.1"), max_redirects=3)
    assert error.reason == "it redirects more than 3 times"
    assert len(upstream.requests) == 4  # the first request and three redirects followed


async def test_error_statuses_never_echo_the_body(start_server, tmp_path) -> None:
    upstream = await start_server({"/api/models": Reply(401, b'{"detail": "SECRET token missing"}')})
    with pytest.raises(FetchRefused) as caught:
        await fetch_to_file(
            f"{upstream.origin}/api/models",
            tmp_path / "out",
            max_bytes=LIMIT,
            timeout_s=5,
            allow=AllowList.parse("127.0.0.1"),
        )
    assert caught.value.kind == "status"
    assert caught.value.status == 401
    assert "SECRET" not in caught.value.message
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.part").exists()


async def test_the_allow_list_setting_is_used_when_none_is_passed(trap, monkeypatch) -> None:
    from ai_registry.settings import get_settings

    monkeypatch.delenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", raising=False)
    get_settings.cache_clear()
    with pytest.raises(FetchRefused):
        async with guarded_stream(f"{trap.origin}/", max_bytes=LIMIT, timeout_s=5):
            pass
    assert trap.accepts == 0

    monkeypatch.setenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    async with guarded_stream(f"{trap.origin}/", max_bytes=LIMIT, timeout_s=5) as response:
        assert await response.read() == b"SECRET internal body"
    assert trap.accepts == 1
