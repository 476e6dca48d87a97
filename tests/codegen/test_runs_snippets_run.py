"""The runs-API snippets of the long-running (video) models really run: the registry's backend served
by uvicorn on loopback, the contract server as its upstream, a member's key pasted in where the
placeholder says; each snippet starts a run, polls it until it succeeds and saves the MP4."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_registry.backend import build_backend
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.codegen import runs_snippets
from ai_registry.codegen.key_source import REGISTRY_KEY_PLACEHOLDER, registry_key
from ai_registry.identity.keys import create_key_for
from ai_registry.inference import rate_limit
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.local.conftest import LoopbackServer
from tests.support.accounts import session_token
from tests.support.contract_server import ContractServer

pytestmark = pytest.mark.usefixtures("migrated_db")
MODELS = {m.slug: m for m in load_builtin_catalog()}
VIDEO = [m for m in MODELS.values() if runs_snippets.is_long_running(m)]
NODE = shutil.which("node")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, ContractServer]]:
    """The registry's URL, a member's key and the upstream it forwards to."""
    with ContractServer(api_key="test-key", prefix="/v1") as upstream:
        monkeypatch.setenv("AINATIVE_API_BASE", upstream.url)
        monkeypatch.setenv("AINATIVE_API_KEY", "test-key")
        get_settings.cache_clear()
        rate_limit.LIMITER.reset()
        session_token("member", "mo@example.org")
        with session_scope() as session:
            owner = get_user_by_email(session=session, email="mo@example.org")
            _row, key = create_key_for(session=session, owner=owner, name="snippet")
        with LoopbackServer(build_backend()) as server:
            yield server.url, key, upstream
        rate_limit.LIMITER.reset()


def copied(fmt: str, model, base_url: str, key: str) -> str:
    """The snippet as the API tab shows it, with the person's key pasted over the placeholder."""
    code = runs_snippets.runs_snippet(fmt, model, {"prompt": "a lighthouse at dusk"}, base_url=base_url,
                                      key_source=registry_key(base_url))  # fmt: skip
    assert REGISTRY_KEY_PLACEHOLDER in code and "Developer settings" in code
    return code.replace(REGISTRY_KEY_PLACEHOLDER, key)


def run(argv: list[str], cwd: Path) -> str:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def saved_mp4(cwd: Path) -> Path:
    (video,) = [p for p in cwd.iterdir() if p.suffix == ".mp4"]
    assert video.read_bytes()[4:8] == b"ftyp", "a real MP4 was saved"
    return video


def test_video_models_are_long_running_and_others_are_not() -> None:
    assert {m.slug for m in VIDEO} >= {"text-to-video", "cogvideox-2b", "sora-2-i2v"}
    assert not runs_snippets.is_long_running(MODELS["gpt-4"]) and not runs_snippets.is_long_running(MODELS["tts"])


def test_the_python_runs_snippet_polls_until_done(registry, tmp_path: Path) -> None:
    base, key, upstream = registry
    code = copied("python", MODELS["text-to-video"], base, key)
    (tmp_path / "run.py").write_text(code)
    out = run([sys.executable, "run.py"], tmp_path)
    assert "Started run " in out and "Saved " in out
    saved_mp4(tmp_path)
    (call,) = [r for r in upstream.requests if r.path.endswith("/video/t2v")]
    assert call.json["prompt"] == "a lighthouse at dusk"
    assert call.headers["authorization"] == "Bearer test-key"  # the registry's upstream key, not the member's


def test_the_curl_runs_snippet_polls_until_done(registry, tmp_path: Path) -> None:
    base, key, _upstream = registry
    out = run(["bash", "-c", copied("curl", MODELS["cogvideox-2b"], base, key)], tmp_path)
    assert "Started run " in out and "The run succeeded" in out and "Saved " in out
    saved_mp4(tmp_path)


@pytest.mark.skipif(NODE is None, reason="Node is not installed")
def test_the_javascript_runs_snippet_polls_until_done(registry, tmp_path: Path) -> None:
    base, key, _upstream = registry
    (tmp_path / "run.mjs").write_text(copied("javascript", MODELS["text-to-video"], base, key))
    out = run([NODE, "run.mjs"], tmp_path)
    assert "Started run " in out and "Saved " in out
    saved_mp4(tmp_path)


def test_a_wrong_key_makes_the_snippet_fail_loudly(registry, tmp_path: Path) -> None:
    base, _key, _upstream = registry
    (tmp_path / "run.py").write_text(copied("python", MODELS["text-to-video"], base, "air_wrong"))
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode != 0 and "HTTP 401" in done.stderr and "revoked" in done.stderr


def test_an_upload_is_replaced_by_a_url_in_the_runs_input() -> None:
    model = MODELS["alibaba-wan-22-i2v-720p"]
    upload = {"path": "/srv/data/uploads/cat.png", "filename": "cat.png"}
    body = runs_snippets.run_body(model, {"image": upload, "prompt": "waves"})
    assert body["model"] == model.slug and body["input"]["prompt"] == "waves"
    assert body["input"]["image"].startswith("https://") and "/srv/" not in str(body)
    http = runs_snippets.runs_snippet("http", model, base_url="https://models.example.com")
    assert http.startswith("POST /api/runs HTTP/1.1\nHost: models.example.com\n")
    assert f"Authorization: Bearer {REGISTRY_KEY_PLACEHOLDER}" in http
