"""`python -m ai_registry curation export|import` as real subprocesses on temporary data folders, and
the API of two data folders compared: an exported overlay imported elsewhere gives the same catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ai_registry.store.api_keys import create_api_key
from ai_registry.store.db import session_scope
from tests.conftest import clear_process_caches
from tests.support.accounts import session_token

GOOD = {
    "format": "ai-registry-curation",
    "version": 1,
    "models": [
        {"slug": "seedance-i2v", "default": True, "featured": True},
        {"id": "gpt-4", "hidden": True},
        {"slug": "tts", "name": "Speech (team)", "aliases": ["voice-over"], "tags": ["narration"]},
    ],
}


def env_for(data_dir: Path) -> dict[str, str]:
    dropped = ("DATABASE_URL", "AINATIVE_API_KEY", "AINATIVE_API_BASE")
    variables = {k: v for k, v in os.environ.items() if k not in dropped}
    variables["AI_REGISTRY_DATA_DIR"] = str(data_dir)
    return variables


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ai_registry", "curation", *args], env=env_for(data_dir), cwd=data_dir.parent,
        capture_output=True, text=True, timeout=120, check=False,
    )


def write(tmp_path: Path, name: str, document) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def test_export_of_a_fresh_database_is_an_empty_versioned_document(isolated_data_dir: Path) -> None:
    done = cli(isolated_data_dir, "export")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"format": "ai-registry-curation", "version": 1, "models": []}


def test_import_then_export_round_trips_in_a_stable_order(isolated_data_dir: Path, tmp_path: Path) -> None:
    done = cli(isolated_data_dir, "import", write(tmp_path, "good.json", GOOD))
    assert done.returncode == 0, done.stderr
    assert "merge: changed 3 models; the overlay holds 3 curated models" in done.stdout
    out = tmp_path / "out.json"
    assert cli(isolated_data_dir, "export", "--out", str(out)).returncode == 0
    exported = json.loads(out.read_text())
    assert [m["id"] for m in exported["models"]] == ["gpt-4", "seedance-i2v", "tts-1"]
    assert exported["models"][2] == {
        "id": "tts-1", "slug": "tts", "name": "Speech (team)", "tags": ["narration"], "aliases": ["voice-over"],
    }
    assert cli(isolated_data_dir, "export").stdout == out.read_text()  # the same bytes every time
    again = cli(isolated_data_dir, "import", str(out))
    assert "changed 0 models" in again.stdout


def test_a_bad_file_is_refused_whole_with_every_problem_listed(isolated_data_dir: Path, tmp_path: Path) -> None:
    assert cli(isolated_data_dir, "import", write(tmp_path, "good.json", GOOD)).returncode == 0
    before = cli(isolated_data_dir, "export").stdout
    bad = {
        "format": "ai-registry-curation",
        "version": 1,
        "models": [
            {"slug": "cogvideox-2b", "hidden": True},  # fine on its own, but the file is refused whole
            {"slug": "no-such-model", "hidden": True},
            {"id": "tts-1", "name": "x" * 121, "tags": ["Not OK"]},
            {"id": "wan22-i2v", "featured": "yes"},
        ],
    }
    done = cli(isolated_data_dir, "import", "--replace", write(tmp_path, "bad.json", bad))
    assert done.returncode == 1
    assert "was refused, nothing was changed (4 problems)" in done.stderr
    for fragment in (
        "models[2] (no-such-model): no model has the slug 'no-such-model'",
        "models[3] (tts-1): name must be 1 to 120 characters (got 121)",
        "models[3] (tts-1): tags: “Not OK” is not a lowercase word",
        "models[4] (wan22-i2v): featured must be true or false",
    ):
        assert fragment in done.stderr
    assert cli(isolated_data_dir, "export").stdout == before
    not_json = cli(isolated_data_dir, "import", write(tmp_path, "broken.json", "{nope"))
    assert not_json.returncode == 1 and "is not JSON (line 1" in not_json.stderr


def test_replace_drops_what_the_file_does_not_mention_and_merge_keeps_it(
    isolated_data_dir: Path, tmp_path: Path
) -> None:
    assert cli(isolated_data_dir, "import", write(tmp_path, "good.json", GOOD)).returncode == 0
    small = {"format": "ai-registry-curation", "version": 1, "models": [{"slug": "cogvideox-2b", "default": True}]}
    merged = cli(isolated_data_dir, "import", write(tmp_path, "small.json", small))
    assert merged.returncode == 0, merged.stderr
    models = json.loads(cli(isolated_data_dir, "export").stdout)["models"]
    # Merge: the others stay; the file's Video default took the star from seedance (still featured).
    seedance = {m["id"]: m for m in models}["seedance-i2v"]
    assert seedance == {"id": "seedance-i2v", "slug": "seedance-i2v", "featured": True}
    assert [m["id"] for m in models] == ["cogvideox-2b", "gpt-4", "seedance-i2v", "tts-1"]
    dry = cli(isolated_data_dir, "import", "--replace", "--dry-run", str(tmp_path / "small.json"))
    assert "replace: would change 3 models" in dry.stdout
    assert len(json.loads(cli(isolated_data_dir, "export").stdout)["models"]) == 4
    assert cli(isolated_data_dir, "import", "--replace", str(tmp_path / "small.json")).returncode == 0
    assert [m["id"] for m in json.loads(cli(isolated_data_dir, "export").stdout)["models"]] == ["cogvideox-2b"]


def api_models(data_dir: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> list[dict]:
    """Every model `/api/models` gives a key of `role` on the database of `data_dir`."""
    from ai_registry.backend import build_backend
    from ai_registry.store.migrate import upgrade
    from ai_registry.store.users import get_user_by_email

    monkeypatch.setenv("AI_REGISTRY_DATA_DIR", str(data_dir))
    clear_process_caches()
    upgrade()
    session_token(role)
    with session_scope() as session:
        owner = get_user_by_email(session=session, email=f"{role}@example.org")
        _row, raw = create_api_key(session=session, name="compare", owner_id=owner.id)
    with TestClient(build_backend(), headers={"X-API-Key": raw}) as client:
        body = client.get("/api/models", params={"per_page": 100}).json()
    return body["models"]


def test_an_exported_overlay_imported_into_a_fresh_database_gives_the_same_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first" / "data", tmp_path / "second" / "data"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    assert cli(first, "import", write(tmp_path, "good.json", GOOD)).returncode == 0
    exported = tmp_path / "team-curation.json"
    assert cli(first, "export", "--out", str(exported)).returncode == 0
    assert cli(second, "import", str(exported)).returncode == 0
    for role in ("member", "admin"):
        one, two = api_models(first, monkeypatch, role), api_models(second, monkeypatch, role)
        assert one == two
        slugs = [m["slug"] for m in one]
        assert ("gpt-4" in slugs) is (role == "admin")  # hidden for the member's key only
        assert slugs[0] == "seedance-i2v"  # featured: first in the default sort
        assert [m["slug"] for m in one if m["category"] == "Video" and m["is_default"]] == ["seedance-i2v"]
        assert next(m for m in one if m["slug"] == "tts")["name"] == "Speech (team)"
    fresh = api_models(tmp_path / "third" / "data", monkeypatch, "member")
    assert fresh != api_models(first, monkeypatch, "member")  # the overlay is what makes them equal
