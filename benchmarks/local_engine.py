"""Benchmark of the embedded local engine (issue 6), on this machine, over the loopback interface only.

The engine is served from a child process (as in the app, where clients are other processes) and
measured from this one. Prints:
- embeddings per second through `POST /v1/embeddings` against the same encoder called in this
  process (tokenizer + ONNX session + pooling, no HTTP), and their ratio (target: at most 1.2x);
- chat time to first token and tokens per second, streamed through `POST /v1/chat/completions`;
- speech-to-text real-time factor through `POST /v1/audio/transcriptions` (and text-to-speech's);
- the API's latency to a tiny `GET /v1/models` while a chat streams, divided by idle (the closest
  figure to the dashboard's event round trip while busy, which needs the running Reflex app);
- the server's resident memory with all four models loaded.

Rounds of the compared measurements alternate, so both sides see the same background load.
Every loop is bounded in count and in time. Run: `.venv/bin/python benchmarks/local_engine.py`.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from ai_registry.local.api import build_local_router  # noqa: E402
from ai_registry.local.auth import get_key_verifier  # noqa: E402
from ai_registry.local.chat import CHAT_MODEL_ID  # noqa: E402
from ai_registry.local.config import LocalEngineSettings  # noqa: E402
from ai_registry.local.embeddings import EMBEDDING_MODEL_ID  # noqa: E402
from ai_registry.local.engine import LocalEngine, get_engine  # noqa: E402
from ai_registry.local.speech import SPEECH_MODEL_ID  # noqa: E402
from ai_registry.local.transcription import TRANSCRIPTION_MODEL_ID  # noqa: E402

KEY = os.environ.get("LOCAL_ENGINE_BENCH_KEY") or secrets.token_urlsafe(24)
HEADERS = {"Authorization": f"Bearer {KEY}"}
EMBED_BATCH = 100
EMBED_ROUNDS = 8
EMBED_BUDGET_S = 40.0
CHAT_RUNS = 3
CHAT_TOKENS = 128
STT_RUNS = 3
PING_COUNT = 40
PING_BUDGET_S = 20.0
SERVER_START_S = 120.0
SERVER_LIFETIME_S = 900.0
SPEECH_TEXT = (
    "The local engine runs four small models on this server. It answers chat messages, embeds "
    "sentences, speaks text aloud and writes down what it hears, without any network access."
)
LONG_ESSAY = "Write a very long essay about the history of Rome."
TOPICS = ("the weather", "a football match", "stock prices", "a cooking recipe", "a train delay",
          "a new phone", "the history of Rome", "a sleepy cat", "a mountain hike", "a jazz concert")


def sentences(n: int) -> list[str]:
    """n varied English sentences, from search-query to short-passage length."""
    return [
        f"Sentence {i}: a short note about {TOPICS[i % len(TOPICS)]}, written for a benchmark "
        f"{'with a few more words to vary its length ' * (i % 4)}run."
        for i in range(n)
    ]


def resident_mib(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident set size of a process in MiB, from /proc."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = float(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def serve_forever() -> None:
    """Child process: load the four models, serve the router on 127.0.0.1, print the port, run."""
    engine = get_engine()
    for runner in engine.runners:
        runner.model()
    app = FastAPI()
    app.include_router(build_local_router(engine))
    app.dependency_overrides[get_key_verifier] = lambda: (lambda raw: raw == KEY)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="bench-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    print(server.servers[0].sockets[0].getsockname()[1], flush=True)
    # Serve until the parent closes our stdin, or at most SERVER_LIFETIME_S.
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait(SERVER_LIFETIME_S)
    server.should_exit = True
    thread.join(timeout=10)


@contextmanager
def serve() -> Iterator[tuple[str, int]]:
    """The engine in a child process on 127.0.0.1; yields (base URL, pid) and stops it afterwards."""
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOCAL_ENGINE_BENCH_KEY": KEY},
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        if not select.select([child.stdout], [], [], SERVER_START_S)[0]:
            raise RuntimeError(f"the benchmark server did not start within {SERVER_START_S:.0f} s")
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}", child.pid
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


def bench_embeddings(http: httpx.Client) -> None:
    """Alternate in-process and HTTP rounds over the same 100 texts; report medians."""
    texts = sentences(EMBED_BATCH)
    # Normal priority here: the baseline is the encoder at full speed, as a script would call it.
    local = LocalEngine(LocalEngineSettings(worker_nice=0))
    runner = local.embeddings
    runner.embed(texts)  # load and warm up, not timed

    def over_http(encoding: str) -> None:
        response = http.post("/v1/embeddings", headers=HEADERS,
                             json={"model": EMBEDDING_MODEL_ID, "input": texts, "encoding_format": encoding})
        response.raise_for_status()
        assert len(response.json()["data"]) == len(texts)

    timings: dict[str, list[float]] = {"direct": [], "float": [], "base64": []}
    over_http("float")  # warm up the server side
    started = time.perf_counter()
    for _ in range(EMBED_ROUNDS):
        for name in timings:
            begin = time.perf_counter()
            if name == "direct":
                runner.embed(texts)
            else:
                over_http(name)
            timings[name].append(time.perf_counter() - begin)
        if time.perf_counter() - started > EMBED_BUDGET_S:
            break
    local.close()
    direct = statistics.median(timings["direct"])
    print(f"embeddings, in-process encoder (tokenizer + ONNX):   {len(texts) / direct:8.1f} texts/s")
    for encoding in ("float", "base64"):
        ratios = [h / d for h, d in zip(timings[encoding], timings["direct"], strict=True)]
        print(f"embeddings, POST /v1/embeddings ({encoding:6}, {EMBED_BATCH}/req): "
              f"{len(texts) / statistics.median(timings[encoding]):8.1f} texts/s"
              f"  -> overhead {statistics.median(ratios):.2f}x (target <= 1.2x)")


def bench_chat(http: httpx.Client) -> None:
    """Time to first content token and tokens per second after it, streamed."""
    first_token, per_second = [], []
    for run in range(CHAT_RUNS):
        body = {
            "model": CHAT_MODEL_ID,
            "messages": [{"role": "user", "content": f"Tell me a short story about {TOPICS[run]}."}],
            "max_tokens": CHAT_TOKENS,
            "temperature": 0.7,
            "seed": run,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        started = time.perf_counter()
        first = last = None
        tokens = 0
        with http.stream("POST", "/v1/chat/completions", headers=HEADERS, json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                now = time.perf_counter()
                chunk = json.loads(line[6:])
                if chunk.get("usage"):
                    tokens = chunk["usage"]["completion_tokens"]
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    first = first or now
                    last = now
        if first is None or last is None or tokens < 2:
            continue
        first_token.append(first - started)
        per_second.append((tokens - 1) / max(last - first, 1e-6))
    ttft_ms = statistics.median(first_token) * 1000
    print(f"chat, time to first token (median of {len(first_token)}):           {ttft_ms:8.0f} ms")
    print(f"chat, tokens per second after the first (median):    {statistics.median(per_second):8.1f} tokens/s")


def bench_audio(http: httpx.Client) -> None:
    """Text-to-speech once, then speech-to-text of that audio, as real-time factors."""
    started = time.perf_counter()
    speech = http.post("/v1/audio/speech", headers=HEADERS,
                       json={"model": SPEECH_MODEL_ID, "input": SPEECH_TEXT, "voice": "joe"})
    speech.raise_for_status()
    tts_seconds = time.perf_counter() - started
    audio_seconds = int(speech.headers["x-audio-duration-ms"]) / 1000
    print(f"text-to-speech, real-time factor:                    {tts_seconds / audio_seconds:8.3f}"
          f"  ({audio_seconds:.1f} s of audio in {tts_seconds:.2f} s)")
    factors = []
    for _ in range(STT_RUNS):
        started = time.perf_counter()
        response = http.post("/v1/audio/transcriptions", headers=HEADERS,
                             files={"file": ("speech.wav", speech.content, "audio/wav")},
                             data={"model": TRANSCRIPTION_MODEL_ID, "response_format": "json"})
        response.raise_for_status()
        factors.append((time.perf_counter() - started) / audio_seconds)
    print(f"speech-to-text, real-time factor (median of {len(factors)}):    {statistics.median(factors):8.3f}"
          f"  ({audio_seconds:.1f} s of audio)")


def ping_latencies(http: httpx.Client, keep_going: Callable[[], bool], count: int) -> list[float]:
    """Latencies of tiny GET /v1/models requests, 20 ms apart, while `keep_going()` (bounded)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + PING_BUDGET_S
    while len(latencies) < count and time.perf_counter() < deadline and keep_going():
        started = time.perf_counter()
        http.get("/v1/models").raise_for_status()
        latencies.append(time.perf_counter() - started)
        time.sleep(0.02)
    return latencies


