"""Fetching a URL a user gave, without letting it reach inside the server's network.

Each hop: the scheme must be http or https; the host name is resolved once and every address it
resolves to must be public (or on the admin's allow-list); the request then goes to the checked
address itself, with the original name in the Host header and as the TLS server name (so the
certificate is still verified for that name), so no second DNS lookup can be raced. Redirects are
followed by hand, each one checked the same way. One time limit covers the whole fetch, reading
the body included, and the body is cut off past a byte limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ai_registry.netguard.addresses import AllowList, IPAddress, address_problem, parse_address
from ai_registry.netguard.body import capped_body, declared_too_large
from ai_registry.netguard.errors import FetchRefused, display_url
from ai_registry.settings import get_settings

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
ClientFactory = Callable[[], httpx.AsyncClient]

MAX_REDIRECTS = 3
HEAD_BYTES = 4096
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, by `socket.getaddrinfo` in a worker thread, in its order."""
    infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def default_client() -> httpx.AsyncClient:
    """A client with no credentials, no proxies from the environment and no automatic redirects."""
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        transport=httpx.AsyncHTTPTransport(trust_env=False, retries=0),
    )


def allow_list_from_settings() -> AllowList:
    """The allow-list `AI_REGISTRY_FETCH_ALLOW_HOSTS` sets (empty by default)."""
    return AllowList.parse(get_settings().fetch_allow_hosts)


@dataclass
class GuardedResponse:
    """A response from a guarded fetch: its status and headers, and its body only through the cap."""

    url: str  # the final URL, after redirects, with its host name (not the pinned address)
    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    redirects: int
    address: str  # the checked address the connection went to
    _response: httpx.Response = field(repr=False)
    _max_bytes: int = field(repr=False)

    @property
    def content_type(self) -> str | None:
        """The Content-Type header without its parameters, lower case, or None."""
        value = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return value or None

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The decoded body in pieces; raises FetchRefused once it passes the byte limit."""
        return capped_body(display_url(self.url), self._response, self._max_bytes)

    async def read(self) -> bytes:
        """The whole body (at most the byte limit) as bytes."""
        return b"".join([piece async for piece in self.aiter_bytes()])


@dataclass(frozen=True)
class FetchedFile:
    """A URL's body written to a file by `fetch_to_file`."""

    path: Path
    size: int
    content_type: str | None
    url: str  # the final URL after redirects
    head: bytes  # the first bytes of the file (up to 4 KB), for sniffing its type


