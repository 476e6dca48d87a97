"""Code that calls a model, in four formats: curl, the raw HTTP request, Python (httpx), JavaScript (fetch).

Every snippet is printed from `build_request`, the same request a playground run sends, so the
endpoint, method, headers and body (every parameter, with example or the person's values) are the
real ones. The API key stays the key source's placeholder (`YOUR_KEY_FROM_DEVELOPER_SETTINGS` for this
registry, `YOUR_API_KEY` for the direct AINative form) unless the caller passes one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.codegen.js_helpers import JS_DATA_URI, JS_LOAD, JS_SAVE, JS_WRITE
from ai_registry.codegen.key_source import (
    API_KEY_PLACEHOLDER,
    REGISTRY_KEY_PLACEHOLDER,
    UPSTREAM_KEY,
    KeySource,
    comment_block,
)
from ai_registry.codegen.python_parts import py_inline_uploads, py_literal, py_multipart_call
from ai_registry.kinds import Kind, OutputKind, RequestSpec, build_request, kind_for

FORMATS: tuple[str, ...] = ("curl", "http", "python", "javascript")
FORMAT_LABELS: dict[str, str] = {
    "curl": "Curl",
    "http": "POST /run",
    "python": "Python",
    "javascript": "JavaScript",
}
DEFAULT_BASE_URL = "https://api.ainative.studio"
MULTIPART_BOUNDARY = "----AIRegistryFormBoundary7MA4YWxkTrZu0gW"
# Where the raw HTTP snippet shows a file's bytes; a tool that sends it swaps the real bytes in.
FILE_CONTENTS_PLACEHOLDER = "<contents of {filename}>"

_SHELL_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
# Text curl's -F would misread (a leading @ or < reads a file; ; and " start options).
_FORM_UNSAFE = re.compile(r'^[@<]|[;"\r\n]')


def _single_quote(text: str) -> str:
    # Nothing expands inside single quotes; a quote itself is closed, escaped and reopened.
    return "'" + text.replace("'", "'\\''") + "'"


def shell_quote(text: str) -> str:
    """`text` as one shell word: bare when plainly safe, else single-quoted with `'\\''` for quotes."""
    return text if _SHELL_SAFE.fullmatch(text) else _single_quote(text)


def _authorization(api_key: str | None, placeholder: str = API_KEY_PLACEHOLDER) -> str:
    key = (api_key or "").strip() or placeholder
    if not key.isprintable():
        raise ValueError("An API key must be a single line of printable characters.")
    return f"Bearer {key}"


def _prepare(
    model: UnifiedAIModel, values: Mapping[str, Any] | None, base_url: str, prefix: str
) -> tuple[RequestSpec, str]:
    spec = build_request(model, values or {}, prefix=prefix)
    return spec, base_url.rstrip("/") + spec.path


def _python_lines(kind: Kind, spec: RequestSpec) -> list[str]:
    """What the script does with the answer: the kind's lines, or its streaming loop."""
    if spec.stream:
        return kind.python_stream(spec)
    if spec.output is OutputKind.JSON:  # a GET route: the JSON is the answer
        return ["response.raise_for_status()", "print(json.dumps(response.json(), indent=2))"]
    return ["response.raise_for_status()", *kind.python_result(spec)]


def _javascript_lines(kind: Kind, spec: RequestSpec) -> list[str]:
    if spec.output is OutputKind.JSON:
        return ["console.log(JSON.stringify(await response.json(), null, 2));"]
    return kind.javascript_result(spec)


