"""A tiny HTTP server on 127.0.0.1 for the guarded-fetch tests: scripted replies, every connection counted.

It speaks just enough HTTP/1.1 (one request per connection, then close) to answer redirects, large
or compressed bodies and slow trickles, and it records each accepted connection, so a test can
prove the fetcher never connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

REQUEST_READ_TIMEOUT_S = 5.0


@dataclass
class Reply:
    """What the server answers: a status, headers and a body, optionally sent in slow pieces."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True  # False: the body ends when the connection closes
    trickle_pieces: int = 0  # > 0: the body is sent in this many pieces...
    trickle_delay_s: float = 0.0  # ...this far apart


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


Route = Reply | Callable[[SeenRequest], Reply]


class LoopbackServer:
    """An asyncio server bound to 127.0.0.1 on a free port; `routes` maps a path to its reply."""

    def __init__(self, routes: dict[str, Route] | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.tls = tls
        self.accepts = 0
        self.requests: list[SeenRequest] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def start(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(BaseException):
                    await task
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepts += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_READ_TIMEOUT_S)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            seen = SeenRequest(method, path, headers)
            self.requests.append(seen)
            route = self.routes.get(path.split("?", 1)[0], Reply(404, b"no such path"))
            await self._answer(writer, route(seen) if callable(route) else route)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _answer(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        headers = {"Connection": "close", **reply.headers}
        if reply.content_length:
            headers["Content-Length"] = str(len(reply.body))
        head = f"HTTP/1.1 {reply.status} Whatever\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode("latin-1") + b"\r\n")
        if reply.trickle_pieces <= 0:
            writer.write(reply.body)
            await writer.drain()
            return
        size = max(1, -(-len(reply.body) // reply.trickle_pieces))
        for start in range(0, len(reply.body), size):
            writer.write(reply.body[start : start + size])
            await writer.drain()
            await asyncio.sleep(reply.trickle_delay_s)
