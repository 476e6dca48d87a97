"""A loopback server that imitates the upstream API of ``shared/design/CONTRACT.md``.

Used by the aggregator, snippet, inference and end-to-end tests. It answers every contract route with
small real media (see ``tests.support.media``), checks API keys, credits and (optionally) rate limits
like the upstream, records every request, and injects faults per route::

    with ContractServer(api_key="test-key", prefix="/v1") as srv:
        srv.set_fault("/models", Fault(status=503))
        httpx.get(f"{srv.url}/v1/models")          # -> 503 {"detail": "Service Unavailable"}

``build_contract_app(state)`` gives the same app for in-process use with ``httpx.ASGITransport``.
"""

import asyncio
import base64
import binascii
import contextlib
import copy
import fnmatch
import hashlib
import hmac
import io
import json
import math
import re
import threading
import time
import uuid
import wave
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlparse

import httpx
import numpy as np
import uvicorn
from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import AfterValidator, BaseModel, Field, model_validator
from starlette.datastructures import MutableHeaders
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest

from tests.support.media import mp4_bytes, png_bytes, sniff_media, wav_bytes

__all__ = [
    "PRICES",
    "ContractServer",
    "ContractState",
    "Fault",
    "RecordedRequest",
    "build_contract_app",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Credits per run, from CONTRACT.md "Prices". The RunPod-style Wan route bills by its duration table
# (USD x 2000 credits, the rate every other price in the contract uses).
PRICES: dict[str, Any] = {
    "image": 50,
    "i2v": {"wan22": 400, "seedance": 520, "sora2": 800},
    "wan_run": {5: 600, 8: 960, 10: 1200, 15: 1400},
    "t2v": 1000,
    "cogvideox": 800,
    "tts_per_1000_chars": 14,
    "whisper_per_minute": 5,
}
I2V_SECONDS = {"wan22": 5, "seedance": 5, "sora2": 4}
VIDEO_FPS = 8
DEFAULT_EMBEDDING_MODEL = "BAAI/bge-small-en-v1.5"
UsageType = Literal["tts", "image", "video_i2v", "video_t2v", "video_cogvideox"]
AUDIO_KINDS = {"wav", "mp3", "ogg", "webm", "mp4", "flac"}
IMAGE_KINDS = {"png", "jpeg", "webp", "gif"}


def _default_chat_models() -> list[dict[str, Any]]:
    return [
        {"id": "gpt-4", "object": "model", "created": 1687882411, "owned_by": "ainative", "available": True},
        {
            "id": "gpt-3.5-turbo",
            "object": "model",
            "created": 1677610602,
            "owned_by": "ainative",
            "available": True,
        },
        {
            "id": "claude-3-5-sonnet-20241022",
            "object": "model",
            "created": 1729641600,
            "owned_by": "ainative",
            "available": True,
        },
    ]


def _default_embedding_models() -> list[dict[str, Any]]:
    return [
        {
            "id": "BAAI/bge-small-en-v1.5",
            "dimensions": 384,
            "description": "Lightweight English embedding model for fast semantic search",
            "speed": "Fast",
            "loaded": True,
        },
        {
            "id": "BAAI/bge-base-en-v1.5",
            "dimensions": 768,
            "description": "Balanced English embedding model: quality and speed",
            "speed": "Medium",
            "loaded": False,
        },
        {
            "id": "BAAI/bge-large-en-v1.5",
            "dimensions": 1024,
            "description": "Largest English embedding model, for the highest quality embeddings",
            "speed": "Slow",
            "loaded": False,
        },
    ]


def _default_health() -> dict[str, Any]:
    return {
        "status": "healthy",
        "services": {
            "image": {"available": True, "models": ["qwen-image-edit"]},
            "video": {"available": True, "models": ["wan22", "seedance", "sora2", "t2v", "cogvideox"]},
            "audio": {"available": True, "models": ["whisper-1", "tts-1"]},
        },
    }


DEFAULT_RATE_LIMITS = {"image": 5, "tts": 10, "video_i2v": 2, "video_t2v": 1, "video_cogvideox": 1}


# --------------------------------------------------------------------------------------------------
# Faults and recorded requests


@dataclass(frozen=True)
class Fault:
    """A failure injected on one route.

    ``delay`` waits first (then the route answers normally unless another field is set);
    ``drop_connection`` closes the socket without any response; ``oversize_bytes`` streams that many
    bytes of valid JSON (chunked, no Content-Length); ``status``/``body`` replace the answer (a status
    without body gets a FastAPI-style ``{"detail": ...}``; a body without status is sent with 200).
    ``times`` (extension) limits the fault to the next N matching requests; None means forever.
    """

    status: int | None = None
    delay: float = 0.0
    body: bytes | None = None
    content_type: str = "application/json"
    drop_connection: bool = False
    oversize_bytes: int = 0
    times: int | None = None


class _Headers(dict):
    """A plain dict of lower-cased header names that also answers case-insensitive look-ups."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    """One request as the server received it (before faults, latency or validation)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any | None
    form: dict[str, str]
    files: dict[str, tuple[str | None, str | None, int]]
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


# --------------------------------------------------------------------------------------------------
# State


class ContractState:
    """Everything the contract app reads while serving; tests flip these attributes at run time.

    Attributes (all restored by ``reset()``):
      models_shape        "data" (current) or "models" (older deployments) for GET /models
      chat_models         dicts served by GET /models
      embedding_models    dicts served by GET /public/embeddings/models (also the known embedding models)
      registry_models     dicts served by GET /public/ai-registry/models
      health              dict served by GET /multimodal/health
      transcript_key      "text" or "transcript": field name of transcriptions/translations
      speech_mode         "json" (base64 WAV + usage) or "bytes" (raw audio/wav)
      image_mode          "base64" (image_base64) or "url" (image_url served from {prefix}/media/...)
      error_style         "detail" | "message" | "error": body of non-422 errors
      credits             balance; a run costing more answers 402
      enforce_rate_limits False by default; rate_limits per bucket per key per rate_window seconds
      stream_delay        seconds between streamed chat chunks
      latency             seconds added to every route
      image_scale         the PNG is width/scale x height/scale (the reported width/height are the asked ones)
      video_size          (width, height) of the MP4s
    """

    def __init__(self, api_key: str | None = "test-key", prefix: str = "/v1") -> None:
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix
        self.api_key = api_key
        self.prefix = prefix.rstrip("/")
        self._lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self._apply_defaults()

    def _apply_defaults(self) -> None:
        with self._lock:
            self.models_shape: Literal["data", "models"] = "data"
            self.chat_models = _default_chat_models()
            self.embedding_models = _default_embedding_models()
            self.registry_models: list[dict[str, Any]] = []
            self.health = _default_health()
            self.transcript_key: Literal["text", "transcript"] = "text"
            self.speech_mode: Literal["json", "bytes"] = "json"
            self.image_mode: Literal["base64", "url"] = "base64"
            self.error_style: Literal["detail", "message", "error"] = "detail"
            self.credits = 1_000_000
            self.enforce_rate_limits = False
            self.rate_limits = dict(DEFAULT_RATE_LIMITS)
            self.rate_window = 60.0
            self.default_rate_remaining = 1000
            self.stream_delay = 0.02
            self.latency = 0.0
            self.image_scale = 8
            self.video_size = (64, 36)
            self.usage: dict[str, dict[str, Any]] = {}
            self.media: dict[str, tuple[bytes, str]] = {}
            self._faults: dict[str, list[Any]] = {}
            self._windows: dict[tuple[str, str], deque[float]] = {}
            self.requests.clear()

    # -- test controls ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Clear faults, latency, recorded requests, usage, and restore every default."""
        self._apply_defaults()

    def set_fault(self, path_suffix: str, fault: Fault | None) -> None:
        """Inject ``fault`` on the route ``{prefix}{path_suffix}`` (None removes it).

        ``path_suffix`` is compared with the path after the prefix: exactly, or as a glob when it holds
        ``*``, or as a template when it holds ``{name}`` (``/multimodal/usage/{id}``).
        """
        key = self._normalize_suffix(path_suffix)
        with self._lock:
            if fault is None:
                self._faults.pop(key, None)
            else:
                self._faults[key] = [fault, fault.times]

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` of delay to every route."""
        self.latency = max(0.0, float(seconds))

    def requests_to(self, path_suffix: str, method: str | None = None) -> list[RecordedRequest]:
        """The recorded requests whose path is ``{prefix}{path_suffix}`` (optionally of one method)."""
        path = self.prefix + self._normalize_suffix(path_suffix)
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method.upper())]

    def add_usage_record(
        self, endpoint_type: str, *, status: str = "completed", credits_used: int = 0, model: str = ""
    ) -> str:
        """Store a usage record (e.g. a ``pending`` one to test polling) and return its id."""
        return self._add_usage(endpoint_type, credits_used=credits_used, model=model, status=status)

    # -- internals used by the app ------------------------------------------------------------------

    def _normalize_suffix(self, suffix: str) -> str:
        if not suffix.startswith("/"):
            suffix = "/" + suffix
        if self.prefix and (suffix.startswith(self.prefix + "/") or suffix == self.prefix):
            suffix = suffix[len(self.prefix) :] or "/"
        return suffix.rstrip("/") or "/"

    def _take_fault(self, rest: str) -> Fault | None:
        with self._lock:
            entry = self._faults.get(rest)
            if entry is None:
                for pattern, candidate in self._faults.items():
                    if _suffix_matches(pattern, rest):
                        entry = candidate
                        break
            if entry is None:
                return None
            fault, remaining = entry
            if remaining is not None:
                if remaining <= 0:
                    return None
                entry[1] = remaining - 1
            return fault

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _charge(self, request: Request, key: str, *, bucket: str | None, credits: int) -> int:
        """Apply the rate limit of ``bucket`` and take ``credits``; returns the credits remaining."""
        with self._lock:
            limit = self.rate_limits.get(bucket) if bucket else None
            if limit is not None:
                if self.enforce_rate_limits:
                    now = time.monotonic()
                    window = self._windows.setdefault((key, bucket), deque())
                    while window and now - window[0] >= self.rate_window:
                        window.popleft()
                    if len(window) >= limit:
                        request.state.rate_remaining = 0
                        raise HTTPException(429, "Rate limit exceeded", headers={"X-RateLimit-Remaining": "0"})
                    window.append(now)
                    request.state.rate_remaining = limit - len(window)
                else:
                    request.state.rate_remaining = limit
            if credits > self.credits:
                raise HTTPException(402, "Insufficient credits")
            self.credits -= credits
            return self.credits

    def _add_usage(
        self, endpoint_type: str, *, credits_used: int, model: str, status: str = "completed", prompt: str = ""
    ) -> str:
        usage_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        record = {
            "id": usage_id,
            "usage_id": usage_id,
            "endpoint_type": endpoint_type,
            "status": status,
            "model": model,
            "credits_used": credits_used,
            "prompt": prompt[:200],
            "created_at": now,
            "completed_at": now if status == "completed" else None,
            "error": None,
        }
        with self._lock:
            self.usage[usage_id] = record
        return usage_id

    def _error_payload(self, status: int, detail: Any) -> Any:
        if self.error_style == "message":
            return {"message": detail}
        if self.error_style == "error":
            kinds = {
                401: ("authentication_error", "invalid_api_key"),
                402: ("billing_error", "insufficient_credits"),
                404: ("not_found_error", "not_found"),
                429: ("rate_limit_error", "rate_limit_exceeded"),
            }
            kind, code = kinds.get(status, ("api_error", str(status)))
            return {"error": {"message": detail, "type": kind, "code": code}}
        return {"detail": detail}


def _suffix_matches(pattern: str, rest: str) -> bool:
    if "*" in pattern:
        return fnmatch.fnmatchcase(rest, pattern)
    if "{" in pattern:
        regex = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(pattern))
        return re.fullmatch(regex, rest) is not None
    return False


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------------------------------
# Request bodies


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _image_reference(value: str) -> str:
    """An http(s) URL, or a data: URI whose bytes are an image."""
    if value.startswith("data:"):
        header, sep, payload = value.partition(",")
        if not sep or not payload:
            raise ValueError("data URI has no payload")
        if header.endswith(";base64"):
            try:
                raw = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("data URI is not valid base64") from exc
            if sniff_media(raw) not in IMAGE_KINDS:
                raise ValueError("data URI does not hold a PNG, JPEG, WebP or GIF image")
        return value
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http(s) URL or a data: URI")
    return value


Prompt2000 = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_not_blank)]
Prompt1000 = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_not_blank)]
ImageRef = Annotated[str, AfterValidator(_image_reference)]


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer", "function"]
    content: str | list[dict[str, Any]] | None


class ChatBody(BaseModel):
    model: Annotated[str, Field(min_length=1)]
    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    max_tokens: Annotated[int | None, Field(ge=1)] = None
    temperature: Annotated[float | None, Field(ge=0, le=2)] = None
    top_p: Annotated[float | None, Field(ge=0, le=1)] = None
    stream: bool = False


class ImageBody(BaseModel):
    prompt: Prompt2000
    width: Annotated[int, Field(ge=512, le=2048)] = 1024
    height: Annotated[int, Field(ge=512, le=2048)] = 1024
    style: str | None = None


class I2VBody(BaseModel):
    image_url: ImageRef
    motion_prompt: Prompt2000
    provider: Literal["wan22", "seedance", "sora2"] = "wan22"


class WanInput(BaseModel):
    prompt: Prompt2000
    image: ImageRef
    negative_prompt: Annotated[str | None, Field(max_length=2000)] = None


class WanRunBody(BaseModel):
    input: WanInput
    num_inference_steps: Annotated[int, Field(ge=1, le=100)] = 40
    guidance: Annotated[float, Field(ge=0, le=20)] = 5.0
    flow_shift: Annotated[float | None, Field(ge=0, le=20)] = None
    seed: Annotated[int | None, Field(ge=-1)] = None
    enable_prompt_optimization: bool = False
    enable_safety_checker: bool = True
    size: Literal["1280*720"] = "1280*720"
    duration: Literal[5, 8, 10, 15] = 8


class T2VBody(BaseModel):
    prompt: Prompt1000
    duration: Annotated[int, Field(ge=1, le=10)] = 5


class CogVideoXBody(BaseModel):
    prompt: Prompt1000
    num_frames: Literal[17, 33, 49] = 49
    guidance_scale: Annotated[float, Field(ge=0, le=20)] = 6.0
    num_inference_steps: Annotated[int, Field(ge=1, le=100)] = 50


class SpeechBody(BaseModel):
    input: Annotated[str | None, Field(max_length=4096)] = None
    text: Annotated[str | None, Field(max_length=4096)] = None
    voice: Annotated[str, Field(min_length=1)]
    model: str = "tts-1"
    response_format: str | None = None
    speed: Annotated[float, Field(ge=0.25, le=4.0)] = 1.0

    @model_validator(mode="after")
    def _input_or_text(self) -> "SpeechBody":
        if not (self.input or self.text or "").strip():
            raise ValueError("either 'input' or 'text' is required")
        return self

    @property
    def spoken(self) -> str:
        return (self.input or self.text or "").strip()


class EmbeddingsBody(BaseModel):
    input: str | Annotated[list[str], Field(min_length=1, max_length=2048)]
    model: str = DEFAULT_EMBEDDING_MODEL


class GenerateEmbeddingsBody(BaseModel):
    texts: Annotated[list[str], Field(min_length=1, max_length=100)]
    model: str | None = None
    normalize: bool = True


def _invalid(loc: tuple[Any, ...], msg: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError([{"loc": loc, "msg": msg, "type": "value_error", "input": value}])


# --------------------------------------------------------------------------------------------------
# Pure helpers


def _words(text: str) -> list[str]:
    return text.split()


def _message_text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    if isinstance(message.content, list):
        return " ".join(str(part.get("text", "")) for part in message.content if isinstance(part, dict))
    return ""


def chat_answer(body: ChatBody) -> tuple[list[str], str]:
    """The deterministic answer (as words) and finish reason: ``Echo: <last user message>``."""
    users = [m for m in body.messages if m.role == "user"]
    last = users[-1] if users else body.messages[-1]
    words = ["Echo:", *_words(_message_text(last))]
    if body.max_tokens is not None and len(words) > body.max_tokens:
        return words[: body.max_tokens], "length"
    return words, "stop"


def embedding_vector(text: str, model: str, dimensions: int, normalize: bool = True) -> list[float]:
    """A deterministic pseudo-embedding of ``text``: the same text and model give the same vector."""
    seed = int.from_bytes(hashlib.sha256(f"{model}\0{text}".encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    if normalize:
        vector /= np.linalg.norm(vector)
    return vector.tolist()


def _wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------------------------------
# The ASGI layer around FastAPI: recording, latency, faults, common headers


class _Replay:
    """A receive() that hands the already-read body to the app, then defers to the real receive."""

    def __init__(self, body: bytes, receive: Receive) -> None:
        self._body = body
        self._sent = False
        self._receive = receive

    async def __call__(self) -> Message:
        if not self._sent:
            self._sent = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        return await self._receive()


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _parse_record(scope: Scope, body: bytes, receive: Receive) -> RecordedRequest:
    headers = _Headers((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", []))
    content_type = headers.get("content-type", "")
    parsed_json: Any | None = None
    form: dict[str, str] = {}
    files: dict[str, tuple[str | None, str | None, int]] = {}
    if "json" in content_type and body:
        try:
            parsed_json = json.loads(body)
        except ValueError:
            parsed_json = None
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        request = StarletteRequest(scope, _Replay(body, receive))
        try:
            data = await request.form()
        except Exception:  # a malformed form is still recorded, just without fields
            data = None
        if data is not None:
            for name, value in data.multi_items():
                if isinstance(value, StarletteUploadFile):
                    size = value.size if value.size is not None else len(await value.read())
                    files[name] = (value.filename, value.content_type, size)
                else:
                    form[name] = value
            await data.close()
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    return RecordedRequest(
        method=scope["method"],
        path=scope["path"],
        headers=headers,
        json=parsed_json,
        form=form,
        files=files,
        query=query,
        body=body,
    )


async def _sleep_unless_disconnected(seconds: float, receive: Receive) -> bool:
    """Sleep; returns False early when the client disconnects (so abandoned requests end quickly)."""
    sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
    watcher = asyncio.ensure_future(receive())
    try:
        await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if watcher.done() and not watcher.cancelled():
            with contextlib.suppress(Exception):
                if watcher.result().get("type") == "http.disconnect":
                    return False
        await sleeper
        return True
    finally:
        for task in (sleeper, watcher):
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


async def _drop_connection(send: Send) -> None:
    """Close the socket without a byte of response (uvicorn), or fail like httpx would (in-process)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    transport.close()
    for _ in range(100):  # let uvicorn notice, so it does not try to answer 500 on a closed socket
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0.002)


async def _send_bytes(send: Send, status: int, body: bytes, content_type: str, extra: list | None = None) -> None:
    headers = [(b"content-type", content_type.encode("latin-1")), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _stream_oversize(send: Send, receive: Receive, fault: Fault) -> None:
    """Stream exactly ``fault.oversize_bytes`` bytes of valid JSON, chunked, with no Content-Length."""
    head = b'{"object":"list","data":[],"models":[],"padding":"'
    tail = b'"}'
    total = max(fault.oversize_bytes, len(head) + len(tail))
    await send(
        {
            "type": "http.response.start",
            "status": fault.status or 200,
            "headers": [(b"content-type", fault.content_type.encode("latin-1"))],
        }
    )
    watcher = asyncio.ensure_future(receive())
    try:
        await send({"type": "http.response.body", "body": head, "more_body": True})
        left = total - len(head) - len(tail)
        chunk = b"x" * 65536
        while left > 0 and not watcher.done():
            piece = chunk[: min(left, len(chunk))]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            left -= len(piece)
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": tail, "more_body": False})
    finally:
        if not watcher.done():
            watcher.cancel()
            with contextlib.suppress(BaseException):
                await watcher


class _ContractApp(FastAPI):
    """FastAPI with an outer layer that sees uvicorn's own ``send`` (needed to drop connections)."""

    contract_state: ContractState

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        state = self.contract_state
        body = await _read_body(receive)
        if body is None:
            return
        state._record(await _parse_record(scope, body, receive))

        request_id = uuid.uuid4().hex
        for name, value in scope.get("headers", []):
            if name.lower() == b"x-request-id" and value:
                request_id = value.decode("latin-1")
        scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers["X-Request-ID"] = request_id
                if "x-ratelimit-remaining" not in headers:
                    remaining = scope["state"].get("rate_remaining", state.default_rate_remaining)
                    headers["X-RateLimit-Remaining"] = str(remaining)
            await send(message)

        path: str = scope["path"]
        fault: Fault | None = None
        if not state.prefix or path == state.prefix or path.startswith(state.prefix + "/"):
            rest = path[len(state.prefix) :].rstrip("/") or "/"
            fault = state._take_fault(rest)

        delay = state.latency + (fault.delay if fault else 0.0)
        if delay > 0 and not await _sleep_unless_disconnected(delay, receive):
            return
        if fault is not None:
            if fault.drop_connection:
                await _drop_connection(send)
                return
            if fault.oversize_bytes > 0:
                await _stream_oversize(send_with_headers, receive, fault)
                return
            if fault.status is not None or fault.body is not None:
                status = fault.status or 200
                payload = fault.body
                if payload is None:
                    payload = json.dumps(state._error_payload(status, _status_phrase(status))).encode()
                extra = [(b"x-ratelimit-remaining", b"0")] if status == 429 else None
                await _send_bytes(send_with_headers, status, payload, fault.content_type, extra)
                return
        await super().__call__(scope, _Replay(body, receive), send_with_headers)


# --------------------------------------------------------------------------------------------------
# The app (no `from __future__ import annotations` here: FastAPI must see the local Annotated aliases)


def build_contract_app(state: ContractState | None = None) -> FastAPI:
    """The contract app reading ``state`` (a ``ContractState`` or ``ContractServer``) on each request."""
    state = state if state is not None else ContractState()
    app = _ContractApp(title="AINative contract double", docs_url=None, redoc_url=None, openapi_url=None)
    app.contract_state = state
    p = state.prefix

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            state._error_payload(exc.status_code, exc.detail), status_code=exc.status_code, headers=exc.headers
        )

    async def api_key(request: Request) -> str:
        presented: list[str] = []
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            presented.append(token.strip())
        if request.headers.get("x-api-key", "").strip():
            presented.append(request.headers["x-api-key"].strip())
        if not presented:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        if state.api_key is None:
            return presented[0]
        for key in presented:
            if hmac.compare_digest(key.encode(), state.api_key.encode()):
                return key
        raise HTTPException(401, "Invalid API key", headers={"WWW-Authenticate": "Bearer"})

    Key = Annotated[str, Depends(api_key)]

    # -- listings ------------------------------------------------------------------------------------

    @app.get(p + "/models")
    async def list_models() -> Any:
        models = copy.deepcopy(state.chat_models)
        if state.models_shape == "models":
            return {"models": models}
        return {"object": "list", "data": models}

    @app.get(p + "/public/embeddings/models")
    async def list_embedding_models(key: Key) -> Any:
        return copy.deepcopy(state.embedding_models)

    @app.get(p + "/public/ai-registry/models")
    async def list_registry_models() -> Any:
        models = copy.deepcopy(state.registry_models)
        return {"models": models, "total": len(models)}

    @app.get(p + "/multimodal/health")
    async def health() -> Any:
        return copy.deepcopy(state.health)

    @app.get(p + "/media/{name}")
    async def media(name: str) -> Response:
        item = state.media.get(name)
        if item is None:
            raise HTTPException(404, "Not Found")
        return Response(item[0], media_type=item[1])

    # -- chat ----------------------------------------------------------------------------------------

    @app.post(p + "/chat/completions")
    async def chat(body: ChatBody, key: Key) -> Any:
        words, finish = chat_answer(body)
        prompt_tokens = sum(len(_words(_message_text(m))) for m in body.messages)
        completion_id = "chatcmpl-" + hashlib.sha256(" ".join(words).encode()).hexdigest()[:24]
        created = int(time.time())
        if not body.stream:
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": " ".join(words)},
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(words),
                    "total_tokens": prompt_tokens + len(words),
                },
            }

        def chunk(delta: dict[str, Any], reason: str | None = None) -> bytes:
            event = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
            }
            return f"data: {json.dumps(event)}\n\n".encode()

        async def events() -> AsyncIterator[bytes]:
            yield chunk({"role": "assistant", "content": ""})
            for i, word in enumerate(words):
                await asyncio.sleep(state.stream_delay)
                yield chunk({"content": word if i == 0 else " " + word})
            yield chunk({}, finish)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    # -- image ---------------------------------------------------------------------------------------

    @app.post(p + "/multimodal/image", status_code=201)
    async def image(body: ImageBody, request: Request, key: Key) -> Any:
        cost = PRICES["image"]
        state._charge(request, key, bucket="image", credits=cost)
        color = tuple(hashlib.sha256(body.prompt.encode()).digest()[:3])
        scale = max(1, int(state.image_scale))
        png = png_bytes(max(1, body.width // scale), max(1, body.height // scale), color)
        usage_id = state._add_usage("image", credits_used=cost, model="qwen-image-edit", prompt=body.prompt)
        result: dict[str, Any] = {"format": "png", "width": body.width, "height": body.height, "credits_used": cost}
        if state.image_mode == "url":
            name = f"{usage_id}.png"
            state.media[name] = (png, "image/png")
            result["image_url"] = f"{str(request.base_url).rstrip('/')}{p}/media/{name}"
        else:
            result["image_base64"] = _b64(png)
        return result

    # -- video ---------------------------------------------------------------------------------------

    async def video_result(seconds: float, cost: int, remaining: int, usage_id: str) -> dict[str, Any]:
        width, height = state.video_size
        data = await asyncio.to_thread(mp4_bytes, width, height, seconds, VIDEO_FPS)
        return {
            "video_base64": _b64(data),
            "format": "mp4",
            "fps": VIDEO_FPS,
            "duration_s": round(max(1, round(seconds * VIDEO_FPS)) / VIDEO_FPS, 3),
            "usage_id": usage_id,
            "credits_used": cost,
            "credits_remaining": remaining,
        }

    @app.post(p + "/multimodal/video/i2v", status_code=201)
    async def image_to_video(body: I2VBody, request: Request, key: Key) -> Any:
        cost = PRICES["i2v"][body.provider]
        remaining = state._charge(request, key, bucket="video_i2v", credits=cost)
        usage_id = state._add_usage("video_i2v", credits_used=cost, model=body.provider, prompt=body.motion_prompt)
        return await video_result(I2V_SECONDS[body.provider], cost, remaining, usage_id)

    @app.post(p + "/wan-2-2-i2v-720/run", status_code=201)
    async def wan_run(body: WanRunBody, request: Request, key: Key) -> Any:
        cost = PRICES["wan_run"][body.duration]
        remaining = state._charge(request, key, bucket="video_i2v", credits=cost)
        usage_id = state._add_usage("video_i2v", credits_used=cost, model="wan22", prompt=body.input.prompt)
        return await video_result(body.duration, cost, remaining, usage_id)

    @app.post(p + "/multimodal/video/t2v", status_code=201)
    async def text_to_video(body: T2VBody, request: Request, key: Key) -> Any:
        cost = PRICES["t2v"]
        remaining = state._charge(request, key, bucket="video_t2v", credits=cost)
        usage_id = state._add_usage("video_t2v", credits_used=cost, model="t2v", prompt=body.prompt)
        return await video_result(body.duration, cost, remaining, usage_id)

    @app.post(p + "/multimodal/video/cogvideox", status_code=201)
    async def cogvideox(body: CogVideoXBody, request: Request, key: Key) -> Any:
        cost = PRICES["cogvideox"]
        remaining = state._charge(request, key, bucket="video_cogvideox", credits=cost)
        usage_id = state._add_usage("video_cogvideox", credits_used=cost, model="cogvideox-2b", prompt=body.prompt)
        return await video_result(body.num_frames / VIDEO_FPS, cost, remaining, usage_id)

    # -- audio ---------------------------------------------------------------------------------------

    async def audio_to_text(
        request: Request,
        key: str,
        task: Literal["transcribe", "translate"],
        file: UploadFile,
        language: str | None,
        response_format: str,
    ) -> Response:
        data = await file.read()
        if sniff_media(data) not in AUDIO_KINDS:
            raise _invalid(
                ("body", "file"),
                "Unsupported file: expected audio or video (wav, mp3, ogg, webm, mp4, flac)",
                file.filename,
            )
        seconds = _wav_seconds(data)
        minutes = max(1, math.ceil((seconds or 60.0) / 60.0))
        state._charge(request, key, bucket=None, credits=PRICES["whisper_per_minute"] * minutes)
        verb = "Transcribed" if task == "transcribe" else "Translated"
        text = f"{verb} {len(data)} bytes of audio"
        if response_format == "text":
            return PlainTextResponse(text)
        result: dict[str, Any] = {state.transcript_key: text}
        if response_format == "verbose_json":
            duration = round(seconds or 0.0, 3)
            result.update(
                task=task,
                language="english" if task == "translate" else (language or "english"),
                duration=duration,
                segments=[{"id": 0, "start": 0.0, "end": duration, "text": text}],
            )
        return JSONResponse(result)

    AudioFormat = Literal["json", "text", "verbose_json"]

    @app.post(p + "/audio/transcriptions")
    async def transcriptions(
        request: Request,
        key: Key,
        file: Annotated[UploadFile, File()],
        model: Annotated[str, Form()] = "whisper-1",
        prompt: Annotated[str | None, Form()] = None,
        temperature: Annotated[float, Form(ge=0, le=1)] = 0.0,
        language: Annotated[str | None, Form()] = None,
        response_format: Annotated[AudioFormat, Form()] = "json",
    ) -> Response:
        return await audio_to_text(request, key, "transcribe", file, language, response_format)

    @app.post(p + "/audio/translations")
    async def translations(
        request: Request,
        key: Key,
        file: Annotated[UploadFile, File()],
        model: Annotated[str, Form()] = "whisper-1",
        prompt: Annotated[str | None, Form()] = None,
        temperature: Annotated[float, Form(ge=0, le=1)] = 0.0,
        language: Annotated[str | None, Form()] = None,
        response_format: Annotated[AudioFormat, Form()] = "json",
    ) -> Response:
        return await audio_to_text(request, key, "translate", file, language, response_format)

    @app.post(p + "/audio/speech")
    async def speech(body: SpeechBody, request: Request, key: Key) -> Response:
        text = body.spoken
        cost = PRICES["tts_per_1000_chars"] * max(1, math.ceil(len(text) / 1000))
        remaining = state._charge(request, key, bucket="tts", credits=cost)
        seconds = round(min(5.0, max(0.3, 0.06 * len(text))) / body.speed, 2)
        audio = await asyncio.to_thread(wav_bytes, seconds, 440.0, 16000)
        usage_id = state._add_usage("tts", credits_used=cost, model=body.model, prompt=text)
        if state.speech_mode == "bytes":
            return Response(audio, media_type="audio/wav")
        return JSONResponse(
            {
                "audio_base64": _b64(audio),
                "format": "wav",
                "duration_ms": int(seconds * 1000),
                "credits_used": cost,
                "usage_id": usage_id,
                "credits_remaining": remaining,
            },
            status_code=201,
        )

    # -- embeddings ----------------------------------------------------------------------------------

    def embedding_model(name: str | None, loc: tuple[Any, ...]) -> tuple[str, int]:
        name = name or DEFAULT_EMBEDDING_MODEL
        for model in state.embedding_models:
            if name in (model["id"], model["id"].split("/")[-1]):
                return model["id"], int(model["dimensions"])
        raise _invalid(loc, f"Unknown embedding model '{name}'", name)

    @app.post(p + "/embeddings")
    async def embeddings(body: EmbeddingsBody, key: Key) -> Any:
        model, dims = embedding_model(body.model, ("body", "model"))
        texts = [body.input] if isinstance(body.input, str) else body.input
        tokens = sum(len(_words(t)) for t in texts)
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": embedding_vector(t, model, dims)}
                for i, t in enumerate(texts)
            ],
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @app.post(p + "/public/{project_id}/embeddings/generate")
    async def generate_embeddings(project_id: str, body: GenerateEmbeddingsBody, key: Key) -> Any:
        started = time.perf_counter()
        model, dims = embedding_model(body.model, ("body", "model"))
        vectors = [embedding_vector(t, model, dims, body.normalize) for t in body.texts]
        return {
            "embeddings": vectors,
            "model": model,
            "dimensions": dims,
            "count": len(vectors),
            "processing_time_ms": round((time.perf_counter() - started) * 1000, 3),
            "project_id": project_id,
        }

    # -- usage ---------------------------------------------------------------------------------------

    @app.get(p + "/multimodal/usage/{usage_id}")
    async def usage_record(usage_id: str, key: Key) -> Any:
        record = state.usage.get(usage_id)
        if record is None:
            raise HTTPException(404, "Usage record not found")
        return dict(record)

    @app.get(p + "/multimodal/usage")
    async def usage_list(
        key: Key,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        endpoint_type: Annotated[UsageType | None, Query()] = None,
    ) -> Any:
        with state._lock:
            records = [dict(r) for r in reversed(state.usage.values())]
        if endpoint_type:
            records = [r for r in records if r["endpoint_type"] == endpoint_type]
        return {"items": records[skip : skip + limit], "total": len(records), "skip": skip, "limit": limit}

    return app


# --------------------------------------------------------------------------------------------------
# The server


class ContractServer(ContractState):
    """The contract app served by uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, api_key: str | None = "test-key", prefix: str = "/v1", port: int = 0) -> None:
        super().__init__(api_key=api_key, prefix=prefix)
        self.app = build_contract_app(self)
        self._port_wanted = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (without the prefix)."""
        if self.port is None:
            raise RuntimeError("ContractServer is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL with the prefix: ``http://127.0.0.1:<port>/v1``."""
        return self.url + self.prefix

    def start(self, timeout: float = 10.0) -> "ContractServer":
        """Start serving; waits (at most ``timeout`` seconds) until the socket listens."""
        if self._thread is not None and self._thread.is_alive():
            return self
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self._port_wanted,
            http="h11",
            ws="none",
            lifespan="off",
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="contract-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("ContractServer failed to start")
            if time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError(f"ContractServer did not start within {timeout} s")
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread (bounded)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        self._server = self._thread = None
        self.port = None

    def __enter__(self) -> "ContractServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
