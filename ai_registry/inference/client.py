"""The inference client: one run of a model, from form values to a result the playground can show.

validate the values -> price them -> call the endpoint (the upstream with its key, or the embedded
local engine in-process) -> write media to files -> a `RunResult`. `run_and_record` adds the `Run`
row. A run never raises for anything the network, the upstream or the person can cause: failures
come back as a `RunError` in the result.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
import logging
import math
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from httpx_sse import EventSource

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost
from ai_registry.categories import FilePart, RequestSpec, safe_filename
from ai_registry.categories.request import build_request, category_name
from ai_registry.inference import errors, rate_limit
from ai_registry.inference.errors import RunError
from ai_registry.inference.local_transport import InProcessTransport, local_engine_app
from ai_registry.inference.media import (
    MEDIA_TYPES,
    Base64FieldExtractor,
    InvalidMedia,
    MediaFile,
    RawMediaWriter,
    ResponseTooLarge,
    describe_base64,
    media_dir,
    media_seconds,
    media_url,
    remove_outputs,
    shorten_base64,
    sniff_media,
    upload_dir,
)
from ai_registry.inference.validation import check_upload, validate_values
from ai_registry.settings import get_settings

log = logging.getLogger(__name__)

TextCallback = Callable[[str], Awaitable[None]]

LOCAL_BASE_URL = "http://local-engine"
LOCAL_PREFIX = "/v1"
# Bodies are handed to the decoder (in a worker thread) in pieces of about this size.
DECODE_PIECE_BYTES = 1 << 20
MAX_ERROR_BODY_BYTES = 1_000_000
MAX_JSON_BYTES = 32_000_000
# Embedding vectors in the request log keep this many numbers; the full vectors go to a file.
LOG_NUMBERS = 16
# JSON fields that may hold a link to the output instead of its bytes.
_URL_FIELDS = ("video_url", "image_url", "audio_url", "url", "output_url")


@dataclass
class RunResult:
    """What one run produced. No media bytes: outputs are files under `data_dir/media`, served by URL."""

    status: str  # "succeeded" | "failed" | "cancelled"
    output_kind: str  # "image" | "video" | "audio" | "text" | "json" | "chat"
    run_id: str = ""
    output_path: str | None = None
    output_url: str | None = None  # "/media/<file name>" on the app's backend
    media_type: str | None = None  # e.g. "video/mp4"
    text: str = ""  # chat answer or transcript
    data: dict[str, Any] | None = None  # embeddings: {"vectors", "dimensions", "similarity", "texts"}
    response_json: str = ""  # base64 and long vectors shortened
    request_json: str = ""  # what was sent, shortened, without the API key
    error: RunError | None = None
    http_status: int | None = None
    duration_ms: int = 0
    cost_usd: float | None = None
    cost_label: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class _Failed(Exception):
    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class _Output:
    kind: str
    path: Path | None = None
    media_type: str | None = None
    text: str = ""
    data: dict[str, Any] | None = None
    response: Any = None


def new_run_id() -> str:
    """A run id that is also a safe file name."""
    return uuid.uuid4().hex


def is_local(model: UnifiedAIModel) -> bool:
    """True for the embedded engine's models, which run in this process without a key."""
    return model.provider == "Local" or "local" in model.sources


def expected_output_kind(model: UnifiedAIModel) -> str:
    """The kind of result the model's route gives: image, video, audio, text, json or chat."""
    name = category_name(model)
    if name == "audio":
        route = model.endpoint.rstrip("/")
        return "audio" if route.endswith("/speech") else "text"
    return {"chat": "chat", "embedding": "json", "image": "image", "video": "video"}.get(name, "json")


# --------------------------------------------------------------------------------------------------
# Helpers


