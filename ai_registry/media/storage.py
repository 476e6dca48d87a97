"""Where media lives: run outputs and uploads in `data_dir/media`, served at `/media/<name>`.

One folder for both, so an uploaded input previews from the same route as an output, and one set of
names the route serves: a run id or upload id and a known extension, nothing else.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from pathlib import Path

from ai_registry.settings import get_settings

# Files the `/media/{name}` route serves: a run id and a known extension, nothing else.
MEDIA_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(png|jpg|webp|gif|mp4|webm|wav|mp3|ogg|flac|json)$")
MEDIA_URL_PREFIX = "/media/"
UPLOAD_PREFIX = "up_"


def media_dir() -> Path:
    """Where run outputs live (`data_dir/media`), created on first use."""
    path = get_settings().data_dir / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_dir() -> Path:
    """Where uploaded and fetched inputs live: the media folder itself (names start with `up_`)."""
    return media_dir()


def new_upload_path(extension: str) -> Path:
    """A fresh file name for an uploaded input, servable by `/media/<name>` for its preview."""
    return upload_dir() / f"{UPLOAD_PREFIX}{uuid.uuid4().hex}.{extension}"


def media_url(path: str | Path) -> str:
    """The URL the backend serves an output file at: `/media/<file name>`."""
    return MEDIA_URL_PREFIX + Path(path).name


def media_file(name: str) -> Path | None:
    """The output file `name` names, or None when the name is not a plain media file name."""
    if not MEDIA_NAME.fullmatch(name):
        return None
    return get_settings().data_dir / "media" / name


def remove_outputs(stem: str) -> None:
    """Delete every file a run wrote (`<stem>.*`, `<stem>-2.*`, ...), e.g. when it was cancelled."""
    directory = get_settings().data_dir / "media"
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        name = path.name.split(".")[0]
        if name == stem or name.startswith(stem + "-"):
            with contextlib.suppress(OSError):
                path.unlink()
