"""Thumbnails are drawn from real runs of each local model."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ai_registry.local.engine import LocalEngine
from ai_registry.local.thumbnails import SPOKEN_SENTENCE, generate_thumbnails, make_thumbnails


def test_generate_thumbnails_runs_each_model(tmp_path: Path, engine: LocalEngine) -> None:
    made = make_thumbnails(tmp_path, engine=engine)
    assert {t.slug for t in made} == {
        "local-smollm2-135m-instruct",
        "local-all-minilm-l6-v2",
        "local-whisper-tiny-en",
        "local-piper-en-us-joe",
    }
    for thumbnail in made:
        assert thumbnail.path.parent == tmp_path
        assert thumbnail.path.stat().st_size < 60_000
        with Image.open(thumbnail.path) as image:
            assert image.format == "PNG" and image.size == (640, 360)
        assert thumbnail.caption.strip()
    captions = {t.slug: t.caption for t in made}
    assert captions["local-piper-en-us-joe"] == SPOKEN_SENTENCE
    # The transcript shown is what Whisper heard in the spoken sample.
    assert "quick brown fox" in captions["local-whisper-tiny-en"].lower()


def test_generate_thumbnails_returns_the_paths(tmp_path: Path, engine: LocalEngine) -> None:
    paths = generate_thumbnails(tmp_path, engine=engine)
    assert sorted(p.name for p in paths) == sorted(p.name for p in tmp_path.iterdir())
    assert len(paths) == 4
