"""Peak memory of a playground run that receives a 50 MB video (issue 5's benchmark, memory half).

A loopback server in a separate process answers `POST /v1/multimodal/video/cogvideox` with the
contract's JSON, `{"video_base64": <50 MB of MP4 as base64>, ...}` (67 MB of body). This process runs
`run_model` on it and prints, relative to the 50 MB payload:

- tracemalloc's peak of Python allocations during the run;
- the growth of resident memory (peak RSS, VmHWM, reset before the run, minus RSS before it).

For contrast the same is measured for the naive way (`response.json()` then `b64decode`), which
holds the body, the JSON string and the decoded bytes at once. Nothing is asserted.

Run: `.venv/bin/python benchmarks/playground_memory.py [--megabytes 50]`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KEY = "bench-key"
MB = 1_000_000


def _payload(megabytes: int) -> bytes:
    """An MP4-looking file (a real `ftyp` box, then random bytes) of `megabytes` MB."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + os.urandom(megabytes * MB - len(head))


def serve(port: int, megabytes: int) -> None:
    """The loopback upstream (run in its own process, so its memory is not counted)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    body = json.dumps(
        {
            "video_base64": base64.b64encode(_payload(megabytes)).decode("ascii"),
            "format": "mp4",
            "fps": 8,
            "duration_s": 6.1,
            "credits_used": 800,
        }
    ).encode()

    async def video(request: Request) -> Response:
        await request.body()
        return Response(body, status_code=201, media_type="application/json")

    app = Starlette(routes=[Route("/v1/multimodal/video/cogvideox", video, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


async def _measure(label: str, work: Callable[[], Awaitable[None]], payload_mb: int) -> None:
    gc.collect()
    await work()  # warm up imports, connection code and caches once
    gc.collect()
    before = _status_kb("VmRSS")
    reset = _reset_peak_rss()
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    rss_growth_mb = (_status_kb("VmHWM") - before) / 1000 if reset else float("nan")
    gc.collect()
    tracemalloc.start()
    await work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / MB
    print(
        f"{label:<34} time {elapsed:5.2f} s   tracemalloc peak {peak_mb:7.1f} MB "
        f"({peak_mb / payload_mb:4.2f}x payload)   peak RSS growth {rss_growth_mb:7.1f} MB "
        f"({rss_growth_mb / payload_mb:4.2f}x payload)"
    )


async def bench(megabytes: int) -> None:
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--megabytes", str(megabytes)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the loopback server did not start") from None
                time.sleep(0.1)

        data_dir = Path(tempfile.mkdtemp(prefix="playground-memory-"))
        os.environ.update(
            AI_REGISTRY_DATA_DIR=str(data_dir), AINATIVE_API_BASE=f"http://127.0.0.1:{port}", AINATIVE_API_KEY=KEY
        )
        os.environ.pop("DATABASE_URL", None)

        import httpx

        from ai_registry.catalog.builtin import load_builtin_catalog
        from ai_registry.inference import rate_limit
        from ai_registry.inference.result import new_run_id
        from ai_registry.inference.run import run_model

        model = next(m for m in load_builtin_catalog() if m.slug == "cogvideox-2b")
        values = {"prompt": "a paper boat on a river", "num_frames": 49}
        url = f"http://127.0.0.1:{port}/v1/multimodal/video/cogvideox"
        body_mb = (4 * ((megabytes * MB + 2) // 3)) / MB

        async with httpx.AsyncClient() as client:

            async def streamed() -> None:
                rate_limit.LIMITER.reset()  # CogVideoX allows one run a minute; this measures three
                result = await run_model(model, values, run_id=new_run_id(), client=client)
                if result.status != "succeeded" or result.output_path is None:
                    raise RuntimeError(f"the run failed: {result.error}")
                if Path(result.output_path).stat().st_size != megabytes * MB:
                    raise RuntimeError("the written video has the wrong size")
                Path(result.output_path).unlink()

            async def naive() -> None:
                response = await client.post(url, json=values, headers={"Authorization": f"Bearer {KEY}"}, timeout=180)
                video = base64.b64decode(response.json()["video_base64"])
                (data_dir / "naive.mp4").write_bytes(video)
                del video, response

            print(f"payload {megabytes} MB of MP4, {body_mb:.1f} MB of JSON body")
            await _measure("run_model (streamed decode)", streamed, megabytes)
            await _measure("naive json() + b64decode", naive, megabytes)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.megabytes)
        return
    asyncio.run(bench(args.megabytes))


if __name__ == "__main__":
    main()
