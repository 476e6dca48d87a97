"""The runs-API form of a snippet, for long-running models (video): start a run with `POST /api/runs`,
then poll `GET /api/runs/{id}` until it ends, then save what it made. In curl (bash), raw HTTP,
Python (httpx) and JavaScript (fetch), against this registry with a key of this registry.

The input is the model's own parameters (the playground's values, else the examples); a file the
person uploaded in the playground cannot travel by path, so the snippet carries the example URL
and says to put a public URL of their own file there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.codegen.js_helpers import JS_SAVE
from ai_registry.codegen.key_source import KeySource, registry_key
from ai_registry.codegen.python_parts import py_literal
from ai_registry.kinds import kind_for
from ai_registry.kinds.values import fill_values

POLL_S = 2  # how often the snippets ask
LIMIT_S = 900  # how long they wait at most
FINAL = ("succeeded", "failed", "canceled", "interrupted")
RUNS_PATH = "/api/runs"


def run_input(model: UnifiedAIModel, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `input` of `POST /api/runs`: every parameter, a file given by URL."""
    examples = kind_for(model).example_values(model)
    chosen = dict(values or {})
    for param in model.parameters:
        if param.type == "file" and isinstance(chosen.get(param.name), Mapping):
            upload = chosen[param.name]
            chosen[param.name] = upload.get("url") or examples.get(param.name)
    return fill_values(model, chosen, examples)


def run_body(model: UnifiedAIModel, values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"model": model.slug, "input": run_input(model, values)}


def _key(api_key: str | None, source: KeySource) -> str:
    key = (api_key or "").strip() or source.placeholder
    if not key.isprintable():
        raise ValueError("An API key must be a single line of printable characters.")
    return key


def _comments(source: KeySource, api_key: str | None, marker: str) -> list[str]:
    lines = [
        *source.comment_lines(inserted=bool((api_key or "").strip())),
        "Starts a run, then asks every 2 s until it is done (the runs API), and saves what it made.",
    ]
    return [f"{marker} {line}" for line in lines]


def _single_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def runs_curl_snippet(
    model: UnifiedAIModel, values: Mapping[str, Any] | None = None, *, base_url: str,
    api_key: str | None = None, key_source: KeySource | None = None,
) -> str:  # fmt: skip
    """A bash script: curl starts the run, a bounded loop polls it, the first output file is saved."""
    source = key_source or registry_key(base_url)
    body = json.dumps(run_body(model, values), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    lines = [
        *_comments(source, api_key, "#"),
        f"BASE={_single_quote(base_url.rstrip('/'))}",
        f"AUTH={_single_quote('Authorization: Bearer ' + _key(api_key, source))}",
        f'RUN=$(curl -sS --fail-with-body -X POST "$BASE{RUNS_PATH}" \\',
        '  -H "$AUTH" \\',
        "  -H 'Content-Type: application/json' \\",
        f"  -d {_single_quote(body)}) || {{ echo \"$RUN\" >&2; exit 1; }}",
        """ID=$(printf '%s' "$RUN" | sed -n 's/^{"id":"\\([^"]*\\)".*/\\1/p')""",
        'echo "Started run $ID"',
        f"for _ in $(seq {LIMIT_S // POLL_S}); do",
        """  STATUS=$(printf '%s' "$RUN" | grep -o '"status":"[a-z]*"' | head -n 1 | cut -d '"' -f 4)""",
        f"  case $STATUS in {'|'.join(FINAL)}) break ;; esac",
        f"  sleep {POLL_S}",
        f'  RUN=$(curl -sS --fail-with-body "$BASE{RUNS_PATH}/$ID" -H "$AUTH") || {{ echo "$RUN" >&2; exit 1; }}',
        "done",
        'echo "The run $STATUS: $RUN"',
        '[ "$STATUS" = succeeded ] || exit 1',
        """FILE=$(printf '%s' "$RUN" | grep -o '"files":\\["[^"]*"' | cut -d '"' -f 4)""",
        'if [ -n "$FILE" ]; then',
        """  NAME=$(basename "${FILE%%\\?*}")""",
        '  curl -sS --fail -o "$NAME" "$FILE" && echo "Saved $NAME"',
        "fi",
    ]
    return "\n".join(lines) + "\n"


def runs_http_snippet(
    model: UnifiedAIModel, values: Mapping[str, Any] | None = None, *, base_url: str,
    api_key: str | None = None, key_source: KeySource | None = None,
) -> str:  # fmt: skip
    """The raw `POST /api/runs` request (then `GET /api/runs/<id>` until `status` is final)."""
    source = key_source or registry_key(base_url)
    parts = urlsplit(base_url.rstrip("/") + RUNS_PATH)
    body = json.dumps(run_body(model, values), indent=2, ensure_ascii=False)
    head = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Authorization: Bearer {_key(api_key, source)}",
        f"Content-Length: {len(body.encode('utf-8'))}",
    ]
    return "\n".join(head) + "\n\n" + body


