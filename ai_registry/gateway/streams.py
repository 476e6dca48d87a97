"""Reading what passes through without holding it: the numbers a JSON or media answer reports
(`credits_used`, `duration_s`, token counts), and the text and usage of a server-sent event stream."""

from __future__ import annotations

import json
import re
from typing import Any

# Keys whose numeric values metering reads, found anywhere in a JSON answer however large it is.
_NUMBERS = re.compile(
    rb'"(credits_used|duration_s|duration|prompt_tokens|completion_tokens|total_tokens)"\s*:\s*(-?[0-9][0-9.eE+-]*)'
)
_OVERLAP = 96  # bytes kept from one chunk to the next, so a key split between chunks is still found


class NumberScanner:
    """Feeds on the chunks of an answer and keeps the last value seen of each metered key."""

    def __init__(self) -> None:
        self.found: dict[str, float] = {}
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        window = self._tail + chunk
        for match in _NUMBERS.finditer(window):
            try:
                self.found[match.group(1).decode()] = float(match.group(2))
            except ValueError:
                continue
        self._tail = window[-_OVERLAP:]


class EventReader:
    """Splits an SSE byte stream into whole events, collecting the chat text and any `usage`."""

    def __init__(self) -> None:
        self._buffer = b""
        self.text_parts: list[str] = []
        self.usage: dict[str, Any] = {}
        self.first_text = False

    def feed(self, chunk: bytes) -> list[bytes]:
        """The whole events (each ending in a blank line) completed by `chunk`; `read` each one passed on."""
        self._buffer += chunk.replace(b"\r\n", b"\n")
        events = []
        while b"\n\n" in self._buffer:
            event, self._buffer = self._buffer.split(b"\n\n", 1)
            events.append(event + b"\n\n")
        return events

    def content_of(self, event: bytes) -> str:
        """The chat text one event carries (without counting it)."""
        parts: list[str] = []
        for payload in _payloads(event):
            for choice in payload.get("choices") or []:
                delta = (choice or {}).get("delta") if isinstance(choice, dict) else None
                content = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(content, str):
                    parts.append(content)
        return "".join(parts)

    def read(self, event: bytes) -> None:
        """Count an event that is passed on: its text and any `usage` it reports."""
        for payload in _payloads(event):
            if isinstance(payload.get("usage"), dict):
                self.usage = payload["usage"]
        content = self.content_of(event)
        if content:
            self.text_parts.append(content)
            self.first_text = True

    def rest(self) -> bytes:
        """What is left after the last whole event (a stream cut short)."""
        rest, self._buffer = self._buffer, b""
        return rest

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def _payloads(event: bytes) -> list[dict[str, Any]]:
    found = []
    for line in event.split(b"\n"):
        data = line[5:].strip() if line.startswith(b"data:") else b""
        if not data or data == b"[DONE]":
            continue
        try:
            payload = json.loads(data)
        except ValueError:
            continue
        if isinstance(payload, dict):
            found.append(payload)
    return found


def error_detail(status: int, body: bytes) -> Any:
    """The `detail` of an error answer in any of the contract's shapes (FastAPI, `message`, OpenAI)."""
    try:
        payload = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return text[:2000] or f"The backend answered {status}."
    if isinstance(payload, dict):
        if "detail" in payload:
            return payload["detail"]
        error = payload.get("error")
        if isinstance(error, dict) and error.get("message"):
            param = error.get("param")
            if status == 422 and param:
                return [{"loc": ["body", param], "msg": error["message"], "type": "value_error"}]
            return error["message"]
        if payload.get("message"):
            return payload["message"]
    return payload