def _set_path(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _b64_length(size: int) -> int:
    return 4 * math.ceil(size / 3)


def _file_preview(path: str) -> str:
    with open(path, "rb") as fh:
        return base64.b64encode(fh.read(9)).decode("ascii")


async def _file_base64(path: str) -> AsyncIterator[bytes]:
    """A file's base64, read and encoded in pieces (multiples of 3 bytes, so the pieces join cleanly)."""
    with open(path, "rb") as fh:
        while True:
            chunk = await asyncio.to_thread(fh.read, 3 * 256 * 1024)
            if not chunk:
                return
            yield base64.b64encode(chunk)


def _cosine_matrix(vectors: list[list[float]]) -> list[list[float]]:
    matrix = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = matrix / norms
    return np.round(unit @ unit.T, 4).tolist()


def _decode_vector(value: Any) -> list[float] | None:
    if isinstance(value, str):  # encoding_format="base64": little-endian float32
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        return np.frombuffer(raw, dtype="<f4").astype(float).tolist()
    if isinstance(value, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        return [float(x) for x in value]
    return None


def _json_dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _find_url(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        for key in _URL_FIELDS:
            value = obj.get(key)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                return value
        for value in obj.values():
            if isinstance(value, Mapping | list):
                found = _find_url(value)
                if found:
                    return found
    elif isinstance(obj, list):
        for value in obj:
            found = _find_url(value)
            if found:
                return found
    return None


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _Failed(errors.bad_response_error(f"the answer is larger than {limit // 1_000_000} MB"))
        chunks.append(chunk)
    return b"".join(chunks)


def _connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in words: httpx only says "All connection attempts failed"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        if isinstance(seen, socket.gaierror) or "name or service not known" in str(seen).lower():
            return "the host name could not be resolved"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _parse_json(body: bytes, status: int | None) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        snippet = body[:80].decode("utf-8", "replace")
        raise _Failed(errors.bad_response_error(f"it is not JSON ({snippet!r})", status)) from None


# --------------------------------------------------------------------------------------------------
# One call


async def _feed_in_pieces(first: bytes, rest: AsyncIterator[bytes], feed: Callable[[bytes], None]) -> None:
    """Hand a streamed body to `feed` in pieces of about `DECODE_PIECE_BYTES`, each in a worker thread
    (decoding megabytes of base64 must not hold up the event loop)."""
    pending = bytearray(first)
    async for chunk in rest:
        pending += chunk
        if len(pending) >= DECODE_PIECE_BYTES:
            piece = bytes(pending)
            pending.clear()
            await asyncio.to_thread(feed, piece)
    if pending:
        await asyncio.to_thread(feed, bytes(pending))


class _Call:
    """The state of one request: what was sent, what came back so far."""

    def __init__(
        self,
        *,
        model: UnifiedAIModel,
        spec: RequestSpec,
        url: str,
        run_id: str,
        client: httpx.AsyncClient,
        api_key: str | None,
        timeout_s: float,
        on_text: TextCallback | None,
        local: bool,
    ) -> None:
        self.model = model
        self.spec = spec
        self.url = url
        self.run_id = run_id
        self.client = client
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.on_text = on_text
        self.local = local
        self.text = ""
        self.http_status: int | None = None
        self.request_log: dict[str, Any] = {"method": spec.method, "url": url}
        self._open_files: list[Any] = []
        self._fetched: list[Path] = []  # files downloaded for this call only

    # -- the request --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _outside(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client for files on the web: the run's own, unless that one only reaches the local engine."""
        if not self.local:
            yield self.client
            return
        async with httpx.AsyncClient(follow_redirects=True) as client:
            yield client

    async def _fetch_file(self, part: FilePart) -> tuple[str, str]:
        """A URL given for a multipart file: downloaded to the uploads folder and checked like an upload."""
        assert part.url is not None
        param = self.model.parameter(part.field)
        limit = (param.max_bytes if param else None) or get_settings().upload_max_bytes
        target = upload_dir() / f"{self.run_id}-{safe_filename(part.filename, 'file')}"
        size = 0
        try:
            async with (
                self._outside() as client,
                client.stream("GET", part.url, timeout=self.timeout_s, follow_redirects=True) as resp,
            ):
                if resp.status_code >= 400:
                    raise _Failed(
                        errors.RunError(
                            f"Could not download {part.url} ({resp.status_code}).",
                            hint="Check that the URL is public, or upload the file instead.",
                            kind="invalid",
                            fields={part.field: f"Download failed ({resp.status_code})"},
                        )
                    )
                with open(target, "wb") as fh:
                    async for chunk in resp.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            break
                        await asyncio.to_thread(fh.write, chunk)
        except httpx.HTTPError as exc:
            target.unlink(missing_ok=True)
            raise _Failed(
                errors.RunError(
                    f"Could not download {part.url}: {exc.__class__.__name__}.",
                    hint="Check that the URL is public, or upload the file instead.",
                    kind="invalid",
                    fields={part.field: "Download failed"},
                )
            ) from exc
        with open(target, "rb") as fh:
            head = fh.read(64)
        if param is not None:
            problem = check_upload(param, part.filename, part.content_type, size, head)
            if problem:
                target.unlink(missing_ok=True)
                raise _Failed(errors.validation_error({part.field: problem}))
        self._fetched.append(target)
        sniffed = sniff_media(head)
        return str(target), MEDIA_TYPES[sniffed][1] if sniffed else part.content_type

    async def build(self) -> httpx.Request:
        spec = self.spec
        headers = {"Accept": spec.accept or "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        log_headers = {k: v for k, v in headers.items() if k != "Authorization"}
        if self.api_key:
            log_headers["Authorization"] = "Bearer <upstream key>"
        timeout = httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s))
        self.request_log["headers"] = log_headers
        if self.local:
            self.request_log["transport"] = "in-process (local engine)"
        if spec.is_multipart:
            files = []
            described = []
            for part in spec.files:
                path, content_type = part.path, part.content_type
                if path is None and part.url:
                    path, content_type = await self._fetch_file(part)
                if path is None:
                    raise _Failed(errors.validation_error({part.field: "Upload a file or paste an http(s) URL"}))
                handle = open(path, "rb")  # noqa: SIM115 (closed when the call ends)
                self._open_files.append(handle)
                files.append((part.field, (part.filename, handle, content_type)))
                described.append(
                    {
                        "field": part.field,
                        "filename": part.filename,
                        "content_type": content_type,
                        "bytes": Path(path).stat().st_size,
                    }
                )
            log_headers["Content-Type"] = "multipart/form-data"
            self.request_log["form"] = dict(spec.form or {})
            self.request_log["files"] = described
            return self.client.build_request(
                spec.method, self.url, data=spec.form, files=files, headers=headers, timeout=timeout
            )
        if spec.json is None:
            return self.client.build_request(spec.method, self.url, headers=headers, timeout=timeout)
        headers["Content-Type"] = log_headers["Content-Type"] = "application/json"
        uploads = [p for p in spec.files if p.json_path and p.path]
        if not uploads:
            self.request_log["json"] = shorten_base64(spec.json)
            content = json.dumps(spec.json, ensure_ascii=False).encode()
            return self.client.build_request(spec.method, self.url, content=content, headers=headers, timeout=timeout)
        return self._json_with_uploads(uploads, headers, timeout)

    def _json_with_uploads(
        self, uploads: list[FilePart], headers: dict[str, str], timeout: httpx.Timeout
    ) -> httpx.Request:
        """A JSON body whose uploaded files go in as `data:` URIs, streamed from disk (never whole in memory)."""
        body = copy.deepcopy(self.spec.json) or {}
        shown = copy.deepcopy(body)
        marks: list[tuple[bytes, FilePart, int]] = []
        for index, part in enumerate(uploads):
            assert part.path is not None and part.json_path is not None
            mark = f"\x00upload-{index}-{uuid.uuid4().hex}\x00"
            size = Path(part.path).stat().st_size
            _set_path(body, part.json_path, mark)
            header = f"data:{part.content_type};base64,"
            _set_path(shown, part.json_path, header + describe_base64(_file_preview(part.path), size))
            marks.append((json.dumps(mark)[1:-1].encode(), part, size))
        self.request_log["json"] = shorten_base64(shown)
        text = json.dumps(body, ensure_ascii=False).encode()
        segments: list[bytes | FilePart] = []
        length = 0
        for mark, part, size in marks:
            before, _, text = text.partition(mark)
            header = f"data:{part.content_type};base64,".encode()
            segments += [before + header, part]
            length += len(before) + len(header) + _b64_length(size)
        segments.append(text)
        length += len(text)

        async def stream() -> AsyncIterator[bytes]:
            for segment in segments:
                if isinstance(segment, FilePart):
                    assert segment.path is not None
                    async for piece in _file_base64(segment.path):
                        yield piece
                else:
                    yield segment

        headers = {**headers, "Content-Length": str(length)}
        return self.client.build_request(self.spec.method, self.url, content=stream(), headers=headers, timeout=timeout)

    # -- the answer ---------------------------------------------------------------------------------

    async def perform(self) -> _Output:
        try:
            request = await self.build()
            try:
                response = await asyncio.wait_for(self.client.send(request, stream=True), self.timeout_s)
            except TimeoutError:
                raise _Failed(errors.timeout_error(self.timeout_s)) from None
            try:
                self.http_status = response.status_code
                return await self._read(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise _Failed(errors.timeout_error(self.timeout_s)) from None
        except httpx.ConnectError as exc:
            raise _Failed(errors.unreachable_error(self.url, _connect_reason(exc))) from None
        except httpx.RemoteProtocolError:
            raise _Failed(
                errors.bad_response_error("the connection closed before a complete answer", self.http_status)
            ) from None
        except httpx.HTTPError as exc:
            raise _Failed(errors.unreachable_error(self.url, f"{type(exc).__name__}: {exc}")) from None
        finally:
            for handle in self._open_files:
                handle.close()
            for path in self._fetched:
                path.unlink(missing_ok=True)

    async def _read(self, response: httpx.Response) -> _Output:
        status = response.status_code
        if status >= 400:
            body = await _read_capped(response, MAX_ERROR_BODY_BYTES)
            raise _Failed(errors.from_response(status, body, response.headers))
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if self.spec.output == "chat" and content_type == "text/event-stream":
            return await self._read_stream(response)
        if self.spec.output in ("image", "video", "audio"):
            return await self._read_media(response)
        body = await _read_capped(response, MAX_JSON_BYTES)
        if self.spec.output == "text" and "json" not in content_type and not body.lstrip().startswith(b"{"):
            text = body.decode("utf-8", "replace")
            return _Output("text", text=text, response={"text": text, "content_type": content_type})
        parsed = _parse_json(body, status)
        if self.spec.output == "chat":
            return self._chat_answer(parsed)
        if self.spec.output == "text":
            return self._transcript(parsed)
        if self.spec.output == "embeddings":
            return await self._embeddings(parsed)
        return _Output("json", response=parsed)

    def _chat_answer(self, parsed: Any) -> _Output:
        try:
            content = parsed["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise _Failed(errors.bad_response_error("it has no choices[0].message.content", self.http_status)) from None
        self.text = content if isinstance(content, str) else json.dumps(content)
        return _Output("chat", text=self.text, response=parsed)

    def _transcript(self, parsed: Any) -> _Output:
        text = None
        if isinstance(parsed, Mapping):
            text = parsed.get("text", parsed.get("transcript"))
        if not isinstance(text, str):
            raise _Failed(errors.bad_response_error("it has no text or transcript", self.http_status))
        return _Output("text", text=text, response=parsed)

    async def _embeddings(self, parsed: Any) -> _Output:
        raw: list[Any] | None = None
        if isinstance(parsed, Mapping) and isinstance(parsed.get("data"), list):
            items = sorted((d for d in parsed["data"] if isinstance(d, Mapping)), key=lambda d: d.get("index", 0))
            raw = [d.get("embedding") for d in items]
        elif isinstance(parsed, Mapping) and isinstance(parsed.get("embeddings"), list):
            raw = parsed["embeddings"]
        vectors = [_decode_vector(v) for v in raw or []]
        if not vectors or any(v is None or not v for v in vectors):
            raise _Failed(errors.bad_response_error("it holds no embedding vectors", self.http_status))
        dims = {len(v) for v in vectors if v is not None}
        if len(dims) != 1:
            raise _Failed(errors.bad_response_error("its vectors have different lengths", self.http_status))
        clean = [v for v in vectors if v is not None]
        body = self.spec.json or {}
        texts = body.get("input", body.get("texts"))
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        data = {
            "vectors": clean,
            "dimensions": dims.pop(),
            "similarity": _cosine_matrix(clean),
            "texts": [str(t) for t in texts],
            "model": parsed.get("model") if isinstance(parsed, Mapping) else None,
        }
        path = media_dir() / f"{self.run_id}.json"
        await asyncio.to_thread(path.write_text, json.dumps(data), "utf-8")
        return _Output("json", path=path, media_type="application/json", data=data, response=parsed)

    async def _read_stream(self, response: httpx.Response) -> _Output:
        events = 0
        finish: str | None = None
        meta: dict[str, Any] = {}
        usage: Any = None
        async for event in EventSource(response).aiter_sse():
            data = event.data.strip()
            if not data:
                continue
            if data == "[DONE]":
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                raise _Failed(errors.bad_response_error("a streamed event is not JSON", self.http_status)) from None
            events += 1
            if isinstance(chunk, Mapping) and "error" in chunk:
                detail, _ = errors.error_detail(chunk)
                raise _Failed(
                    RunError(
                        f"The model stopped with an error while answering: {detail or 'no details given'}.",
                        hint="The part of the answer that arrived is kept; try again.",
                        status=self.http_status,
                        kind="upstream",
                    )
                )
            if not isinstance(chunk, Mapping):
                continue
            for key in ("id", "model", "created"):
                if key in chunk:
                    meta.setdefault(key, chunk[key])
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, Mapping):
                    continue
                finish = choice.get("finish_reason") or finish
                delta = choice.get("delta") or {}
                content = delta.get("content") if isinstance(delta, Mapping) else None
                if isinstance(content, str) and content:
                    self.text += content
                    if self.on_text is not None:
                        await self.on_text(content)
        response_obj = {
            **meta,
            "object": "chat.completion",
            "streamed": True,
            "events": events,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.text}, "finish_reason": finish}],
        }
        if usage is not None:
            response_obj["usage"] = usage
        return _Output("chat", text=self.text, response=response_obj)

    async def _read_media(self, response: httpx.Response) -> _Output:
        chunks = response.aiter_bytes()
        first = b""
        async for chunk in chunks:
            if chunk:
                first = chunk
                break
        if not first:
            raise _Failed(
                errors.bad_response_error(f"the answer is empty; no {self.spec.output} came", self.http_status)
            )
        stripped = first.lstrip()
        try:
            if stripped.startswith((b"{", b"[")):
                return await self._media_from_json(first, chunks)
            if sniff_media(first) is not None:
                return await self._media_from_bytes(first, chunks)
        except InvalidMedia as exc:
            raise _Failed(errors.bad_response_error(str(exc), self.http_status)) from None
        except ResponseTooLarge as exc:
            raise _Failed(errors.bad_response_error(str(exc), self.http_status)) from None
        snippet = first[:80].decode("utf-8", "replace")
        raise _Failed(
            errors.bad_response_error(f"expected a {self.spec.output} or JSON, got {snippet!r}", self.http_status)
        )

    def _media_output(self, media: MediaFile, response: Any) -> _Output:
        kind, media_type = media.output_kind, media.content_type
        # MP4 and WebM hold audio as well as video: the route says which it is.
        if media.kind in ("mp4", "webm") and self.spec.output == "audio":
            kind, media_type = "audio", f"audio/{media.kind}"
        return _Output(kind, path=media.path, media_type=media_type, response=response)

    async def _media_from_json(self, first: bytes, rest: AsyncIterator[bytes]) -> _Output:
        extractor = Base64FieldExtractor(media_dir(), self.run_id, max_json_bytes=MAX_JSON_BYTES)
        try:
            await _feed_in_pieces(first, rest, extractor.feed)
            extracted = await asyncio.to_thread(extractor.finish)
        except BaseException:
            extractor.abort()
            raise
        if extracted.media:
            return self._media_output(extracted.media[0], extracted.json)
        url = _find_url(extracted.json)
        if url:
            return await self._download_output(url, extracted.json)
        detail, _ = errors.error_detail(extracted.json)
        reason = f"it holds no {self.spec.output}" + (f" ({detail})" if detail else "")
        raise _Failed(errors.bad_response_error(reason, self.http_status))

    async def _media_from_bytes(self, first: bytes, rest: AsyncIterator[bytes]) -> _Output:
        writer = RawMediaWriter(media_dir(), self.run_id)
        try:
            await _feed_in_pieces(first, rest, writer.feed)
            media = await asyncio.to_thread(writer.finish)
        except BaseException:
            writer.abort()
            raise
        return self._media_output(media, {"content_type": MEDIA_TYPES[media.kind][1], "bytes": media.size})

    async def _download_output(self, url: str, response_obj: Any) -> _Output:
        """An answer that links to its output (`image_url`): the file is fetched and kept like any other."""
        async with (
            self._outside() as client,
            client.stream("GET", url, timeout=self.timeout_s, follow_redirects=True) as resp,
        ):
            if resp.status_code >= 400:
                raise _Failed(
                    errors.bad_response_error(f"its output link {url} answered {resp.status_code}", resp.status_code)
                )
            chunks = resp.aiter_bytes()
            first = b""
            async for chunk in chunks:
                if chunk:
                    first = chunk
                    break
            if sniff_media(first) is None:
                raise _Failed(errors.bad_response_error(f"its output link {url} is not a media file", self.http_status))
            output = await self._media_from_bytes(first, chunks)
        output.response = response_obj
        return output


