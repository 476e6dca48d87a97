"""Stills of video outputs (issue 15): the first frame of a pinned video example, as a PNG beside it.

A card shows the still until the pointer is over it (then the video plays, muted), so a gallery of
video examples is a gallery of pictures on every device, phones that never preload video included.
The still is named after its video (`<stem>-<ext>-still.png`), so `/media/` opens it to exactly
those who may open the video, and removing a run's files (`<stem>*`) removes it too.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg

from ai_registry.media.storage import MEDIA_NAME

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = ("mp4", "webm", "mov")
_STILL = re.compile(r"^(?P<stem>[A-Za-z0-9_-]+)-(?P<ext>mp4|webm|mov)-still\.png$")
MAX_SIDE = 800


def still_name(video_name: str) -> str | None:
    """`abc.mp4` -> `abc-mp4-still.png`; None for anything that is no video file name."""
    stem, _, ext = video_name.rpartition(".")
    if ext.lower() not in VIDEO_EXTENSIONS or not MEDIA_NAME.fullmatch(f"{stem}-{ext.lower()}-still.png"):
        return None
    return f"{stem}-{ext.lower()}-still.png"


def video_name_of(name: str) -> str | None:
    """The video a still's name stands for (`abc-mp4-still.png` -> `abc.mp4`), else None."""
    found = _STILL.fullmatch(name)
    return f"{found['stem']}.{found['ext']}" if found else None


def existing_still(video_path: str | Path | None) -> Path | None:
    if not video_path:
        return None
    name = still_name(Path(video_path).name)
    path = Path(video_path).with_name(name) if name else None
    return path if path is not None and path.is_file() else None


def make_still(video_path: str | Path) -> Path | None:
    """The video's first frame as a PNG no larger than `MAX_SIDE` (made once); None when ffmpeg
    cannot read it (logged)."""
    video = Path(video_path)
    name = still_name(video.name)
    if name is None or not video.is_file():
        return None
    target = video.with_name(name)
    if target.is_file():
        return target
    try:
        proc = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(video),
             "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("no still of %s: %s", video.name, exc)
        return None
    if proc.returncode != 0 or not proc.stdout:
        log.warning("no still of %s: %s", video.name, proc.stderr.decode(errors="replace")[:300])
        return None
    from PIL import Image

    with Image.open(io.BytesIO(proc.stdout)) as frame:
        image = frame.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    partial = target.with_suffix(".part")
    image.save(partial, format="PNG")
    partial.replace(target)
    return target
