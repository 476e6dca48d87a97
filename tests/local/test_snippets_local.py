"""The API tab's snippets for the local models run against the local engine itself.

The detail page gives local models this server as the base URL; here the curl, Python and
JavaScript snippets are pointed at the loopback engine with a valid key, run as written in a temp
folder, and must be answered 2xx: speech lands in the file the snippet names, a transcript or an
answer is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ai_registry.codegen.key_source import REGISTRY_KEY_PLACEHOLDER, registry_key
from ai_registry.codegen.snippets import curl_snippet, javascript_snippet, python_snippet
from ai_registry.kinds import OutputKind, build_request
from ai_registry.local.catalog import local_models
from tests.codegen.test_snippets_run import assert_binary_saved, curl_output_file, provide_files, run_curl
from tests.local.conftest import TEST_KEY

LOCAL = [pytest.param(m, id=m.slug) for m in local_models()]
NODE = shutil.which("node")


def _model(endpoint_end: str):
    return next(m for m in local_models() if m.endpoint.endswith(endpoint_end))


def _copied(generate, model, server_url: str) -> str:
    """The snippet as the API tab shows it for a local model, with the person's key pasted in."""
    code = generate(model, base_url=server_url, key_source=registry_key(server_url))
    assert "Developer settings" in code  # it says where the key comes from
    return code.replace(REGISTRY_KEY_PLACEHOLDER, TEST_KEY)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _files(model, cwd: Path) -> None:
    """Real small files under the names the snippet uses (a WAV tone for the transcription upload)."""
    provide_files(build_request(model, {}), cwd)


@pytest.mark.parametrize("model", LOCAL)
def test_local_curl_snippet_runs(model, server_url: str, tmp_path: Path, env) -> None:
    code = _copied(curl_snippet, model, server_url)
    _files(model, tmp_path)
    status, body = run_curl(code, tmp_path, env)
    assert 200 <= status < 300, body[:500]
    if build_request(model, {}).output is OutputKind.AUDIO:
        assert assert_binary_saved(code, tmp_path, body).read_bytes()[:4] == b"RIFF"
    else:
        assert body and curl_output_file(code) is None


@pytest.mark.parametrize("model", LOCAL)
def test_local_python_snippet_runs(model, server_url: str, tmp_path: Path, env) -> None:
    code = _copied(python_snippet, model, server_url)
    _files(model, tmp_path)
    (tmp_path / "snippet.py").write_text(code)
    done = _run([sys.executable, "snippet.py"], tmp_path, env)
    if build_request(model, {}).output is OutputKind.AUDIO:
        assert "Saved speech.wav" in done.stdout
        assert (tmp_path / "speech.wav").read_bytes()[:4] == b"RIFF"
    else:
        assert done.stdout.strip()


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_local_javascript_speech_snippet_writes_a_wav(server_url: str, tmp_path: Path, env) -> None:
    (tmp_path / "snippet.mjs").write_text(_copied(javascript_snippet, _model("/audio/speech"), server_url))
    done = _run([str(NODE), "snippet.mjs"], tmp_path, env)
    assert "Saved speech.wav" in done.stdout
    assert (tmp_path / "speech.wav").read_bytes()[:4] == b"RIFF"


def test_speak_then_transcribe_as_a_person_would(server_url: str, tmp_path: Path, env) -> None:
    """Copy the speech snippet, run it; use its WAV as the recording the transcription snippet names."""
    speech = _copied(curl_snippet, _model("/audio/speech"), server_url)
    status, terminal = run_curl(speech, tmp_path, env)
    assert status == 200
    wav = assert_binary_saved(speech, tmp_path, terminal)
    transcribe_model = _model("/audio/transcriptions")
    [part] = build_request(transcribe_model, {}).files
    assert part.filename != wav.name  # nothing reads the other snippet's output by accident
    transcribe = _copied(curl_snippet, transcribe_model, server_url)
    assert f"# {part.filename}: your own audio file" in transcribe
    shutil.copy(wav, tmp_path / part.filename)
    status, body = run_curl(transcribe, tmp_path, env)
    assert status == 200, body
    assert "server" in body.decode().lower()
