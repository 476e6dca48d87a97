"""The API tab's snippets for the local models run against the local engine itself.

The detail page gives local models this server as the base URL; here the curl and Python snippets
are pointed at the loopback engine with a valid key, run as written, and must be answered 2xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ai_registry.codegen.snippets import API_KEY_PLACEHOLDER, curl_snippet, python_snippet
from ai_registry.kinds import build_request
from ai_registry.local.catalog import local_models
from tests.codegen.test_snippets_run import provide_files, run_curl
from tests.local.conftest import TEST_KEY

LOCAL = [pytest.param(m, id=m.slug) for m in local_models()]


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _files(model, cwd: Path) -> None:
    """Real small files under the names the snippet uses (a WAV tone for the transcription upload)."""
    provide_files(build_request(model, {}), cwd)


@pytest.mark.parametrize("model", LOCAL)
def test_local_curl_snippet_runs(model, server_url: str, tmp_path: Path, env) -> None:
    code = curl_snippet(model, base_url=server_url).replace(API_KEY_PLACEHOLDER, TEST_KEY)
    _files(model, tmp_path)
    status, body = run_curl(code, tmp_path, env)
    assert 200 <= status < 300, body[:500]
    assert body


@pytest.mark.parametrize("model", LOCAL)
def test_local_python_snippet_runs(model, server_url: str, tmp_path: Path, env) -> None:
    code = python_snippet(model, base_url=server_url).replace(API_KEY_PLACEHOLDER, TEST_KEY)
    _files(model, tmp_path)
    (tmp_path / "snippet.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "snippet.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
