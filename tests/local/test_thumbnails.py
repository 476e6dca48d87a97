"""Thumbnails are drawn from real runs of each local model."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ai_registry.local.engine import LocalEngine
from ai_registry.local.thumbnails import EMBEDDING_SENTENCES, SPOKEN_SENTENCE, generate_thumbnails, make_thumbnails


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
            # 5:2, the card's thumbnail box (aspect-[5/2]): the card shows all of it at any width.
            assert image.format == "PNG" and image.size == (800, 320)
        assert thumbnail.caption.strip()
        assert not thumbnail.clipped, f"{thumbnail.slug}: text cut to fit"
    captions = {t.slug: t.caption for t in made}
    assert captions["local-piper-en-us-joe"] == SPOKEN_SENTENCE
    # The transcript shown is what Whisper heard in the spoken sample.
    assert "quick brown fox" in captions["local-whisper-tiny-en"].lower()


def test_generate_thumbnails_returns_the_paths(tmp_path: Path, engine: LocalEngine) -> None:
    paths = generate_thumbnails(tmp_path, engine=engine)
    assert sorted(p.name for p in paths) == sorted(p.name for p in tmp_path.iterdir())
    assert len(paths) == 4


def test_every_row_of_the_similarity_matrix_is_inside_the_picture(tmp_path: Path) -> None:
    """Five sentences, five rows and columns of cells, none past the bottom or right edge."""
    import numpy as np

    from ai_registry.local.thumbnails import ACCENT, render_similarity

    labels = [label for label, _ in EMBEDDING_SENTENCES]
    drawn = render_similarity(labels, np.eye(len(labels)), tmp_path / "matrix.png")
    assert not drawn.clipped
    with Image.open(drawn.path) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    # The diagonal's cells are full ACCENT blue: count the blue blocks down the picture.
    blue = (np.abs(pixels - np.array(ACCENT)).sum(axis=2) < 30).any(axis=1)
    blocks = int(blue[0]) + int(np.count_nonzero(blue[1:] & ~blue[:-1]))
    assert blocks == len(labels)
    assert not blue[-20:].any(), "a cell touches the bottom edge"
