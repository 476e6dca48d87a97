"""Loopback servers started per test (127.0.0.1 only) and a resolver the tests script."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.netguard.loopback import LoopbackServer, Route


@pytest.fixture
async def start_server() -> AsyncIterator[Callable[..., Awaitable[LoopbackServer]]]:
    """Start loopback servers in the test's own event loop; all are closed when the test ends."""
    started: list[LoopbackServer] = []

    async def start(routes: dict[str, Route] | None = None, **kwargs) -> LoopbackServer:
        server = await LoopbackServer(routes, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()


class ScriptedResolver:
    """A resolver that answers from a table and records every lookup (a name absent from it fails)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"unknown host {host}")
        return self.table[host]


@pytest.fixture
def resolver_for() -> Callable[[dict[str, list[str]]], ScriptedResolver]:
    return ScriptedResolver