def _json_text(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


# --- curl ---------------------------------------------------------------------------------------


def _curl_form_field(name: str, value: str) -> str:
    option = "--form-string" if _FORM_UNSAFE.search(value) else "-F"
    return f"{option} {_single_quote(f'{name}={value}')}"


def curl_snippet(
    model: UnifiedAIModel,
    values: Mapping[str, Any] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    prefix: str = "/v1",
    api_key: str | None = None,
    key_source: KeySource = UPSTREAM_KEY,
) -> str:
    """A curl command in the spec's layout: `curl -X POST URL \\`, header lines, then the body.

    Comment lines above it say where the key comes from and which local files it reads; a binary
    answer goes to the named file the kind gives (`-o speech.wav`), never to the terminal.
    """
    spec, url = _prepare(model, values, base_url, prefix)
    options: list[str] = []
    if spec.stream:
        options.append("--no-buffer")
    if spec.content_type:
        # curl adds the multipart boundary to this header itself.
        options.append("-H " + _single_quote(f"Content-Type: {spec.content_type}"))
    if spec.accept:
        options.append("-H " + _single_quote(f"Accept: {spec.accept}"))
    options.append("-H " + _single_quote(f"Authorization: {_authorization(api_key, key_source.placeholder)}"))
    if spec.json is not None:
        # Continuation lines are indented under `-d`; JSON strings never span lines, so this is safe.
        body = _json_text(spec.json).replace("\n", "\n  ")
        options.append("-d " + _single_quote(body))
    if spec.form is not None:
        options.extend("-F " + _single_quote(f"{part.field}=@{part.filename}") for part in spec.files)
        options.extend(_curl_form_field(name, value) for name, value in spec.form.items())
    options.extend(kind_for(model).curl_output(spec))
    command = " \\\n  ".join([f"curl -X {spec.method} {shell_quote(url)}", *options])
    return "\n".join([*comment_block(key_source, spec, "#", api_key=api_key), command])


# --- raw HTTP -----------------------------------------------------------------------------------


def _multipart_text(spec: RequestSpec) -> str:
    lines: list[str] = []
    for part in spec.files:
        lines += [
            f"--{MULTIPART_BOUNDARY}",
            f'Content-Disposition: form-data; name="{part.field}"; filename="{part.filename}"',
            f"Content-Type: {part.content_type}",
            "",
            FILE_CONTENTS_PLACEHOLDER.format(filename=part.filename),
        ]
    for name, value in (spec.form or {}).items():
        lines += [f"--{MULTIPART_BOUNDARY}", f'Content-Disposition: form-data; name="{name}"', "", value]
    lines.append(f"--{MULTIPART_BOUNDARY}--")
    return "\n".join(lines)


def http_snippet(
    model: UnifiedAIModel,
    values: Mapping[str, Any] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    prefix: str = "/v1",
    api_key: str | None = None,
    key_source: KeySource = UPSTREAM_KEY,
) -> str:
    """The raw HTTP request ("POST /run"): request line, headers, a blank line, the body.

    JSON bodies carry their exact `Content-Length`; a multipart body shows its boundary and parts,
    with `<contents of NAME>` where the file's bytes go. Raw HTTP has no comments: the API tab says
    which key it needs (`key_source`) above it.
    """
    spec, url = _prepare(model, values, base_url, prefix)
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"{spec.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    body: str | None = None
    if spec.json is not None:
        body = _json_text(spec.json)
        head.append("Content-Type: application/json")
    elif spec.form is not None:
        body = _multipart_text(spec)
        head.append(f"Content-Type: multipart/form-data; boundary={MULTIPART_BOUNDARY}")
    if spec.accept:
        head.append(f"Accept: {spec.accept}")
    head.append(f"Authorization: {_authorization(api_key, key_source.placeholder)}")
    if spec.json is not None and body is not None:
        head.append(f"Content-Length: {len(body.encode('utf-8'))}")
    return "\n".join(head) + "\n\n" + (body or "")


# --- Python -------------------------------------------------------------------------------------


def _script_headers(spec: RequestSpec, api_key: str | None, placeholder: str) -> dict[str, str]:
    """Headers a Python or JavaScript snippet sets itself (their HTTP libraries add multipart's)."""
    headers: dict[str, str] = {}
    if spec.json is not None:
        headers["Content-Type"] = "application/json"
    if spec.accept:
        headers["Accept"] = spec.accept
    headers["Authorization"] = _authorization(api_key, placeholder)
    return headers


def python_snippet(
    model: UnifiedAIModel,
    values: Mapping[str, Any] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    prefix: str = "/v1",
    api_key: str | None = None,
    key_source: KeySource = UPSTREAM_KEY,
) -> str:
    """A runnable httpx script: chat streams with `client.stream`, media is saved to a file."""
    spec, url = _prepare(model, values, base_url, prefix)
    headers = _script_headers(spec, api_key, key_source.placeholder)
    kind = kind_for(model)
    handling = _python_lines(kind, spec)
    uploads_inline = any(part.json_path for part in spec.files)

    code = "\n".join(handling)
    stdlib = []
    if "base64." in code or uploads_inline:
        stdlib.append("import base64")
    if "json." in code:
        stdlib.append("import json")
    imports = [*stdlib, ""] if stdlib else []
    lines = [
        *comment_block(key_source, spec, "#", api_key=api_key),
        "",
        *imports,
        "import httpx",
        "",
        f"url = {py_literal(url)}",
        f"headers = {py_literal(headers)}",
    ]

    timeout = f"timeout={spec.timeout_s!r}"
    method = spec.method.lower()
    if spec.form is not None:
        lines += [f"data = {py_literal(spec.form)}", "", *py_multipart_call(spec, method, timeout)]
    else:
        if spec.json is not None:
            lines += [f"payload = {py_literal(spec.json)}", *py_inline_uploads(spec)]
        lines.append("")
        if not spec.stream:
            body = "json=payload, " if spec.json is not None else ""
            lines.append(f"response = httpx.{method}(url, headers=headers, {body}{timeout})")
    return "\n".join([*lines, *handling]) + "\n"


# --- JavaScript ---------------------------------------------------------------------------------


def _js_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key) else json.dumps(key)