class _Fetch:
    """One guarded fetch: the checks and the manual redirect loop."""

    def __init__(
        self, url: str, *, allow: AllowList, resolver: Resolver, max_redirects: int, headers: Mapping[str, str]
    ) -> None:
        self.original = url
        self.allow = allow
        self.resolver = resolver
        self.max_redirects = max_redirects
        self.headers = dict(headers)

    def refuse(self, reason: str, kind: str) -> FetchRefused:
        return FetchRefused(self.original, reason, kind=kind)

    def parse(self, url: str | httpx.URL) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise self.refuse("it is not a valid URL", "url") from None
        if parsed.scheme not in _DEFAULT_PORTS:
            scheme = f"{parsed.scheme}:" if parsed.scheme else "no scheme"
            raise self.refuse(f"only http and https URLs are fetched, not {scheme}", "scheme")
        if not parsed.host:
            raise self.refuse("it has no host name", "url")
        return parsed

    async def addresses(self, url: httpx.URL, hop: int) -> list[IPAddress]:
        """The checked addresses of `url`'s host, or FetchRefused naming the first forbidden one."""
        host = url.host
        literal = parse_address(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                raw = await self.resolver(url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[url.scheme])
            except (OSError, UnicodeError):
                raise self.refuse(f"the host name {host} could not be resolved", "resolve") from None
            found = [a for a in (parse_address(str(r)) for r in raw) if a is not None]
            if not found:
                raise self.refuse(f"the host name {host} could not be resolved", "resolve")
        if self.allow.allows_host(host):
            return found
        for address in found:
            if self.allow.allows_address(address):
                continue
            problem = address_problem(address)
            if problem is None:
                continue
            where = str(address) if literal is not None else f"{host} resolves to {address}"
            if hop:
                raise self.refuse(f"redirect to {problem} refused ({where})", "redirect")
            if literal is not None:
                raise self.refuse(f"{address} is {problem}", "address")
            raise self.refuse(f"it resolves to {problem} ({address})", "address")
        return found

    async def send(
        self, client: httpx.AsyncClient, url: httpx.URL, addresses: list[IPAddress], timeout_s: float
    ) -> tuple[httpx.Response, IPAddress]:
        """The response from the first checked address that accepts a connection."""
        headers = {"Accept-Encoding": "identity", **self.headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else None
        last: Exception | None = None
        for address in addresses:
            request = client.build_request(
                "GET", url.copy_with(host=str(address)), headers=headers, timeout=timeout_s, extensions=extensions
            )
            try:
                return await client.send(request, stream=True, follow_redirects=False), address
            except httpx.ConnectError as exc:
                last = exc
        reason = _connect_reason(last)
        raise self.refuse(f"could not connect to {url.host} ({reason})", "connect")

    async def open(self, client: httpx.AsyncClient, timeout_s: float) -> tuple[httpx.Response, httpx.URL, int, str]:
        """The final response (not a redirect), its URL, the number of redirects and the address used."""
        url = self.parse(self.original)
        for hop in range(self.max_redirects + 1):
            addresses = await self.addresses(url, hop)
            try:
                response, address = await self.send(client, url, addresses, timeout_s)
            except httpx.TimeoutException:
                raise self.refuse(f"it timed out after {timeout_s:g} s", "timeout") from None
            except httpx.HTTPError as exc:
                raise self.refuse(f"the connection failed ({type(exc).__name__})", "connect") from None
            location = response.headers.get("location")
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return response, url, hop, str(address)
            await response.aclose()
            if hop == self.max_redirects:
                raise self.refuse(f"it redirects more than {self.max_redirects} times", "redirect")
            try:
                url = self.parse(url.join(location))
            except FetchRefused as exc:
                raise self.refuse(f"redirect refused: {exc.reason}", "redirect") from None
            except (httpx.InvalidURL, ValueError):
                raise self.refuse("it redirects to an invalid URL", "redirect") from None
        raise AssertionError("unreachable: the loop returns or raises")


def _connect_reason(exc: BaseException | None) -> str:
    seen = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "its TLS certificate could not be verified"
        if isinstance(seen, ssl.SSLError):
            return "the TLS handshake failed"
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    return "no connection"


@contextlib.asynccontextmanager
async def guarded_stream(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow: AllowList | None = None,
    resolver: Resolver | None = None,
    client_factory: ClientFactory | None = None,
    max_redirects: int = MAX_REDIRECTS,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[GuardedResponse]:
    """Open `url` with every guard on, and yield its (non-redirect) response for streaming.

    `timeout_s` bounds everything up to leaving the block, reading the body included; the body
    is read through `response.aiter_bytes()`, which stops past `max_bytes`. Error statuses are
    yielded like any other (the caller words them). `allow` defaults to the
    `AI_REGISTRY_FETCH_ALLOW_HOSTS` setting; `resolver` to `system_resolver`; `client_factory`
    to `default_client` (a factory must return a new client, which is closed here, and should not
    carry credentials: every hop goes through it). Raises `FetchRefused`.
    """
    fetch = _Fetch(
        url,
        allow=allow if allow is not None else allow_list_from_settings(),
        resolver=resolver or system_resolver,
        max_redirects=max_redirects,
        headers=headers or {},
    )
    deadline = asyncio.timeout(timeout_s)
    try:
        async with deadline, (client_factory or default_client)() as client:
            response, final, redirects, address = await fetch.open(client, timeout_s)
            try:
                if 200 <= response.status_code < 300:
                    too_large = declared_too_large(display_url(url), response, max_bytes)
                    if too_large is not None:
                        raise too_large
                yield GuardedResponse(
                    url=str(final),
                    status_code=response.status_code,
                    reason_phrase=response.reason_phrase,
                    headers=response.headers,
                    redirects=redirects,
                    address=address,
                    _response=response,
                    _max_bytes=max_bytes,
                )
            finally:
                await response.aclose()
    except TimeoutError:
        if not deadline.expired():
            raise
        raise fetch.refuse(f"it timed out after {timeout_s:g} s", "timeout") from None


async def fetch_to_file(
    url: str,
    target: str | os.PathLike[str],
    *,
    max_bytes: int,
    timeout_s: float,
    allow: AllowList | None = None,
    resolver: Resolver | None = None,
    client_factory: ClientFactory | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> FetchedFile:
    """Download `url` to `target` under every guard; nothing is left at `target` when it fails.

    A status other than 2xx raises `FetchRefused` (kind "status"), as does everything
    `guarded_stream` refuses. The file is written next to `target` and renamed into place.
    """
    path = Path(target)
    part = path.with_name(path.name + ".part")
    size = 0
    head = bytearray()
    try:
        async with guarded_stream(
            url,
            max_bytes=max_bytes,
            timeout_s=timeout_s,
            allow=allow,
            resolver=resolver,
            client_factory=client_factory,
            max_redirects=max_redirects,
        ) as response:
            if not 200 <= response.status_code < 300:
                reason = f"it answered {response.status_code} {response.reason_phrase}".rstrip()
                raise FetchRefused(url, reason, kind="status", status=response.status_code)
            with open(part, "wb") as fh:
                async for piece in response.aiter_bytes():
                    if len(head) < HEAD_BYTES:
                        head += piece[: HEAD_BYTES - len(head)]
                    size += len(piece)
                    await asyncio.to_thread(fh.write, piece)
            content_type, final = response.content_type, response.url
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return FetchedFile(path=path, size=size, content_type=content_type, url=final, head=bytes(head))
