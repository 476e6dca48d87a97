"""Unit tests of the snippet generators: layout, values, quoting, keys, prefixes."""

from __future__ import annotations

import ast
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ai_registry.codegen import FORMAT_LABELS, FORMATS, snippet
from ai_registry.codegen.highlight import highlight_css, highlight_html
from ai_registry.codegen.snippets import (
    FILE_CONTENTS_PLACEHOLDER,
    curl_snippet,
    http_snippet,
    javascript_snippet,
    python_snippet,
    shell_quote,
)
from ai_registry.kinds import build_request
from tests.kinds.factories import (
    ALL_FACTORIES,
    chat_model,
    image_model,
    tts_model,
    wan_model,
    whisper_model,
)

HOSTILE = "It's \"quoted\"\nnext line $(touch pwned) `touch pwned2` ${HOME} \\ done; echo '\\'' é ☃"


def curl_argv(command: str, cwd: Path) -> list[str]:
    """The argv curl would get: the snippet run by bash with `curl` replaced by a printer."""
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command
    out = subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, check=True)
    return out.stdout.decode().split("\0")[:-1]


def option_value(argv: list[str], option: str) -> str:
    return argv[argv.index(option) + 1]


def python_assignment(code: str, name: str):
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the snippet")


def js_constant(code: str, name: str):
    match = re.search(rf"^const {name} = (.*?);\n\n", code, re.S | re.M)
    assert match, f"no const {name}"
    return json.loads(match.group(1))


# --- every format, every kind of model -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(ALL_FACTORIES))
def test_snippet_has_endpoint_headers_and_every_parameter(fmt: str, kind: str) -> None:
    model = ALL_FACTORIES[kind]()
    code = snippet(fmt, model)
    spec = build_request(model, {})
    assert spec.path in code
    assert "YOUR_API_KEY" in code
    assert "Bearer" in code
    if fmt in ("curl", "http"):
        assert spec.method in code
    sent = set(spec.json or {}) | set(spec.form or {}) | {p.field for p in spec.files}
    for name in sent:
        assert f'"{name}"' in code or f"{name}=" in code or f'name="{name}"' in code, (kind, fmt, name)
    if spec.json is not None and fmt != "javascript":
        assert "application/json" in code


def test_format_labels_follow_the_spec() -> None:
    assert FORMATS == ("curl", "http", "python", "javascript")
    assert FORMAT_LABELS == {"curl": "Curl", "http": "POST /run", "python": "Python", "javascript": "JavaScript"}
    with pytest.raises(ValueError, match="Unknown snippet format"):
        snippet("ruby", image_model())


# --- curl ------------------------------------------------------------------------------------------


def test_curl_layout_matches_the_spec() -> None:
    code = curl_snippet(wan_model())
    lines = code.split("\n")
    # Comment lines about the key come first; the command keeps the spec's layout.
    start = next(i for i, line in enumerate(lines) if line.startswith("curl "))
    assert start >= 1 and all(line.startswith("# ") for line in lines[:start])
    lines = lines[start:]
    assert lines[0] == "curl -X POST https://api.ainative.studio/v1/wan-2-2-i2v-720/run \\"
    assert lines[1] == "  -H 'Content-Type: application/json' \\"
    assert lines[2] == "  -H 'Authorization: Bearer YOUR_API_KEY' \\"
    assert lines[3] == "  -d '{"
    assert lines[4] == '    "input": {'
    assert lines[-1] == "  }'"
    assert '    "num_inference_steps": 40,' in lines


def test_curl_body_round_trips_through_bash(tmp_path: Path) -> None:
    model = wan_model()
    argv = curl_argv(curl_snippet(model), tmp_path)
    assert argv[:3] == ["-X", "POST", "https://api.ainative.studio/v1/wan-2-2-i2v-720/run"]
    assert json.loads(option_value(argv, "-d")) == build_request(model, {}).json


def test_curl_hostile_prompt_is_quoted_and_never_runs(tmp_path: Path) -> None:
    model = image_model()
    code = curl_snippet(model, {"prompt": HOSTILE})
    assert "'\\''" in code
    argv = curl_argv(code, tmp_path)
    assert json.loads(option_value(argv, "-d"))["prompt"] == HOSTILE
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_curl_chat_streams() -> None:
    code = curl_snippet(chat_model())
    assert "--no-buffer" in code
    assert '"stream": true' in code
    assert "-H 'Accept: text/event-stream'" in code
    assert "--no-buffer" not in curl_snippet(chat_model(), {"stream": False})


def test_curl_multipart_uses_form_fields(tmp_path: Path) -> None:
    code = curl_snippet(whisper_model(), {"language": "de"})
    assert "  -F 'file=@speech.wav' \\" in code.split("\n")
    assert "-F 'model=whisper-1'" in code
    assert "-F 'language=de'" in code
    assert "-H 'Content-Type: multipart/form-data'" in code
    assert "-d " not in code
    argv = curl_argv(code, tmp_path)
    assert "file=@speech.wav" in argv