# --------------------------------------------------------------------------------------------------
# The run


async def _race(task: asyncio.Future[Any], cancel: asyncio.Event | None) -> bool:
    """Wait for `task` unless `cancel` is set first (then cancel it). True when the task finished."""
    if cancel is None:
        await asyncio.wait({task})
        return True
    waiter = asyncio.ensure_future(cancel.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not waiter.done():
            waiter.cancel()
    if task in done:
        return True
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return False


async def _audio_seconds(spec: RequestSpec) -> float | None:
    for part in spec.files:
        if part.path:
            return await asyncio.to_thread(media_seconds, part.path)
    return None


def _api_url(path: str, *, local: bool) -> str:
    if path.startswith(("http://", "https://")):
        return path
    if local:
        return LOCAL_BASE_URL + path
    settings = get_settings()
    return (settings.api_base or settings.public_api_base).rstrip("/") + path


async def run_model(
    model: UnifiedAIModel,
    values: Mapping[str, Any],
    *,
    run_id: str,
    client: httpx.AsyncClient | None = None,
    on_text: TextCallback | None = None,
    cancel: asyncio.Event | None = None,
    timeout_s: float | None = None,
) -> RunResult:
    """Run `model` once with the playground's `values` (form strings or typed values).

    Remote models go to the configured upstream (`AINATIVE_API_BASE` + prefix, else the public API)
    with the upstream key as a Bearer token; local models go to the embedded engine in this process.
    `client` is used for remote calls (tests inject one). A streamed chat answer calls `on_text`
    with each piece; setting `cancel` stops the run within one piece. `timeout_s` overrides the
    route's timeout (video 180 s, image and audio 120 s, else 30–60 s). Outputs are written as
    `data_dir/media/<run_id>.<ext>`.
    """
    started = time.perf_counter()
    kind = expected_output_kind(model)

    def finish(status: str, *, error: RunError | None = None, **fields: Any) -> RunResult:
        return RunResult(
            status=status,
            output_kind=fields.pop("output_kind", kind),
            run_id=run_id,
            error=error,
            duration_ms=round((time.perf_counter() - started) * 1000),
            **fields,
        )

    try:
        typed, field_errors = validate_values(model, values)
        if field_errors:
            return finish("failed", error=errors.validation_error(field_errors))
        local = is_local(model)
        api_key: str | None = None
        if not local:
            from ai_registry.aggregator.runtime import upstream_api_key

            api_key = await asyncio.to_thread(upstream_api_key)
            if not api_key:
                return finish("failed", error=errors.no_key_error())
        spec = build_request(model, typed, prefix=LOCAL_PREFIX if local else get_settings().api_prefix)
        url = _api_url(spec.path, local=local)
        audio_seconds = (
            await _audio_seconds(spec) if model.pricing and model.pricing.basis == "per_minute_audio" else None
        )
        estimate = estimate_cost(model, typed, audio_seconds=audio_seconds)
        if cancel is not None and cancel.is_set():
            return finish("cancelled", cost_label=estimate.label)
        wait = rate_limit.acquire(model)
        if wait is not None:
            error = errors.local_rate_limit_error(rate_limit.limit_message(model, wait), wait)
            return finish("failed", error=error, cost_label=estimate.label)
    except Exception as exc:  # a bug here must not take the page down with it
        log.exception("run %s of %s could not start", run_id, model.slug)
        return finish("failed", error=errors.internal_error(exc))

    owned: httpx.AsyncClient | None = None
    if local:
        try:
            engine = local_engine_app()
        except Exception as exc:  # the engine package is optional
            log.exception("the local engine cannot be loaded")
            error = RunError(
                f"The local engine is not available: {exc}",
                hint="Local models need the engine package and its model files; see the server log.",
                kind="unavailable",
            )
            return finish("failed", error=error, cost_label=estimate.label)
        owned = httpx.AsyncClient(transport=InProcessTransport(engine), base_url=LOCAL_BASE_URL)
        http = owned
    elif client is None:
        owned = httpx.AsyncClient(follow_redirects=True)
        http = owned
    else:
        http = client
    call = _Call(
        model=model,
        spec=spec,
        url=url,
        run_id=run_id,
        client=http,
        api_key=api_key,
        timeout_s=timeout_s if timeout_s is not None else spec.timeout_s,
        on_text=on_text,
        local=local,
    )
    task = asyncio.ensure_future(call.perform())
    try:
        try:
            finished = await _race(task, cancel)
        except asyncio.CancelledError:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            remove_outputs(run_id)
            raise
        request_json = _json_dump(call.request_log)
        common: dict[str, Any] = {
            "request_json": request_json,
            "http_status": call.http_status,
            "cost_label": estimate.label,
        }
        if not finished:
            await asyncio.to_thread(remove_outputs, run_id)
            return finish("cancelled", text=call.text, **common)
        exc = task.exception()
        if isinstance(exc, _Failed):
            return finish("failed", error=exc.error, text=call.text, **common)
        if exc is not None:
            log.error("run %s of %s failed", run_id, model.slug, exc_info=exc)
            return finish("failed", error=errors.internal_error(exc), text=call.text, **common)
        output: _Output = task.result()
        response = shorten_base64(output.response, max_numbers=LOG_NUMBERS)
        return finish(
            "succeeded",
            output_kind=output.kind,
            output_path=str(output.path) if output.path else None,
            output_url=media_url(output.path) if output.path else None,
            media_type=output.media_type,
            text=output.text,
            data=output.data,
            response_json=_json_dump(response) if response is not None else "",
            cost_usd=estimate.usd,
            **common,
        )
    finally:
        if owned is not None:
            await owned.aclose()


# --------------------------------------------------------------------------------------------------
# Recording


def _inputs_for_log(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form values as they can be loaded back into the form (JSON-safe)."""
    return json.loads(json.dumps(dict(values), default=str))


async def run_and_record(
    model: UnifiedAIModel,
    values: Mapping[str, Any],
    *,
    run_id: str | None = None,
    client: httpx.AsyncClient | None = None,
    on_text: TextCallback | None = None,
    cancel: asyncio.Event | None = None,
    timeout_s: float | None = None,
) -> RunResult:
    """`run_model`, stored as a `Run` row (created as running, finished with the result).

    A database that cannot be written is logged and does not fail the run.
    """
    from ai_registry.store.db import session_scope
    from ai_registry.store.runs import create_run, finish_run

    run_id = run_id or new_run_id()
    inputs = _inputs_for_log(values)

    def create() -> None:
        with session_scope() as session:
            create_run(session=session, run_id=run_id, model_slug=model.slug, inputs=inputs)

    try:
        await asyncio.to_thread(create)
    except Exception:
        log.exception("could not store run %s", run_id)
    result = await run_model(
        model, values, run_id=run_id, client=client, on_text=on_text, cancel=cancel, timeout_s=timeout_s
    )

    def save() -> None:
        with session_scope() as session:
            finish_run(session=session, run_id=run_id, result=result)

    try:
        await asyncio.to_thread(save)
    except Exception:
        log.exception("could not store the result of run %s", run_id)
    return result


__all__ = [
    "RunError",
    "RunResult",
    "expected_output_kind",
    "is_local",
    "new_run_id",
    "run_and_record",
    "run_model",
]
