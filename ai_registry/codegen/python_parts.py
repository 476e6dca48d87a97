"""Pieces of the Python snippet: values as Python source, inline uploads, the multipart call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ai_registry.kinds import RequestSpec


def py_literal(value: Any, level: int = 0) -> str:
    """`value` as Python source, indented four spaces per level (True/False/None, not JSON's)."""
    pad, close = "    " * (level + 1), "    " * level
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [f"{pad}{py_literal(str(k))}: {py_literal(v, level + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{close}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [f"{pad}{py_literal(v, level + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{close}]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    # JSON string escapes are valid Python escapes.
    return json.dumps(str(value), ensure_ascii=False)


def _py_subscript(path: tuple[str, ...]) -> str:
    return "".join(f"[{py_literal(key)}]" for key in path)


def py_inline_uploads(spec: RequestSpec) -> list[str]:
    """Lines that put each local file a JSON body carries into it as a data: URI."""
    lines: list[str] = []
    for part in spec.files:
        if part.json_path:
            lines += [
                "",
                f"# The local file goes in as a data: URI ({part.filename}).",
                f'with open({py_literal(part.filename)}, "rb") as upload:',
                f"    payload{_py_subscript(part.json_path)} = "
                f"{py_literal(f'data:{part.content_type};base64,')} + "
                "base64.b64encode(upload.read()).decode()",
            ]
    return lines


def py_multipart_call(spec: RequestSpec, method: str, timeout: str) -> list[str]:
    """The httpx call that sends a multipart form, opening each local file it uploads."""
    files = [part for part in spec.files if not part.json_path]
    if not files:
        return [f"response = httpx.{method}(url, headers=headers, data=data, {timeout})"]
    names = ["upload"] if len(files) == 1 else [f"upload{i}" for i in range(1, len(files) + 1)]
    opened = ", ".join(f'open({py_literal(p.filename)}, "rb") as {n}' for p, n in zip(files, names, strict=True))
    entries = ", ".join(
        f"{py_literal(p.field)}: ({py_literal(p.filename)}, {n}, {py_literal(p.content_type)})"
        for p, n in zip(files, names, strict=True)
    )
    return [
        f"with {opened}:",
        f"    files = {{{entries}}}",
        f"    response = httpx.{method}(url, headers=headers, data=data, files=files, {timeout})",
    ]
