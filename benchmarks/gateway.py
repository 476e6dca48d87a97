"""The gateway's cost (issue 13's benchmark): the same requests through the gateway and straight to
a loopback upstream, in one run. Prints:

- added latency, p50 and p95 of (gateway - direct) for a small non-streamed chat, one client at a time;
- throughput at 50 concurrent clients through the gateway, as a ratio to direct;
- time to first token of a streamed chat through the gateway over direct;
- the gateway process's peak memory growth while a 50 MB video (67 MB of base64 JSON) passes through,
  against the payload and against the chunk size it is streamed in.

The upstream and the gateway (uvicorn with `build_backend()`, a temporary SQLite data folder, a member's
key, the administrator's upstream key) each run in a process of their own; this process is the
clients. Every gateway call is authenticated, checked, metered and written as a usage record, as in
production. Nothing is asserted.

Run: `.venv/bin/python benchmarks/gateway.py [--requests 300] [--megabytes 50]`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

UPSTREAM_KEY = "bench-upstream-key"
MB = 1_000_000
CHUNK = 64 * 1024
CHAT = {"model": "gpt-4", "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 16}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_upstream(port: int, megabytes: int) -> None:
    """The loopback upstream: chat (JSON or events) and a CogVideoX answer of `megabytes` MB of MP4."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    video = json.dumps({
        "video_base64": base64.b64encode(head + os.urandom(megabytes * MB - len(head))).decode("ascii"),
        "format": "mp4", "fps": 8, "duration_s": 6.1, "credits_used": 800,
    }).encode()  # fmt: skip

    async def chat(request: Request) -> Response:
        body = await request.json()
        if not body.get("stream"):
            return JSONResponse({
                "id": "c1", "object": "chat.completion", "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            })  # fmt: skip

        async def events():
            await asyncio.sleep(0.05)  # "thinking" before the first token
            for word in ("one", " two", " three", " four", " five"):
                chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
                yield f"data: {json.dumps(chunk)}\n\n".encode()
                await asyncio.sleep(0.01)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def cogvideox(request: Request) -> Response:
        await request.body()

        async def pieces():
            for start in range(0, len(video), CHUNK):
                yield video[start : start + CHUNK]

        return StreamingResponse(pieces(), status_code=201, media_type="application/json")

    async def missing(request: Request) -> Response:
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    app = Starlette(routes=[
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/multimodal/video/cogvideox", cogvideox, methods=["POST"]),
        Route("/{path:path}", missing, methods=["GET", "POST"]),
    ])  # fmt: skip
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_keep_alive=120)


def serve_gateway(port: int) -> None:
    """The registry's backend (the gateway included), as `make run` serves it, without the pages."""
    import uvicorn

    from ai_registry.backend import build_backend

    uvicorn.run(
        build_backend(), host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_keep_alive=120
    )


def _prepare(data_dir: Path) -> str:
    """Migrate the data folder and make a member with a key; returns the raw key."""
    from ai_registry.identity.accounts import create_user
    from ai_registry.identity.keys import create_key_for
    from ai_registry.store.db import session_scope
    from ai_registry.store.migrate import upgrade

    upgrade("head")
    with session_scope() as session:
        user = create_user(session=session, email="bench@example.org", password="correct horse battery", role="member")
        _row, raw = create_key_for(session=session, owner=user, name="benchmark")
    return raw


def _wait_listening(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("a server process ended at start-up")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _latencies(client, url: str, headers: dict[str, str], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.post(url, json=CHAT, headers=headers)
        answer.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _throughput(client, url: str, headers: dict[str, str], total: int, clients: int = 50) -> float:
    left = [total]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            (await client.post(url, json=CHAT, headers=headers)).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return total / (time.perf_counter() - started)


async def _ttft(client, url: str, headers: dict[str, str], count: int) -> list[float]:
    found: list[float] = []
    times_seen: list[int] = []
    for _ in range(count):
        started = time.perf_counter()
        async with client.stream("POST", url, json={**CHAT, "stream": True}, headers=headers) as answer:
            async for line in answer.aiter_lines():
                if line.startswith("data:") and '"content"' in line and len(found) < len(times_seen) + 1:
                    found.append((time.perf_counter() - started) * 1000)
        times_seen.append(1)
    return found


async def bench(requests: int, megabytes: int) -> None:
    import httpx

    up_port, gw_port = _free_port(), _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    env = {
        **os.environ, "AI_REGISTRY_DATA_DIR": str(data_dir), "AINATIVE_API_BASE": f"http://127.0.0.1:{up_port}",
        "AINATIVE_API_KEY": UPSTREAM_KEY, "AI_REGISTRY_LOCAL_ENABLED": "false",
    }  # fmt: skip
    os.environ.update(env)
    key = _prepare(data_dir)
    upstream = subprocess.Popen(
        [sys.executable, __file__, "--serve-upstream", str(up_port), "--megabytes", str(megabytes)], env=env
    )
    gateway = subprocess.Popen([sys.executable, __file__, "--serve-gateway", str(gw_port)], env=env)
    try:
        _wait_listening(up_port, upstream)
        _wait_listening(gw_port, gateway)
        direct = f"http://127.0.0.1:{up_port}/v1"
        through = f"http://127.0.0.1:{gw_port}/v1"
        up_auth = {"Authorization": f"Bearer {UPSTREAM_KEY}"}
        gw_auth = {"Authorization": f"Bearer {key}"}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=300, limits=limits, trust_env=False) as client:
            await _latencies(client, f"{through}/chat/completions", gw_auth, 20)  # warm up: catalog, engine, pools
            await _latencies(client, f"{direct}/chat/completions", up_auth, 20)
            plain = await _latencies(client, f"{direct}/chat/completions", up_auth, requests)
            gated = await _latencies(client, f"{through}/chat/completions", gw_auth, requests)
            print(
                f"latency, {requests} sequential small chats (ms): direct p50 {_pct(plain, 0.5):.2f} "
                f"p95 {_pct(plain, 0.95):.2f}; gateway p50 {_pct(gated, 0.5):.2f} p95 {_pct(gated, 0.95):.2f}"
            )
            print(
                f"added latency: p50 {_pct(gated, 0.5) - _pct(plain, 0.5):.2f} ms, "
                f"p95 {_pct(gated, 0.95) - _pct(plain, 0.95):.2f} ms (target: p50 under 5 ms)"
            )
            total = requests * 3
            rate_direct = await _throughput(client, f"{direct}/chat/completions", up_auth, total)
            rate_gateway = await _throughput(client, f"{through}/chat/completions", gw_auth, total)
            print(
                f"throughput, 50 concurrent clients, {total} chats: direct {rate_direct:.0f}/s, gateway "
                f"{rate_gateway:.0f}/s, ratio {rate_gateway / rate_direct:.2f} (target: at least 0.8)"
            )
            first_direct = await _ttft(client, f"{direct}/chat/completions", up_auth, 20)
            first_gateway = await _ttft(client, f"{through}/chat/completions", gw_auth, 20)
            ratio = statistics.median(first_gateway) / statistics.median(first_direct)
            print(
                f"time to first token, streamed chat (median of 20): direct {statistics.median(first_direct):.1f} ms, "
                f"gateway {statistics.median(first_gateway):.1f} ms, ratio {ratio:.3f} (target: at most 1.1)"
            )
            before = _kb(gateway.pid, "VmRSS")
            try:
                Path(f"/proc/{gateway.pid}/clear_refs").write_text("5")  # reset the peak (VmHWM)
                reset = True
            except OSError:
                reset = False
            received = 0
            largest = 0
            body = {"prompt": "a cat", "num_frames": 49}
            async with client.stream(
                "POST", f"{through}/multimodal/video/cogvideox", json=body, headers=gw_auth
            ) as answer:
                async for piece in answer.aiter_raw():
                    received += len(piece)
                    largest = max(largest, len(piece))
            growth = (_kb(gateway.pid, "VmHWM") - before) / 1000 if reset else float("nan")
            print(
                f"video through the gateway: status {answer.status_code}, {received / MB:.1f} MB of JSON "
                f"({megabytes} MB of MP4), largest piece {largest / 1024:.0f} KiB; gateway peak RSS growth "
                f"{growth:.1f} MB = {growth / megabytes:.3f}x the payload, {growth * MB / CHUNK:.1f}x the "
                f"{CHUNK // 1024} KiB chunk (target: under 2 chunks, not the payload)"
            )
    finally:
        for process in (gateway, upstream):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-gateway", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream, args.megabytes)
    elif args.serve_gateway:
        serve_gateway(args.serve_gateway)
    else:
        asyncio.run(bench(args.requests, args.megabytes))


if __name__ == "__main__":
    main()
