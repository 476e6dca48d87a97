"""One check for every JSON body (and query string) the app's HTTP API reads: depth, NUL, lone surrogates.

`json.loads` accepts `"\\udc00"` and NUL escapes, and deep nesting ends in a `RecursionError` deep
inside a model or encoder; each of those used to become a 500. Both the local engine (`/v1`) and the
registry API (`/api`) call this before using a value and turn `UnsafeInput` into their own error shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

MAX_JSON_DEPTH = 32
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class UnsafeInput(ValueError):
    """A value the API refuses before use; `param` names the field (`messages[0].content`)."""

    def __init__(self, param: str | None, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _printable(text: str) -> str:
    # A field name may itself hold the bad character; echo it escaped so the error body still encodes.
    return _BAD_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _name(path: tuple[str | int, ...]) -> str | None:
    path = tuple(_printable(p) if isinstance(p, str) else p for p in path)
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _check_text(text: str, path: tuple[str | int, ...]) -> None:
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return
    what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (invalid Unicode)"
    name = _name(path)
    raise UnsafeInput(name, f"'{name or 'body'}' contains {what} at position {found.start()}; send valid text.")


def check_json_value(data: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise `UnsafeInput` for nesting deeper than `max_depth` or a string (or key) with NUL or a lone surrogate."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:  # iterative: a deep body must not exhaust the recursion limit here either
        value, path = stack.pop()
        if len(path) > max_depth:
            raise UnsafeInput(_name(path[:1]), f"The JSON body is nested deeper than {max_depth} levels.")
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                _check_text(str(key), (*path, str(key)))
                stack.append((item, (*path, str(key))))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))


def parse_json_body(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON body and check it; `ValueError` (json's) for bad syntax, `UnsafeInput` for bad content."""
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise UnsafeInput(None, f"The JSON body is nested deeper than {max_depth} levels.") from exc
    check_json_value(data, max_depth)
    return data


def check_text_fields(fields: Iterable[tuple[str, str]]) -> None:
    """Raise `UnsafeInput` when a form or query value holds NUL or a lone surrogate."""
    for name, value in fields:
        _check_text(name, (name,))
        _check_text(value, (name,))
