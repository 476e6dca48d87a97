"""The embedded local engine, called in this process: no port, no key, answers streamed as they come."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import lru_cache
from typing import Any

import httpx

log = logging.getLogger(__name__)


class InProcessTransport(httpx.AsyncBaseTransport):
    """Sends requests to an ASGI app in this process and streams its answer as the app sends it.

    httpx's own `ASGITransport` returns only once the whole body is there, which would hold back a
    streamed chat answer until its last token; this one hands over each piece as it is sent and tells
    the app the client went away when the response is closed early.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], *, buffered_pieces: int = 32) -> None:
        self.app = app
        self._buffered = buffered_pieces

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port or 80),
            "client": ("127.0.0.1", 0),
            "root_path": "",
        }
        body = request.stream.__aiter__()
        body_done = False
        ended = False
        disconnected = asyncio.Event()
        started: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        pieces: asyncio.Queue[Any] = asyncio.Queue(self._buffered)
        end = object()

        async def receive() -> dict[str, Any]:
            nonlocal body_done
            if not body_done:
                try:
                    chunk = await body.__anext__()
                except StopAsyncIteration:
                    body_done = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                return {"type": "http.request", "body": bytes(chunk), "more_body": True}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                if not started.done():
                    started.set_result(message)
            elif message["type"] == "http.response.body" and not disconnected.is_set():
                if message.get("body"):
                    await pieces.put(bytes(message["body"]))
                if not message.get("more_body", False):
                    ended = True
                    await pieces.put(end)

        async def serve() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if not started.done():
                    started.set_exception(exc)
                    return
                log.warning("the local engine failed after it began to answer: %s", exc)
            if not started.done():
                started.set_exception(RuntimeError("the local engine sent no response"))
            elif not ended:
                await pieces.put(end)

        task = asyncio.ensure_future(serve())

        async def close() -> None:
            disconnected.set()
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

        try:
            start = await asyncio.shield(started)
        except BaseException:
            await close()
            raise

        class _Body(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                while True:
                    piece = await pieces.get()
                    if piece is end:
                        return
                    yield piece

            async def aclose(self) -> None:
                await close()

        return httpx.Response(start["status"], headers=start.get("headers", []), stream=_Body())


async def _trusted_caller() -> str:
    return "in-process"


@lru_cache(maxsize=1)
def local_engine_app() -> Any:
    """A FastAPI app with the local engine's routes; the key check is skipped (the caller is this app)."""
    from fastapi import FastAPI

    from ai_registry.local.api import build_local_router
    from ai_registry.local.auth import require_api_key

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(build_local_router())
    app.dependency_overrides[require_api_key] = _trusted_caller
    return app
