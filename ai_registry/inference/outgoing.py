"""The HTTP request a run sends, built from the kind's `RequestSpec`.

Uploaded files go out streamed from disk: as multipart parts, or as `data:` URIs inside a JSON body
(base64 encoded piece by piece, never whole in memory). A file given as a URL for a multipart route
is downloaded first and checked like an upload. The request log keeps what was sent, with base64
shortened and the key replaced by a placeholder.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import math
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference import errors
from ai_registry.inference.errors import CallFailed, RunError
from ai_registry.inference.transport import WebFetch
from ai_registry.kinds import FilePart, RequestSpec
from ai_registry.kinds.values import safe_filename
from ai_registry.media.extract import describe_base64, shorten_base64
from ai_registry.media.sniff import MEDIA_TYPES, sniff_media
from ai_registry.media.storage import upload_dir
from ai_registry.media.uploads import check_upload, structure_problem
from ai_registry.netguard import FetchRefused, display_url
from ai_registry.settings import get_settings


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


def _download_failed(part: FilePart, message: str, field_message: str) -> CallFailed:
    return CallFailed(
        RunError(
            message,
            hint="Check that the URL is public, or upload the file instead.",
            kind="invalid",
            fields={part.field: field_message},
        )
    )


class Outgoing:
    """One run's request: built once, with the files it opened or fetched closed and removed by `close`."""

    def __init__(
        self,
        *,
        model: UnifiedAIModel,
        spec: RequestSpec,
        url: str,
        run_id: str,
        client: httpx.AsyncClient,
        web: WebFetch,
        api_key: str | None,
        timeout_s: float,
        transport_note: str | None = None,
    ) -> None:
        self.model = model
        self.spec = spec
        self.url = url
        self.run_id = run_id
        self.client = client
        self.web = web
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.log: dict[str, Any] = {"method": spec.method, "url": url}
        if transport_note:
            self.log["transport"] = transport_note
        self._open_files: list[Any] = []
        self._fetched: list[Path] = []  # files downloaded for this call only

    def close(self) -> None:
        """Close the files the request streams from and delete the ones fetched for it."""
        for handle in self._open_files:
            handle.close()
        for path in self._fetched:
            path.unlink(missing_ok=True)

    async def _fetch_file(self, part: FilePart) -> tuple[str, str]:
        """A URL given for a multipart file: downloaded through the guarded fetcher (public addresses
        only, every redirect checked, size and time capped) and checked like an upload."""
        assert part.url is not None
        param = self.model.parameter(part.field)
        limit = (param.max_bytes if param else None) or get_settings().upload_max_bytes
        target = upload_dir() / f"{self.run_id}-{safe_filename(part.filename, 'file')}"
        size = 0
        try:
            async with self.web(part.url, limit, self.timeout_s) as resp:
                if resp.status_code >= 400:
                    raise _download_failed(
                        part,
                        f"Could not download {display_url(part.url)} ({resp.status_code}).",
                        f"Download failed ({resp.status_code})",
                    )
                with open(target, "wb") as fh:
                    async for chunk in resp.aiter_bytes():
                        size += len(chunk)
                        await asyncio.to_thread(fh.write, chunk)
        except FetchRefused as exc:
            target.unlink(missing_ok=True)
            short = "URL refused" if exc.refused else "Download failed"
            raise _download_failed(part, exc.message, short) from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        with open(target, "rb") as fh:
            head = fh.read(64)
        if param is not None:
            problem = check_upload(param, part.filename, part.content_type, size, head)
            problem = problem or await asyncio.to_thread(
                structure_problem, param, target, part.filename, part.content_type
            )
            if problem:
                target.unlink(missing_ok=True)
                raise CallFailed(errors.validation_error({part.field: problem}))
        self._fetched.append(target)
        sniffed = sniff_media(head)
        return str(target), MEDIA_TYPES[sniffed][1] if sniffed else part.content_type

    async def build(self) -> httpx.Request:
        """The httpx request, its body streamed where it carries files."""
        spec = self.spec
        headers = {"Accept": spec.accept or "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        log_headers = {k: v for k, v in headers.items() if k != "Authorization"}
        if self.api_key:
            log_headers["Authorization"] = "Bearer <upstream key>"
        timeout = httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s))
        self.log["headers"] = log_headers
        if spec.is_multipart:
            return await self._multipart(headers, log_headers, timeout)
        if spec.json is None:
            return self.client.build_request(spec.method, self.url, headers=headers, timeout=timeout)
        headers["Content-Type"] = log_headers["Content-Type"] = "application/json"
        uploads = [p for p in spec.files if p.json_path and p.path]
        if not uploads:
            self.log["json"] = shorten_base64(spec.json)
            content = json.dumps(spec.json, ensure_ascii=False).encode()
            return self.client.build_request(spec.method, self.url, content=content, headers=headers, timeout=timeout)
        return self._json_with_uploads(uploads, headers, timeout)

    async def _multipart(
        self, headers: dict[str, str], log_headers: dict[str, str], timeout: httpx.Timeout
    ) -> httpx.Request:
        files = []
        described = []
        for part in self.spec.files:
            path, content_type = part.path, part.content_type
            if path is None and part.url:
                path, content_type = await self._fetch_file(part)
            if path is None:
                raise CallFailed(errors.validation_error({part.field: "Upload a file or paste an http(s) URL"}))
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
        self.log["form"] = dict(self.spec.form or {})
        self.log["files"] = described
        return self.client.build_request(
            self.spec.method, self.url, data=self.spec.form, files=files, headers=headers, timeout=timeout
        )

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
        self.log["json"] = shorten_base64(shown)
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
