"""Media handling: sniffing, base64 fields decoded piece by piece to files, log shortening, the media route."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path

import httpx
import pytest

from ai_registry.backend import build_backend
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.media.extract import (
    Base64FieldExtractor,
    InvalidMedia,
    RawMediaWriter,
    ResponseTooLarge,
    shorten_base64,
)
from ai_registry.media.sniff import sniff_media
from ai_registry.media.storage import media_dir, media_url, remove_outputs
from tests.support.accounts import session_token
from tests.support.media import mp4_bytes, png_bytes, wav_bytes
from tests.support.media import sniff_media as reference_sniff


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def extract(body: bytes, piece: int, stem: str = "run1", **kw):
    extractor = Base64FieldExtractor(media_dir(), stem, **kw)
    for start in range(0, len(body), piece):
        extractor.feed(body[start : start + piece])
    return extractor.finish()


# -- sniffing --------------------------------------------------------------------------------------


def test_sniff_matches_the_reference_for_real_files() -> None:
    samples = {
        "png": png_bytes(8, 8),
        "mp4": mp4_bytes(16, 16, 0.25, 8),
        "wav": wav_bytes(0.05),
        "jpeg": b"\xff\xd8\xff\xe0" + b"\0" * 20,
        "webp": b"RIFF\0\0\0\0WEBPVP8 ",
        "gif": b"GIF89a" + b"\0" * 10,
        "ogg": b"OggS" + b"\0" * 10,
        "flac": b"fLaC" + b"\0" * 10,
        "webm": b"\x1a\x45\xdf\xa3" + b"\0" * 10,
        "mp3": b"ID3\x04" + b"\0" * 10,
    }
    for kind, data in samples.items():
        assert sniff_media(data) == kind == reference_sniff(data)
    for junk in (b"", b"abc", b"<html></html>", b'{"a": 1}', b"RIFF\0\0\0\0AVI "):
        assert sniff_media(junk) is None


# -- base64 fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
def test_video_field_is_decoded_in_pieces_of_any_size(piece: int) -> None:
    video = mp4_bytes(32, 18, 1.0, 8)
    body = json.dumps({"format": "mp4", "video_base64": b64(video), "fps": 8, "duration_s": 1.0}).encode()
    result = extract(body, piece)
    assert len(result.media) == 1
    media = result.media[0]
    assert media.path == media_dir() / "run1.mp4"
    assert media.path.read_bytes() == video
    assert (media.kind, media.output_kind, media.content_type, media.field) == (
        "mp4",
        "video",
        "video/mp4",
        "video_base64",
    )
    assert result.json["fps"] == 8 and result.json["duration_s"] == 1.0
    assert result.json["video_base64"] == f"{b64(video)[:12]}… ({len(video):,} bytes)"
    assert not list(media_dir().glob("*.part"))


def test_data_uri_escaped_slashes_whitespace_and_nesting() -> None:
    image = png_bytes(40, 30)
    text = b64(image)
    # Some encoders escape "/" as "\/" and wrap base64 at 76 characters.
    wrapped = "\\n".join(text[i : i + 76] for i in range(0, len(text), 76)).replace("/", "\\/")
    body = ('{"data": [{"b64_json" : "data:image/png;base64,' + wrapped + '", "revised_prompt": "x"}]}').encode()
    for piece in (1, 3, 100):
        result = extract(body, piece, stem=f"nested{piece}")
        assert result.media[0].path.read_bytes() == image
        assert result.media[0].path.suffix == ".png"
        described = result.json["data"][0]["b64_json"]
        assert described.startswith("data:image/png;base64,iVBORw0KGgo")
        assert described.endswith(f"({len(image):,} bytes)")
        assert result.json["data"][0]["revised_prompt"] == "x"


def test_several_media_fields_and_a_url_safe_alphabet() -> None:
    audio, image = wav_bytes(0.1), png_bytes(8, 8)
    urlsafe = base64.urlsafe_b64encode(image).decode()
    body = json.dumps({"audio_base64": b64(audio), "image_base64": urlsafe}).encode()
    result = extract(body, 10, stem="multi")
    assert [m.path.name for m in result.media] == ["multi.wav", "multi-2.png"]
    assert result.media[0].path.read_bytes() == audio
    assert result.media[1].path.read_bytes() == image


def test_a_field_name_inside_a_string_is_not_a_field() -> None:
    body = json.dumps({"note": 'say "video_base64": "AAAA"', "video_base64": None}).encode()
    result = extract(body, 5)
    assert result.media == []
    assert result.json == {"note": 'say "video_base64": "AAAA"', "video_base64": None}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"video_base64": "!!!notbase64!!!"}', "not valid base64"),
        (
            b'{"video_base64": "' + base64.b64encode(b"plain text, not a video").replace(b"=", b"") + b'"}',
            "known format",
        ),
        (b'{"video_base64": ""}', "empty"),
        (b'{"video_base64": "AAAA', "ended inside"),
        (b'{"video_base64": "AAAA" oops}', "not valid JSON"),
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
    ],
)
def test_broken_media_is_reported_and_leaves_no_files(body: bytes, message: str) -> None:
    with pytest.raises(InvalidMedia, match=message):
        extract(body, 4, stem="broken")
    assert list(media_dir().iterdir()) == []


def test_the_json_around_the_media_is_bounded() -> None:
    body = json.dumps({"padding": "x" * 5000}).encode()
    with pytest.raises(ResponseTooLarge):
        extract(body, 1000, max_json_bytes=1000)


def test_raw_media_writer_and_cleanup() -> None:
    audio = wav_bytes(0.2)
    writer = RawMediaWriter(media_dir(), "rawrun")
    for start in range(0, len(audio), 333):
        writer.feed(audio[start : start + 333])
    media = writer.finish()
    assert media.path.name == "rawrun.wav" and media.path.read_bytes() == audio
    assert media_url(media.path) == "/media/rawrun.wav"
    junk = RawMediaWriter(media_dir(), "junk")
    junk.feed(b"definitely not media")
    with pytest.raises(InvalidMedia):
        junk.finish()
    remove_outputs("rawrun")
    assert list(media_dir().iterdir()) == []


# -- shortening for the log ------------------------------------------------------------------------


def test_shorten_base64() -> None:
    image = png_bytes(64, 64)
    data = {
        "image_base64": b64(image),
        "nested": [{"uri": "data:image/png;base64," + b64(image)}],
        "prompt": "a long prompt " * 20,
        "short": "QUJD",
        "vector": [0.5] * 40,
        "count": 3,
    }
    short = shorten_base64(data, max_numbers=8)
    assert short["image_base64"] == f"iVBORw0KGgo{b64(image)[11]}… ({len(image):,} bytes)"
    assert short["nested"][0]["uri"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert short["nested"][0]["uri"].endswith(f"({len(image):,} bytes)")
    assert short["prompt"] == data["prompt"]  # prose is not base64
    assert short["short"] == "QUJD"
    assert short["vector"] == [0.5, 0.5, 0.5, 0.5, "… (40 numbers)"]
    assert short["count"] == 3
    assert shorten_base64(data)["vector"] == [0.5] * 40
    assert data["image_base64"] == b64(image)  # the input is not changed


# -- the /media route ------------------------------------------------------------------------------


@pytest.mark.usefixtures("migrated_db")
async def test_media_route_serves_files_with_ranges_and_rejects_other_names() -> None:
    video = mp4_bytes(32, 18, 1.0, 8)
    (media_dir() / "abc123.mp4").write_bytes(video)
    (media_dir() / "abc123.png").write_bytes(png_bytes(8, 8))
    secret = media_dir().parent / "registry-secret.json"
    secret.write_text("{}")
    transport = httpx.ASGITransport(app=build_backend())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as anonymous:
        refused = await anonymous.get("/media/abc123.mp4")
        assert refused.status_code == 401 and refused.json() == {"detail": "Sign in to open this file."}
        assert (await anonymous.get("/media/missing.mp4")).status_code == 401  # existence is not told either
    cookies = {SESSION_COOKIE: await asyncio.to_thread(session_token, "admin")}  # an admin may open any file
    async with httpx.AsyncClient(transport=transport, base_url="http://app", cookies=cookies) as client:
        whole = await client.get("/media/abc123.mp4")
        assert whole.status_code == 200
        assert whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.content == video

        part = await client.get("/media/abc123.mp4", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206
        assert part.content == video[:100]
        assert part.headers["content-range"] == f"bytes 0-99/{len(video)}"

        image = await client.get("/media/abc123.png")
        assert image.headers["content-type"] == "image/png"
        download = await client.get("/media/abc123.png?download=1")
        assert download.headers["content-disposition"].startswith("attachment")

        for name in (
            "missing.mp4",
            "abc123.exe",
            "..%2Fregistry-secret.json",
            "%2E%2E%2Fregistry.db",
            "abc123.mp4%00.png",
            ".hidden.png",
        ):
            response = await client.get(f"/media/{name}")
            assert response.status_code == 404, name
        traversal = await client.get("/media/../registry-secret.json")
        assert traversal.status_code == 404 or b"{}" != traversal.content


def test_no_temporary_files_are_left_by_successful_extractions() -> None:
    body = json.dumps({"audio_base64": b64(wav_bytes(0.05))}).encode()
    extract(body, 64, stem="tidy")
    assert sorted(os.listdir(media_dir())) == ["tidy.wav"]
    assert Path(media_dir() / "tidy.wav").stat().st_size > 44