def runs_python_snippet(
    model: UnifiedAIModel, values: Mapping[str, Any] | None = None, *, base_url: str,
    api_key: str | None = None, key_source: KeySource | None = None,
) -> str:  # fmt: skip
    """An httpx script: start the run, poll it with a time limit, save each output file, print any text."""
    source = key_source or registry_key(base_url)
    lines = [
        *_comments(source, api_key, "#"),
        "",
        "import time",
        "from pathlib import PurePosixPath",
        "from urllib.parse import urlsplit",
        "",
        "import httpx",
        "",
        f"base_url = {py_literal(base_url.rstrip('/'))}",
        f"headers = {py_literal({'Authorization': 'Bearer ' + _key(api_key, source)})}",
        f"payload = {py_literal(run_body(model, values))}",
        "",
        f'response = httpx.post(f"{{base_url}}{RUNS_PATH}", headers=headers, json=payload, timeout=30)',
        "if response.is_error:",
        '    raise SystemExit(f"HTTP {response.status_code}: {response.text}")',
        "run = response.json()",
        'print("Started run", run["id"])',
        f"deadline = time.monotonic() + {LIMIT_S}",
        f"while run[\"status\"] not in {FINAL!r}:",
        "    if time.monotonic() > deadline:",
        f'        raise SystemExit(f"Still {{run[\'status\']}} after {LIMIT_S} s; see {{run[\'urls\'][\'web\']}}")',
        f"    time.sleep({POLL_S})",
        '    response = httpx.get(run["urls"]["get"], headers=headers, timeout=30)',
        "    response.raise_for_status()",
        "    run = response.json()",
        'if run["status"] != "succeeded":',
        '    raise SystemExit(f"The run {run[\'status\']}: {run[\'error\']}")',
        'for url in run["output"]["files"]:  # signed links: they need no key',
        "    name = PurePosixPath(urlsplit(url).path).name",
        "    with open(name, \"wb\") as out:",
        "        out.write(httpx.get(url, timeout=120).raise_for_status().content)",
        '    print("Saved", name)',
        'if run["output"]["text"]:',
        '    print(run["output"]["text"])',
    ]
    return "\n".join(lines) + "\n"


def runs_javascript_snippet(
    model: UnifiedAIModel, values: Mapping[str, Any] | None = None, *, base_url: str,
    api_key: str | None = None, key_source: KeySource | None = None,
) -> str:  # fmt: skip
    """A fetch script (Node 20 or a browser): start, poll with a time limit, save each output file."""
    source = key_source or registry_key(base_url)
    headers = {"Authorization": "Bearer " + _key(api_key, source), "Content-Type": "application/json"}
    body = [
        f"let response = await fetch(`${{baseUrl}}{RUNS_PATH}`, {{",
        '  method: "POST",',
        "  headers,",
        "  body: JSON.stringify(payload),",
        "});",
        "if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);",
        "let run = await response.json();",
        'console.log(`Started run ${run.id}`);',
        f"const deadline = Date.now() + {LIMIT_S * 1000};",
        f"while (!{json.dumps(list(FINAL))}.includes(run.status)) {{",
        "  if (Date.now() > deadline) throw new Error(`Still ${run.status}; see ${run.urls.web}`);",
        f"  await new Promise((resolve) => setTimeout(resolve, {POLL_S * 1000}));",
        "  response = await fetch(run.urls.get, { headers });",
        "  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);",
        "  run = await response.json();",
        "}",
        'if (run.status !== "succeeded") throw new Error(`The run ${run.status}: ${run.error}`);',
        "for (const url of run.output.files) {  // signed links: they need no key",
        "  const file = await fetch(url);",
        "  if (!file.ok) throw new Error(`HTTP ${file.status} for ${url}`);",
        '  await save(new URL(url).pathname.split("/").pop(), new Uint8Array(await file.arrayBuffer()));',
        "}",
        "if (run.output.text) console.log(run.output.text);",
    ]
    top = [
        *_comments(source, api_key, "//"),
        "",
        f"const baseUrl = {json.dumps(base_url.rstrip('/'))};",
        "const headers = {",
        *(f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in headers.items()),
        "};",
        f"const payload = {json.dumps(run_body(model, values), indent=2, ensure_ascii=False)};",
    ]
    main = [
        "async function main() {",
        *(f"  {line}" for line in body),
        "}",
        "",
        "main().catch((error) => {",
        "  console.error(error);",
        '  if (typeof process !== "undefined") process.exitCode = 1;',
        "});",
    ]
    return "\n".join(top) + "\n\n" + JS_SAVE + "\n" + "\n".join(main) + "\n"


RUNS_GENERATORS = {
    "curl": runs_curl_snippet,
    "http": runs_http_snippet,
    "python": runs_python_snippet,
    "javascript": runs_javascript_snippet,
}


def runs_snippet(fmt: str, model: UnifiedAIModel, values: Mapping[str, Any] | None = None, **kw: Any) -> str:
    """The runs-API snippet in format `fmt` (curl, http, python, javascript)."""
    try:
        generator = RUNS_GENERATORS[fmt]
    except KeyError:
        raise ValueError(f"Unknown snippet format {fmt!r}; expected one of {', '.join(RUNS_GENERATORS)}") from None
    return generator(model, values, **kw)


def is_long_running(model: UnifiedAIModel) -> bool:
    """Models whose runs take a minute or more (video): the API tab offers the runs-API form too."""
    return kind_for(model).expected_run_seconds(model) >= 60