def bench_event_loop(url: str) -> None:
    """Ping latency while a long chat streams, against idle, in alternating windows."""
    idle: list[float] = []
    busy: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as pinger, httpx.Client(base_url=url, timeout=120) as worker:
        for _ in range(2):
            idle += ping_latencies(pinger, lambda: True, PING_COUNT // 2)
            streaming = threading.Event()
            done = threading.Event()

            def chat(done: threading.Event = done, streaming: threading.Event = streaming) -> None:
                body = {"model": CHAT_MODEL_ID, "max_tokens": 512, "seed": 1, "temperature": 0.9,
                        "stream": True, "messages": [{"role": "user", "content": LONG_ESSAY}]}
                with worker.stream("POST", "/v1/chat/completions", headers=HEADERS, json=body) as response:
                    for _ in response.iter_lines():
                        streaming.set()
                        if done.is_set():
                            break

            thread = threading.Thread(target=chat, name="bench-busy", daemon=True)
            thread.start()
            streaming.wait(timeout=30)
            busy += ping_latencies(pinger, thread.is_alive, PING_COUNT // 2)
            done.set()
            thread.join(timeout=60)
    idle_ms, busy_ms = statistics.median(idle) * 1000, statistics.median(busy) * 1000
    p95 = sorted(busy)[int(0.95 * (len(busy) - 1))] * 1000
    print(f"API ping GET /v1/models, idle (median of {len(idle)}):       {idle_ms:8.2f} ms")
    print(f"API ping while a chat streams (median of {len(busy)}):      {busy_ms:8.2f} ms (p95 {p95:.2f} ms)"
          f"  -> busy/idle {busy_ms / idle_ms:.2f} (target <= 1.2)")


def main() -> None:
    """Serve the four models from a child process on 127.0.0.1, measure, print."""
    print(f"local engine benchmark · {os.cpu_count()} cores · engine served from its own process")
    started = time.perf_counter()
    with serve() as (url, pid), httpx.Client(base_url=url, timeout=120) as http:
        print(f"start the server and load all four models:           {time.perf_counter() - started:8.2f} s")
        loaded, _ = resident_mib(pid)
        print(f"server resident memory, four models loaded:          {loaded:8.0f} MiB")
        bench_embeddings(http)
        bench_chat(http)
        bench_audio(http)
        bench_event_loop(url)
        current, peak = resident_mib(pid)
        print(f"server resident memory after every model ran:        {current:8.0f} MiB (peak {peak:.0f} MiB)")


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve_forever()
    else:
        main()
