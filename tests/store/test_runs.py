"""Playground runs in the store: created running, finished with a result, listed, and used as thumbnails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from ai_registry.inference.errors import RunError
from ai_registry.store.db import session_scope
from ai_registry.store.runs import (
    create_run,
    finish_run,
    get_run,
    latest_outputs,
    list_runs,
    output_url,
    run_inputs,
    run_text,
)
from ai_registry.store.tables import Run


@dataclass
class Result:
    """The fields of a `RunResult` that the store reads."""

    status: str = "succeeded"
    output_kind: str = "image"
    output_path: str | None = None
    response_json: str = ""
    request_json: str = ""
    error: RunError | str | None = None
    cost_usd: float | None = 0.025
    duration_ms: int = 1200
    text: str = ""


@pytest.fixture
def session(migrated_db: Path) -> Iterator[Session]:
    with session_scope() as s:  # the real migrations, so the run table is the one production has
        yield s


def media_file(data_dir: Path, name: str) -> str:
    path = data_dir / "media" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    return str(path)


def test_create_then_finish(session: Session, isolated_data_dir: Path) -> None:
    run = create_run(
        session=session, run_id="r1", model_slug="qwen-image-edit", inputs={"prompt": "a cat", "width": "512"}
    )
    assert run.status == "running"
    assert run_inputs(run) == {"prompt": "a cat", "width": "512"}
    path = media_file(isolated_data_dir, "r1.png")
    finished = finish_run(
        session=session,
        run_id="r1",
        result=Result(output_path=path, response_json='{"format": "png"}', request_json='{"method": "POST"}'),
    )
    assert finished is not None
    stored = get_run(session=session, run_id="r1")
    assert stored is not None
    assert (stored.status, stored.output_kind, stored.output_path) == ("succeeded", "image", path)
    assert (stored.cost_usd, stored.duration_ms) == (0.025, 1200)
    assert stored.request_json == '{"method": "POST"}'
    assert output_url(stored) == "/media/r1.png"


def test_failures_keep_the_message_and_hint(session: Session) -> None:
    create_run(session=session, run_id="f1", model_slug="tts", inputs={})
    error = RunError("Out of credits: the upstream refused the run.", hint="Add credits.", status=402, kind="credits")
    finish_run(
        session=session, run_id="f1", result=Result(status="failed", output_kind="audio", error=error, cost_usd=None)
    )
    stored = get_run(session=session, run_id="f1")
    assert stored is not None and stored.status == "failed"
    assert stored.error == "Out of credits: the upstream refused the run.\nAdd credits."
    assert output_url(stored) is None
    create_run(session=session, run_id="f2", model_slug="tts", inputs={})
    finish_run(session=session, run_id="f2", result=Result(status="weird", error="plain text"))
    stored = get_run(session=session, run_id="f2")
    assert stored is not None and (stored.status, stored.error) == ("failed", "plain text")


def test_finishing_an_unknown_run_returns_none(session: Session) -> None:
    assert finish_run(session=session, run_id="nope", result=Result()) is None
    assert get_run(session=session, run_id="nope") is None


def test_text_results(session: Session) -> None:
    create_run(
        session=session, run_id="c1", model_slug="gpt-4", inputs={"messages": [{"role": "user", "content": "hi"}]}
    )
    chat = {"choices": [{"message": {"role": "assistant", "content": "Echo: hi"}}]}
    finish_run(session=session, run_id="c1", result=Result(output_kind="chat", response_json=json.dumps(chat)))
    create_run(session=session, run_id="t1", model_slug="whisper", inputs={})
    finish_run(session=session, run_id="t1", result=Result(output_kind="text", text="Transcribed words"))
    chat_run, text_run = get_run(session=session, run_id="c1"), get_run(session=session, run_id="t1")
    assert chat_run is not None and text_run is not None
    assert run_text(chat_run) == "Echo: hi"
    assert run_text(text_run) == "Transcribed words"
    assert run_inputs(chat_run)["messages"][0]["content"] == "hi"


def test_list_runs_newest_first_per_model(session: Session) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(5):
        session.add(Run(id=f"a{i}", model_slug="model-a", created_at=start + timedelta(minutes=i)))
    session.add(Run(id="b0", model_slug="model-b", created_at=start))
    session.flush()
    assert [r.id for r in list_runs(session=session, model_slug="model-a")] == ["a4", "a3", "a2", "a1", "a0"]
    assert [r.id for r in list_runs(session=session, model_slug="model-a", limit=2)] == ["a4", "a3"]
    assert [r.id for r in list_runs(session=session, model_slug="model-b")] == ["b0"]
    assert list_runs(session=session, model_slug="model-c") == []


def test_latest_outputs_picks_each_models_newest_image_or_video(session: Session, isolated_data_dir: Path) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def add(run_id: str, slug: str, minute: int, *, kind: str = "image", status: str = "succeeded", file: bool = True):
        ext = {"image": "png", "video": "mp4", "audio": "wav", "text": "json"}[kind]
        path = media_file(isolated_data_dir, f"{run_id}.{ext}") if file else str(isolated_data_dir / "gone.png")
        session.add(
            Run(
                id=run_id,
                model_slug=slug,
                status=status,
                output_kind=kind,
                output_path=path,
                created_at=start + timedelta(minutes=minute),
            )
        )

    add("img-old", "qwen", 1)
    add("img-new", "qwen", 2)
    add("img-failed", "qwen", 3, status="failed")
    add("vid", "wan", 1, kind="video")
    add("vid-deleted", "wan", 2, kind="video", file=False)
    add("speech", "tts", 5, kind="audio")
    add("only-deleted", "cog", 1, kind="video", file=False)
    session.flush()
    assert latest_outputs(session=session) == {"qwen": "/media/img-new.png", "wan": "/media/vid.mp4"}
