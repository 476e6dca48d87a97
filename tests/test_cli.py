"""`python -m ai_registry migrate | sync | list` as real subprocesses, with and without an upstream."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from tests.support.contract_server import ContractServer

UPSTREAM_KEY = "cli-upstream-key"
BUILTIN_VIDEO_SLUGS = {m.slug for m in load_builtin_catalog() if m.category == "Video"}
VEO = {
    "id": "veo-3",
    "name": "Veo 3",
    "provider": "Google",
    "category": "video",
    "capabilities": ["text-to-video"],
    "description": "Text-to-video with sound",
    "endpoint": "/v1/multimodal/video/t2v",
    "pricing": {"credits": 1500, "usd": 0.75, "unit": "per 8s video"},
    "created": 1747785600,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def env(isolated_data_dir: Path) -> dict[str, str]:
    """The environment of the commands: this test's data folder, no upstream, no other database."""
    variables = dict(os.environ)
    for name in ("AINATIVE_API_BASE", "AINATIVE_API_KEY", "AINATIVE_API_PREFIX", "DATABASE_URL"):
        variables.pop(name, None)
    variables["AI_REGISTRY_DATA_DIR"] = str(isolated_data_dir)
    variables["AI_REGISTRY_SOURCE_TIMEOUT_S"] = "3"
    return variables


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # cwd is a temporary folder, so no developer's `.env` is read.
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )


def list_json(env: dict[str, str], cwd: Path, *args: str) -> list[dict]:
    result = run(env, cwd, "list", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_an_upstream(env: dict[str, str], tmp_path: Path, isolated_data_dir: Path) -> None:
    migrate = run(env, tmp_path, "migrate")
    assert migrate.returncode == 0, migrate.stderr
    assert "latest revision" in migrate.stdout
    assert (isolated_data_dir / "registry.db").is_file()

    sync = run(env, tmp_path, "sync")
    assert sync.returncode == 0, sync.stderr
    stored = int(sync.stdout.split()[0])
    assert stored >= 15
    assert f"{stored} models stored" in sync.stdout

    video = list_json(env, tmp_path, "--category", "video")
    assert {m["slug"] for m in video} >= BUILTIN_VIDEO_SLUGS
    assert all(m["category"] == "Video" or "video-generation" in m["capabilities"] for m in video)
    assert all("readme" not in m for m in video)
    created = [m["created"] for m in video if m["created"] is not None]
    assert created == sorted(created, reverse=True)  # newest first by default

    text = run(env, tmp_path, "list", "--category", "Embedding", "--search", "bge small", "--sort", "name")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.strip().splitlines()
    assert lines[0].startswith("* bge-small-en-v1-5")  # the default model is starred
    assert lines[-1] == "1 models"


def test_with_the_contract_upstream(env: dict[str, str], tmp_path: Path) -> None:
    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as srv:
        srv.registry_models = [VEO]
        srv.health["services"]["video"]["available"] = False
        env = {**env, "AINATIVE_API_BASE": srv.url, "AINATIVE_API_KEY": UPSTREAM_KEY}

        assert run(env, tmp_path, "migrate").returncode == 0
        sync = run(env, tmp_path, "sync")
        assert sync.returncode == 0, sync.stdout + sync.stderr
        for name in ("chat", "embeddings", "registry", "health"):
            assert any(line.split()[:2] == [name, "ok"] for line in sync.stdout.splitlines()), sync.stdout
        assert UPSTREAM_KEY not in sync.stdout + sync.stderr
        embeddings = srv.requests_to("/public/embeddings/models")
        assert embeddings and embeddings[0].headers["authorization"] == f"Bearer {UPSTREAM_KEY}"

    # The upstream is gone: `list` serves what `sync` stored.
    video = {m["slug"]: m for m in list_json(env, tmp_path, "--category", "video")}
    assert set(video) >= BUILTIN_VIDEO_SLUGS | {"veo-3"}
    veo = video["veo-3"]
    assert (veo["name"], veo["provider"], veo["category"]) == ("Veo 3", "Google", "Video")
    assert veo["pricing"]["usd"] == pytest.approx(0.75)
    assert veo["available"] is False  # the health route said video was down
    assert video["alibaba-wan-22-i2v-720p"]["sources"] == ["builtin"]


def test_sync_with_every_source_down_fails_but_keeps_the_builtin_catalog(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "AINATIVE_API_BASE": f"http://127.0.0.1:{free_port()}", "AINATIVE_API_KEY": UPSTREAM_KEY}
    assert run(env, tmp_path, "migrate").returncode == 0
    sync = run(env, tmp_path, "sync")
    assert sync.returncode == 1
    assert sync.stdout.count("failed") == 4
    assert "connection refused" in sync.stdout
    assert UPSTREAM_KEY not in sync.stdout + sync.stderr


def test_unknown_category_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    result = run(env, tmp_path, "list", "--category", "videos", "--json")
    assert result.returncode == 2
    assert "unknown category 'videos'" in result.stderr
    assert "All, Image, Video, Audio, Coding, Embedding" in result.stderr
    assert result.stdout == ""
