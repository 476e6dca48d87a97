"""Real small media files made in the tests, and the header surgery that makes them lie."""

from __future__ import annotations

import io
import struct
import subprocess
import wave
import zlib
from pathlib import Path

from PIL import Image


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), **save_args) -> bytes:
    """A real image with a gradient (so it does not compress to nothing)."""
    width, height = size
    image = Image.new("RGB", size)
    image.putdata([(x * 4 % 256, y * 5 % 256, (x + y) % 256) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format=fmt, **save_args)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A real PNG whose IHDR (with a correct checksum) declares `width` × `height`."""
    data = bytearray(image_bytes("PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose start-of-frame header declares `width` × `height`."""
    data = bytearray(image_bytes("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_vp8_claiming(width: int, height: int) -> bytes:
    """A real lossy WebP whose VP8 frame header declares `width` × `height` (at most 16383 each)."""
    data = bytearray(image_bytes("WEBP", quality=80))
    assert data[12:16] == b"VP8 " and data[23:26] == b"\x9d\x01\x2a"
    data[26:30] = struct.pack("<HH", width, height)
    return bytes(data)


def wav_bytes(seconds: float = 1.0, rate: int = 16_000, channels: int = 1) -> bytes:
    """A real 16-bit PCM WAV of a ramp."""
    frames = int(seconds * rate)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 30000) for i in range(frames)) * channels)
    return out.getvalue()


def wav_with(data: bytes, *, offset: int, fmt: str, value: int) -> bytes:
    """`data` with one header field (at byte `offset`, struct format `fmt`) rewritten."""
    changed = bytearray(data)
    changed[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(changed)


def mp4_bytes(directory: Path, *, faststart: bool) -> bytes:
    """A real one-second 64 × 48 H.264 MP4 made by the ffmpeg imageio-ffmpeg ships."""
    import imageio_ffmpeg

    target = directory / ("fast.mp4" if faststart else "plain.mp4")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
               "-i", "testsrc=size=64x48:rate=10:duration=1", "-pix_fmt", "yuv420p"]  # fmt: skip
    if faststart:
        command += ["-movflags", "+faststart"]
    subprocess.run([*command, str(target)], check=True, capture_output=True, timeout=60)
    return target.read_bytes()


def top_level_boxes(data: bytes) -> dict[bytes, tuple[int, int]]:
    """Each top-level MP4 box's (offset, size)."""
    boxes, offset = {}, 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes[kind] = (offset, size)
        offset += size
    return boxes
