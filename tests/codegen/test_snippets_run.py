"""The snippet-execution test: every model's snippets really run against the contract server.

For every model of the built-in catalog: the curl snippet runs with /usr/bin/curl through bash, the
raw HTTP snippet goes over a socket, and the Python (and, where Node exists, JavaScript) snippet
runs; the loopback server following CONTRACT.md must accept each request (2xx) and receive exactly
the body `build_request` describes. A snippet that would not run is a bug.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ai_registry.catalog import builtin
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.codegen.snippets import (
    API_KEY_PLACEHOLDER,
    DEFAULT_BASE_URL,
    FILE_CONTENTS_PLACEHOLDER,
    curl_snippet,
    http_snippet,
    javascript_snippet,
    python_snippet,
)
from ai_registry.kinds import RequestSpec, build_request
from tests.support.contract_server import ContractServer
from tests.support.media import png_bytes, wav_bytes

API_KEY = "test-key"
CURL = "/usr/bin/curl"
NODE = shutil.which("node")
HOSTILE = 'It\'s "quoted"\nnext line $(touch pwned) `touch pwned2` ${HOME} \\ done é'
MEDIA_FILES = {"image": "image.png", "video": "video.mp4", "audio": "speech.wav"}


def _catalog() -> list[UnifiedAIModel]:
    if not builtin.CATALOG_FILE.is_file():
        return []
    return builtin.load_builtin_catalog()


MODELS = _catalog()
NO_CATALOG = pytest.mark.skipif(not MODELS, reason=f"{builtin.CATALOG_FILE} does not exist yet")
MODEL_PARAMS = [pytest.param(m, id=m.slug) for m in MODELS] or [pytest.param(None, id="no-catalog", marks=NO_CATALOG)]


@pytest.fixture(scope="module")
def server():
    with ContractServer(api_key=API_KEY, prefix="/v1") as srv:
        yield srv


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _audio_bytes(filename: str, tmp: Path) -> bytes:
    wav = wav_bytes(1.0)
    if not filename.lower().endswith(".mp3"):
        return wav
    import imageio_ffmpeg

    source, target = tmp / "_source.wav", tmp / "_encoded.mp3"
    source.write_bytes(wav)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(source), str(target)], check=True)
    return target.read_bytes()


def provide_files(spec: RequestSpec, cwd: Path) -> dict[str, bytes]:
    """Real small files under the names the snippet uses, in its working directory."""
    made = {}
    for part in spec.files:
        is_image = part.content_type.startswith("image/")
        data = png_bytes(16, 16) if is_image else _audio_bytes(part.filename, cwd)
        (cwd / part.filename).write_bytes(data)
        made[part.filename] = data
    return made


def localize(code: str, server: ContractServer) -> str:
    """The snippet as a person would edit it: our server instead of the API, our key instead of YOUR_API_KEY."""
    return code.replace(DEFAULT_BASE_URL, server.url).replace(API_KEY_PLACEHOLDER, API_KEY)


def assert_received(server: ContractServer, spec: RequestSpec, since: int) -> None:
    """Exactly one request arrived, and it is the one build_request describes."""
    received = server.requests[since:]
    assert len(received) == 1, [r.path for r in received]
    request = received[0]
    assert (request.method, request.path) == (spec.method, spec.path)
    assert request.headers.get("authorization") == f"Bearer {API_KEY}"
    if spec.json is not None:
        assert request.json == spec.json
    if spec.form is not None:
        assert request.form == spec.form
        assert set(request.files) == {part.field for part in spec.files}
        for part in spec.files:
            assert request.files[part.field][0] == part.filename


def run_curl(code: str, cwd: Path, env: dict[str, str]) -> tuple[int, bytes]:
    """Run the snippet as written; `curl` is /usr/bin/curl, quiet, with the status on a last line.

    Returns the status and what reached the terminal: a snippet that saves its answer with `-o`
    prints nothing else.
    """
    wrapper = f'curl() {{ {CURL} --silent --show-error --write-out "\\n%{{http_code}}" "$@"; }}\n'
    done = subprocess.run(
        ["bash", "-c", wrapper + code], cwd=cwd, env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    terminal, _, status = done.stdout.rpartition(b"\n")
    return int(status.decode().strip()), terminal


def curl_output_file(code: str) -> str | None:
    """The file a curl snippet saves its answer to (`-o NAME`), if it names one."""
    match = re.search(r"^\s*-o (\S+)\s*$", code, re.M)
    return match.group(1) if match else None


def assert_binary_saved(code: str, cwd: Path, terminal: bytes) -> Path:
    """A binary answer went to the file the snippet names, and nothing but the status to the terminal."""
    name = curl_output_file(code)
    assert name, "a snippet whose answer is binary must name a file with -o"
    saved = cwd / name
    assert saved.is_file() and saved.stat().st_size > 0, name
    assert terminal == b"", terminal[:80]
    return saved


def send_http(code: str, server: ContractServer, files: dict[str, bytes]) -> tuple[int, bytes]:
    """Send the raw HTTP snippet over a socket: CRLF line ends, the file's bytes where its placeholder is."""
    head, body_text = code.split("\n\n", 1)
    host = urlsplit(server.url).netloc
    lines = [re.sub(r"^Host: .*$", f"Host: {host}", line) for line in head.split("\n")]
    if "multipart/form-data" in head:
        body = body_text.replace("\n", "\r\n").encode()
        for filename, data in files.items():
            body = body.replace(FILE_CONTENTS_PLACEHOLDER.format(filename=filename).encode(), data)
        lines.append(f"Content-Length: {len(body)}")
    else:
        body = body_text.encode()
    lines.append("Connection: close")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    status = int(response.split(b" ", 2)[1])
    return status, response