def test_curl_hostile_form_value_is_sent_literally(tmp_path: Path) -> None:
    # A value starting with @ would make -F upload a file; ; and " are -F syntax.
    for value in ("@/etc/passwd", 'say "hi"; type=text/html', HOSTILE):
        code = curl_snippet(whisper_model(), {"prompt": value})
        argv = curl_argv(code, tmp_path)
        assert option_value(argv, "--form-string") == f"prompt={value}"
    assert not (tmp_path / "pwned").exists()


def test_curl_real_key_only_when_passed() -> None:
    assert "Bearer YOUR_API_KEY" in curl_snippet(image_model())
    code = curl_snippet(image_model(), api_key="sk-live-123")
    assert "Bearer sk-live-123" in code and "YOUR_API_KEY" not in code
    assert "Bearer YOUR_API_KEY" in curl_snippet(image_model(), api_key="")
    with pytest.raises(ValueError):
        curl_snippet(image_model(), api_key="sk\r\nX-Evil: 1")


def test_curl_key_with_quote_is_quoted(tmp_path: Path) -> None:
    argv = curl_argv(curl_snippet(image_model(), api_key="k'ey$(x)"), tmp_path)
    assert "Authorization: Bearer k'ey$(x)" in argv


def test_prefix_and_base_url_in_every_format() -> None:
    for fmt in FORMATS:
        code = snippet(fmt, image_model(), prefix="/api/v1", base_url="https://models.example.org/")
        assert "/api/v1/multimodal/image" in code
        assert "/v1/multimodal/image" not in code.replace("/api/v1/multimodal/image", "")
    assert "https://models.example.org/api/v1/multimodal/image" in curl_snippet(
        image_model(), prefix="/api/v1", base_url="https://models.example.org"
    )


def test_shell_quote() -> None:
    assert shell_quote("https://api.ainative.studio/v1/x") == "https://api.ainative.studio/v1/x"
    assert shell_quote("a b") == "'a b'"
    assert shell_quote("it's") == "'it'\\''s'"


# --- raw HTTP --------------------------------------------------------------------------------------


def test_http_snippet_is_a_complete_request() -> None:
    code = http_snippet(wan_model())
    head, body = code.split("\n\n", 1)
    lines = head.split("\n")
    assert lines[0] == "POST /v1/wan-2-2-i2v-720/run HTTP/1.1"
    assert "Host: api.ainative.studio" in lines
    assert "Content-Type: application/json" in lines
    assert "Authorization: Bearer YOUR_API_KEY" in lines
    assert f"Content-Length: {len(body.encode())}" in lines
    assert json.loads(body) == build_request(wan_model(), {}).json


def test_http_snippet_counts_bytes_not_characters() -> None:
    code = http_snippet(image_model(), {"prompt": HOSTILE})
    head, body = code.split("\n\n", 1)
    assert f"Content-Length: {len(body.encode('utf-8'))}" in head
    assert json.loads(body)["prompt"] == HOSTILE


def test_http_multipart_shows_boundary_and_parts() -> None:
    code = http_snippet(whisper_model(), api_key="sk-1")
    head, body = code.split("\n\n", 1)
    boundary = re.search(r"Content-Type: multipart/form-data; boundary=(\S+)", head).group(1)
    assert body.startswith(f"--{boundary}\n")
    assert body.endswith(f"--{boundary}--")
    assert 'Content-Disposition: form-data; name="file"; filename="speech.wav"' in body
    assert FILE_CONTENTS_PLACEHOLDER.format(filename="speech.wav") in body
    assert 'name="model"\n\nwhisper-1\n' in body
    assert "Authorization: Bearer sk-1" in head


def test_http_chat_accepts_event_stream() -> None:
    assert "Accept: text/event-stream" in http_snippet(chat_model())


# --- Python ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ALL_FACTORIES))
def test_python_snippet_compiles_and_carries_the_body(kind: str) -> None:
    model = ALL_FACTORIES[kind]()
    code = python_snippet(model)
    compile(code, "snippet.py", "exec")
    spec = build_request(model, {})
    if spec.json is not None:
        assert python_assignment(code, "payload") == spec.json
    else:
        assert python_assignment(code, "data") == spec.form
    assert python_assignment(code, "headers")["Authorization"] == "Bearer YOUR_API_KEY"


def test_python_hostile_values_round_trip() -> None:
    code = python_snippet(image_model(), {"prompt": HOSTILE}, api_key='k"ey')
    assert python_assignment(code, "payload")["prompt"] == HOSTILE
    assert python_assignment(code, "headers")["Authorization"] == 'Bearer k"ey'