def _js_object(mapping: Mapping[str, str], indent: str) -> str:
    inner = "".join(f"{indent}  {_js_key(k)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in mapping.items())
    return "{\n" + inner + indent + "}"


def javascript_snippet(
    model: UnifiedAIModel,
    values: Mapping[str, Any] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    prefix: str = "/v1",
    api_key: str | None = None,
    key_source: KeySource = UPSTREAM_KEY,
) -> str:
    """A fetch script that runs in Node 20 and in browsers; multipart uploads use FormData."""
    spec, url = _prepare(model, values, base_url, prefix)
    headers = _script_headers(spec, api_key, key_source.placeholder)

    top = [*comment_block(key_source, spec, "//", api_key=api_key), ""]
    top.append(f"const url = {json.dumps(url, ensure_ascii=False)};")
    if spec.json is not None:
        top.append(f"const payload = {_json_text(spec.json)};")
    if spec.form is not None:
        top.append(f"const fields = {_json_text(spec.form)};")
    helpers: list[str] = []
    needs_files = any(not p.json_path for p in spec.files) if spec.form is not None else False
    inline = [p for p in spec.files if p.json_path]
    if needs_files or inline:
        helpers.append(JS_LOAD)
    if inline:
        helpers.append(JS_DATA_URI)
    handling = _javascript_lines(kind_for(model), spec)
    code = "\n".join(handling)
    if "save(" in code:
        helpers.append(JS_SAVE)
    if "printStream(" in code:
        helpers.append(JS_WRITE)

    body: list[str] = []
    for part in inline:
        target = "payload" + "".join(f"[{json.dumps(k)}]" for k in part.json_path or ())
        name, ctype = json.dumps(part.filename), json.dumps(part.content_type)
        body += [
            f"// The local file goes in as a data: URI ({part.filename}).",
            f"{target} = await toDataUri(await loadFile({name}, {ctype}));",
        ]
    if spec.form is not None:
        body.append("const form = new FormData();")
        for part in spec.files:
            name, ctype = json.dumps(part.filename), json.dumps(part.content_type)
            body.append(f"form.append({json.dumps(part.field)}, await loadFile({name}, {ctype}), {name});")
        body.append("for (const [name, value] of Object.entries(fields)) form.append(name, value);")
    options = [f"method: {json.dumps(spec.method)},", f"headers: {_js_object(headers, '  ')},"]
    if spec.json is not None:
        options.append("body: JSON.stringify(payload),")
    elif spec.form is not None:
        options.append("body: form,")
    options.append(f"signal: AbortSignal.timeout({int(spec.timeout_s * 1000)}),")
    body += [
        "const response = await fetch(url, {",
        *(f"  {line}" for line in options),
        "});",
        "if (!response.ok) {",
        "  throw new Error(`HTTP ${response.status}: ${await response.text()}`);",
        "}",
        *handling,
    ]
    main = "\n".join(
        [
            "async function main() {",
            *(f"  {line}" if line else "" for line in "\n".join(body).split("\n")),
            "}",
            "",
            "main().catch((error) => {",
            "  console.error(error);",
            '  if (typeof process !== "undefined") process.exitCode = 1;',
            "});",
        ]
    )
    return "\n".join(top) + "\n\n" + "\n".join(h + "\n" for h in helpers) + main + "\n"


# --- by format ----------------------------------------------------------------------------------

_GENERATORS: dict[str, Callable[..., str]] = {
    "curl": curl_snippet,
    "http": http_snippet,
    "python": python_snippet,
    "javascript": javascript_snippet,
}


def snippet(fmt: str, model: UnifiedAIModel, values: Mapping[str, Any] | None = None, **kw: Any) -> str:
    """The snippet in format `fmt` (one of `FORMATS`); keyword arguments as for `curl_snippet`."""
    try:
        generator = _GENERATORS[fmt]
    except KeyError:
        raise ValueError(f"Unknown snippet format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return generator(model, values, **kw)


__all__ = [
    "API_KEY_PLACEHOLDER",
    "REGISTRY_KEY_PLACEHOLDER",
    "DEFAULT_BASE_URL",
    "FILE_CONTENTS_PLACEHOLDER",
    "FORMATS",
    "FORMAT_LABELS",
    "UPSTREAM_KEY",
    "KeySource",
    "curl_snippet",
    "http_snippet",
    "javascript_snippet",
    "python_snippet",
    "snippet",
]