def run_script(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


def check_output(spec: RequestSpec, cwd: Path, stdout: str) -> None:
    """The script did something visible with the answer: saved the media or printed the text."""
    if spec.output in MEDIA_FILES:
        saved = [p for p in cwd.iterdir() if p.name.startswith(Path(MEDIA_FILES[spec.output]).stem + ".")]
        assert saved and saved[0].stat().st_size > 0, stdout
        assert f"Saved {saved[0].name}" in stdout  # the script says which file it wrote
    elif spec.output == "chat":
        assert "Echo:" in stdout
    elif spec.output == "embeddings":
        assert re.search(r"\d+ vectors of \d+ dimensions", stdout)
    elif spec.output == "text":
        assert "bytes of audio" in stdout


# --- every model of the catalog -----------------------------------------------------------------


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_curl_snippet_runs(model: UnifiedAIModel, server: ContractServer, tmp_path: Path, env) -> None:
    spec = build_request(model, {})
    provide_files(spec, tmp_path)
    since = len(server.requests)
    code = localize(curl_snippet(model), server)
    status, body = run_curl(code, tmp_path, env)
    assert 200 <= status < 300, body.decode(errors="replace")
    assert_received(server, spec, since)
    if spec.output == "audio":  # speech: bytes, or JSON around them, land in speech.<format>
        assert_binary_saved(code, tmp_path, body)
    else:
        assert body and curl_output_file(code) is None


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_http_snippet_is_accepted(model: UnifiedAIModel, server: ContractServer, tmp_path: Path) -> None:
    spec = build_request(model, {})
    files = provide_files(spec, tmp_path)
    since = len(server.requests)
    status, response = send_http(localize(http_snippet(model), server), server, files)
    assert 200 <= status < 300, response.decode(errors="replace")
    assert_received(server, spec, since)


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_python_snippet_runs(model: UnifiedAIModel, server: ContractServer, tmp_path: Path, env) -> None:
    spec = build_request(model, {})
    provide_files(spec, tmp_path)
    script = tmp_path / "snippet.py"
    script.write_text(localize(python_snippet(model), server), encoding="utf-8")
    since = len(server.requests)
    done = run_script([sys.executable, str(script)], tmp_path, env)
    assert_received(server, spec, since)
    check_output(spec, tmp_path, done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_javascript_snippet_runs(model: UnifiedAIModel, server: ContractServer, tmp_path: Path, env) -> None:
    spec = build_request(model, {})
    provide_files(spec, tmp_path)
    script = tmp_path / "snippet.mjs"
    script.write_text(localize(javascript_snippet(model), server), encoding="utf-8")
    since = len(server.requests)
    done = run_script([str(NODE), str(script)], tmp_path, env)
    assert_received(server, spec, since)
    check_output(spec, tmp_path, done.stdout)


# --- the person's own values --------------------------------------------------------------------


def _first(predicate) -> UnifiedAIModel:
    found = next((m for m in MODELS if predicate(m)), None)
    if found is None:
        pytest.skip("no such model in the catalog")
    return found


@NO_CATALOG
def test_hostile_prompt_reaches_the_server_intact(server: ContractServer, tmp_path: Path, env) -> None:
    model = _first(lambda m: m.endpoint.endswith("/multimodal/image"))
    values = {"prompt": HOSTILE, "width": 512}
    spec = build_request(model, values)
    since = len(server.requests)
    status, body = run_curl(localize(curl_snippet(model, values), server), tmp_path, env)
    assert 200 <= status < 300, body
    assert server.requests[since].json["prompt"] == HOSTILE
    assert_received(server, spec, since)
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


@NO_CATALOG
def test_hostile_form_value_reaches_the_server_intact(server: ContractServer, tmp_path: Path, env) -> None:
    model = _first(lambda m: m.endpoint.endswith("/audio/transcriptions"))
    values = {"prompt": "@/etc/passwd; type=text/html " + HOSTILE}
    spec = build_request(model, values)
    provide_files(spec, tmp_path)
    since = len(server.requests)
    status, body = run_curl(localize(curl_snippet(model, values), server), tmp_path, env)
    assert 200 <= status < 300, body
    assert server.requests[since].form["prompt"] == values["prompt"]


@NO_CATALOG
@pytest.mark.parametrize("route", ["/wan-2-2-i2v-720/run", "/multimodal/video/i2v"])
def test_uploaded_image_snippets_send_a_data_uri(route: str, server: ContractServer, tmp_path: Path, env) -> None:
    model = _first(lambda m: m.endpoint.endswith(route))
    field = next(p.name for p in model.parameters if p.type == "file")
    values = {field: {"filename": "boat.png", "content_type": "image/png", "path": "/server/only/1.png"}}
    spec = build_request(model, values)
    provide_files(spec, tmp_path)
    runners = [("snippet.py", python_snippet, [sys.executable])]
    if NODE:
        runners.append(("snippet.mjs", javascript_snippet, [NODE]))
    for name, generate, argv in runners:
        script = tmp_path / name
        script.write_text(localize(generate(model, values), server), encoding="utf-8")
        since = len(server.requests)
        run_script([*argv, str(script)], tmp_path, env)
        sent = server.requests[since].json
        image = sent["input"]["image"] if "input" in sent else sent["image_url"]
        assert image.startswith("data:image/png;base64,"), name


@NO_CATALOG
def test_chat_snippet_without_streaming(server: ContractServer, tmp_path: Path, env) -> None:
    model = _first(lambda m: m.endpoint.endswith("/chat/completions"))
    values = {"stream": False, "messages": [{"role": "user", "content": "hello there"}]}
    script = tmp_path / "snippet.py"
    script.write_text(localize(python_snippet(model, values), server), encoding="utf-8")
    done = run_script([sys.executable, str(script)], tmp_path, env)
    assert done.stdout.strip() == "Echo: hello there"


@NO_CATALOG
def test_api_prefix_snippets_run(tmp_path: Path, env) -> None:
    model = _first(lambda m: m.endpoint.endswith("/embeddings"))
    with ContractServer(api_key=API_KEY, prefix="/api/v1") as srv:
        code = curl_snippet(model, base_url=srv.url, prefix="/api/v1", api_key=API_KEY)
        status, body = run_curl(code, tmp_path, env)
        assert 200 <= status < 300, body
        assert srv.requests[-1].path == "/api/v1/embeddings"


@NO_CATALOG
def test_tts_curl_with_raw_audio_writes_the_wav_bytes(server: ContractServer, tmp_path: Path, env) -> None:
    """An upstream answering raw audio: curl's -o file holds exactly those bytes, none reach the terminal."""
    model = _first(lambda m: m.endpoint.endswith("/audio/speech"))
    server.speech_mode = "bytes"
    try:
        code = localize(curl_snippet(model), server)
        status, terminal = run_curl(code, tmp_path, env)
    finally:
        server.speech_mode = "json"
    assert status == 200
    saved = assert_binary_saved(code, tmp_path, terminal)
    assert saved.read_bytes()[:4] == b"RIFF"


@NO_CATALOG
def test_speech_to_text_reads_a_file_no_other_snippet_writes() -> None:
    """The transcription snippets read the person's recording, not what the speech snippets save."""
    written = set()
    for model in MODELS:
        code = curl_snippet(model)
        if name := curl_output_file(code):
            written.add(name)
    read = {part.filename for m in MODELS for part in build_request(m, {}).files}
    assert written and read and not written & read