def test_python_chat_streams_with_client_stream() -> None:
    code = python_snippet(chat_model())
    assert "client.stream(" in code and "iter_lines()" in code
    assert python_assignment(code, "payload")["stream"] is True
    plain = python_snippet(chat_model(), {"stream": False})
    assert "client.stream(" not in plain and '["message"]["content"]' in plain


def test_python_saves_media() -> None:
    assert "video_base64" in python_snippet(wan_model()) and "b64decode" in python_snippet(wan_model())
    assert "image_base64" in python_snippet(image_model())
    assert "speech." in python_snippet(tts_model())
    code = python_snippet(whisper_model())
    assert 'open("speech.wav", "rb")' in code and "files=files" in code


def test_python_upload_in_json_route_builds_a_data_uri() -> None:
    upload = {"filename": "boat.png", "content_type": "image/png", "path": "/srv/uploads/1.png"}
    code = python_snippet(wan_model(), {"image": upload})
    compile(code, "snippet.py", "exec")
    assert 'open("boat.png", "rb")' in code
    assert 'payload["input"]["image"] = "data:image/png;base64," + base64.b64encode' in code
    assert "/srv/uploads" not in code  # the server's path never shows


# --- JavaScript ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ALL_FACTORIES))
def test_javascript_snippet_carries_the_body(kind: str, tmp_path: Path) -> None:
    model = ALL_FACTORIES[kind]()
    code = javascript_snippet(model)
    spec = build_request(model, {})
    if spec.json is not None:
        assert js_constant(code, "payload") == spec.json
        assert "JSON.stringify(payload)" in code
    else:
        assert js_constant(code, "fields") == spec.form
        assert "new FormData()" in code and "Content-Type" not in code
    node = shutil.which("node")
    if node:
        script = tmp_path / "snippet.mjs"
        script.write_text(code)
        subprocess.run([node, "--check", str(script)], check=True, capture_output=True)


def test_javascript_hostile_prompt() -> None:
    code = javascript_snippet(image_model(), {"prompt": HOSTILE + "\u2028</script>"})
    assert js_constant(code, "payload")["prompt"] == HOSTILE + "\u2028</script>"


# --- highlighting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_highlight_keeps_the_exact_text(fmt: str) -> None:
    code = snippet(fmt, whisper_model() if fmt == "http" else image_model(), {"prompt": HOSTILE})
    rendered = highlight_html(code, fmt)
    assert "<script" not in rendered
    # The block is a named region a keyboard can reach and scroll (issue 19).
    assert '<pre tabindex="0" role="group" aria-label="Code">' in rendered
    pre = re.search(r"<pre[^>]*>(.*)</pre>", rendered, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", pre)).rstrip("\n") == code.rstrip("\n")
    assert ".snippet-code" in highlight_css()


# --- which key, and where it comes from (issue 10) -----------------------------------------------


def test_every_snippet_says_where_its_key_comes_from() -> None:
    """Through the registry (the default, every model): a key of this registry, and the placeholder
    itself names Developer settings; the direct form: the person's own AINative key."""
    from ai_registry.catalog.builtin import load_builtin_catalog
    from ai_registry.codegen.key_source import REGISTRY_KEY_PLACEHOLDER, UPSTREAM_KEY, registry_key
    from ai_registry.local.catalog import local_models

    origin = "http://registry.example:3000"
    every = [*load_builtin_catalog(), *local_models()]
    cases = [(m, registry_key(origin), f"{origin}/dashboard/developer-settings") for m in every]
    cases += [(m, UPSTREAM_KEY, "AINATIVE_API_KEY") for m in load_builtin_catalog()]
    for model, source, named in cases:
        for fmt, marker in (("curl", "# "), ("python", "# "), ("javascript", "// ")):
            code = snippet(fmt, model, key_source=source)
            head = code.split("\n")[:2]
            assert head[0].startswith(f"{marker}{source.placeholder}: ") and named in head[0], (model.slug, fmt, head)
            assert "do not work here" in head[1] or "does not work here" in head[1]
            assert f"Bearer {source.placeholder}" in code
        assert f"Bearer {source.placeholder}" in snippet("http", model, key_source=source)
    assert REGISTRY_KEY_PLACEHOLDER == "YOUR_KEY_FROM_DEVELOPER_SETTINGS"
    assert "AINATIVE_API_KEY" in registry_key(origin).sentence and "Developer settings" in UPSTREAM_KEY.sentence


def test_a_pasted_key_is_not_called_your_api_key() -> None:
    code = python_snippet(image_model(), api_key="sk-live-123")
    assert code.startswith("# The key in this snippet: an AINative API key") and "YOUR_API_KEY" not in code


def test_snippet_names_the_local_files_it_reads() -> None:
    code = curl_snippet(whisper_model())
    assert "# speech.wav: your own audio file, in the folder you run this from." in code
    assert "your own" not in curl_snippet(image_model())
