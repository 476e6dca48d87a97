"""`inspect_upload` on real files made here, and on the same files with lying or cut-off headers."""

from __future__ import annotations

import pytest
from PIL import Image

from ai_registry.media.probe import (
    IMAGE_MAX_PIXELS,
    clean_filename,
    harden_pillow,
    inspect_upload,
    sniff_kind,
)
from tests.media.craft import (
    image_bytes,
    jpeg_claiming,
    mp4_bytes,
    png_claiming,
    top_level_boxes,
    wav_bytes,
    wav_with,
)

LIMIT = 25 * 1024 * 1024


def inspect(data: bytes, filename: str = "upload", content_type: str | None = None, **kwargs):
    return inspect_upload(
        data, filename=filename, content_type=content_type, max_bytes=kwargs.pop("max_bytes", LIMIT), **kwargs
    )


# -- images ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "kind", "stored"),
    [
        ("PNG", "cat.png", "png", "cat.png"),
        ("JPEG", "cat.jpeg", "jpeg", "cat.jpg"),
        ("WEBP", "cat.webp", "webp", "cat.webp"),
        ("GIF", "cat.gif", "gif", "cat.gif"),
    ],
)
def test_real_images_pass_with_their_size(fmt: str, name: str, kind: str, stored: str) -> None:
    result = inspect(image_bytes(fmt, (64, 48)), name)
    assert result.problem is None
    assert (result.kind, result.filename, result.width, result.height) == (kind, stored, 64, 48)
    assert result.content_type == f"image/{'jpeg' if kind == 'jpeg' else kind}"


@pytest.mark.parametrize("save_args", [{"quality": 80}, {"lossless": True}, {"exif": Image.Exif().tobytes()}])
def test_every_webp_header_form_is_read(save_args) -> None:
    # Lossy (VP8), lossless (VP8L) and extended (VP8X) files each store their size differently.
    result = inspect(image_bytes("WEBP", (300, 200), **save_args), "a.webp")
    assert result.problem is None
    assert (result.width, result.height) == (300, 200)


def test_a_png_declaring_a_huge_image_is_refused_without_decoding() -> None:
    result = inspect(png_claiming(100_000, 100_000), "bomb.png")
    assert result.problem == "The PNG image declares 10,000,000,000 pixels; the limit is 40 megapixels"


def test_a_png_just_over_the_pixel_limit_is_refused() -> None:
    # 48 megapixels: past our limit, below the point where Pillow itself raises.
    result = inspect(png_claiming(8_000, 6_000), "big.png")
    assert result.problem == (
        "The PNG image declares 8,000 × 6,000 pixels; the limit is 10,000 pixels a side and 40 megapixels"
    )


def test_a_png_too_wide_is_refused() -> None:
    result = inspect(png_claiming(12_000, 10), "strip.png")
    assert result.problem is not None and result.problem.startswith("The PNG image declares 12,000 × 10 pixels")


def test_a_jpeg_declaring_a_huge_image_is_refused() -> None:
    result = inspect(jpeg_claiming(20_000, 20_000), "bomb.jpg")
    assert result.problem == "The JPEG image declares 400,000,000 pixels; the limit is 40 megapixels"


def test_a_webp_declaring_a_huge_image_is_refused() -> None:
    from tests.media.craft import webp_vp8_claiming

    result = inspect(webp_vp8_claiming(16_000, 16_000), "bomb.webp")
    assert result.problem == (
        "The WebP image declares 16,000 × 16,000 pixels; the limit is 10,000 pixels a side and 40 megapixels"
    )


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp"), ("GIF", "a.gif")])
def test_truncated_images_are_refused(fmt: str, name: str) -> None:
    data = image_bytes(fmt, (200, 150))
    for cut in (len(data) // 2, len(data) - 1):
        result = inspect(data[:cut], name)
        assert result.problem is not None
        assert result.problem.startswith(f"The {'WebP' if fmt == 'WEBP' else fmt} image is cut off")


def test_pillow_keeps_a_bomb_limit_even_if_someone_turned_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    harden_pillow()
    assert Image.MAX_IMAGE_PIXELS == IMAGE_MAX_PIXELS
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert inspect(png_claiming(100_000, 100_000), "bomb.png").problem is not None
    assert Image.MAX_IMAGE_PIXELS == IMAGE_MAX_PIXELS


# -- WAV ------------------------------------------------------------------------------------------


def test_a_real_wav_passes_with_its_duration() -> None:
    result = inspect(wav_bytes(1.5), "voice.wav", "audio/wav")
    assert result.problem is None
    assert (result.kind, result.seconds, result.filename) == ("wav", 1.5, "voice.wav")


def test_a_wav_header_claiming_more_audio_than_the_file_holds_is_refused() -> None:
    lying = wav_with(wav_bytes(1.0), offset=40, fmt="<I", value=0x7FFF0000)  # the data chunk's size
    result = inspect(lying, "long.wav")
    assert result.problem == (
        "The WAV header says it holds 67,106.8 s of audio, but the file has only 1.0 s "
        "(the header is wrong or the file is cut off)"
    )


def test_a_wav_streamed_with_an_unknown_length_is_refused() -> None:
    result = inspect(wav_with(wav_bytes(0.5), offset=40, fmt="<I", value=0xFFFFFFFF), "pipe.wav")
    assert result.problem is not None and result.problem.startswith("The WAV header says it holds")


def test_a_truncated_wav_is_refused() -> None:
    data = wav_bytes(1.0)
    result = inspect(data[: len(data) // 3], "cut.wav")
    assert result.problem is not None and "cut off" in result.problem


@pytest.mark.parametrize(
    ("offset", "fmt", "value", "problem"),
    [
        (24, "<I", 10_000_000, "The WAV header declares 10,000,000 samples a second; 1,000 to 384,000 are accepted"),
        (22, "<H", 0, "The WAV header declares 0 channels; 1 to 32 are accepted"),
        (22, "<H", 65_535, "The WAV header declares 65535 channels; 1 to 32 are accepted"),
        (20, "<H", 85, "The WAV file uses audio format 85, which is not plain PCM or float"),
        (28, "<I", 1, "The WAV header's sample size, block size and byte rate do not agree"),
    ],
)
def test_a_wav_with_an_absurd_format_is_refused(offset: int, fmt: str, value: int, problem: str) -> None:
    assert inspect(wav_with(wav_bytes(0.25), offset=offset, fmt=fmt, value=value), "odd.wav").problem == problem


def test_a_wav_without_audio_data_is_refused() -> None:
    data = wav_bytes(0.25)
    assert inspect(data[:36], "empty.wav").problem == "The WAV file has no audio data"


# -- MP4 ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mp4_files(tmp_path_factory) -> dict[str, bytes]:
    directory = tmp_path_factory.mktemp("mp4")
    return {"plain": mp4_bytes(directory, faststart=False), "fast": mp4_bytes(directory, faststart=True)}


def test_a_real_mp4_passes_with_its_size(mp4_files) -> None:
    for data in mp4_files.values():
        result = inspect(data, "clip.mp4", "video/mp4")
        assert result.problem is None
        assert (result.kind, result.width, result.height) == ("mp4", 64, 48)


def test_an_mp4_cut_off_mid_box_is_refused(mp4_files) -> None:
    data = mp4_files["fast"]
    result = inspect(data[: len(data) - 100], "cut.mp4")
    assert result.problem == "The MP4 file is cut off (its 'mdat' box runs past the end)"


def test_an_mp4_without_its_index_is_refused(mp4_files) -> None:
    data = mp4_files["plain"]  # the index comes last: a download that stopped before it
    moov_at, _ = top_level_boxes(data)[b"moov"]
    result = inspect(data[:moov_at], "partial.mp4")
    assert result.problem == "The MP4 file has no index ('moov' box); it is cut off or still being written"


def test_an_mp4_declaring_a_huge_video_is_refused(mp4_files) -> None:
    data = bytearray(mp4_files["fast"])
    tkhd = data.index(b"tkhd")
    version = data[tkhd + 4]
    at = tkhd + 4 + (88 if version == 1 else 76)
    data[at : at + 8] = (20_000 << 16).to_bytes(4, "big") + (20_000 << 16).to_bytes(4, "big")
    assert (
        inspect(bytes(data), "huge.mp4").problem
        == "The video declares 20,000 × 20,000 pixels; the limit is 8,192 a side"
    )


# -- names, types and sizes -----------------------------------------------------------------------


def test_a_name_that_says_one_kind_and_bytes_another_are_refused() -> None:
    assert inspect(image_bytes("PNG"), "cat.jpg").problem == "The file is named cat.jpg but holds a PNG image"
    assert inspect(wav_bytes(0.1), "song.mp3").problem == "The file is named song.mp3 but holds a WAV audio file"


def test_a_declared_type_that_disagrees_with_the_bytes_is_refused() -> None:
    result = inspect(image_bytes("JPEG"), "cat", "image/png")
    assert result.problem == "The file says it is image/png but holds a JPEG image"


def test_an_unknown_extension_takes_the_name_the_contents_call_for() -> None:
    result = inspect(image_bytes("PNG"), "../../notes.txt")
    assert result.problem is None
    assert result.filename == "notes.png"


def test_contents_that_are_no_media_file_are_refused() -> None:
    result = inspect(b"<html><script>alert(1)</script></html>", "cat.png", "image/png", accepted=["png", "jpeg"])
    assert result.problem == "The file's contents are not a media file this server takes (PNG or JPEG)"


def test_a_kind_the_parameter_does_not_take_is_refused() -> None:
    result = inspect(wav_bytes(0.1), "a.wav", accepted=["png", "jpeg", "webp"])
    assert result.problem == "PNG, JPEG or WebP only (this is a WAV audio file)"


def test_size_limits_and_empty_files() -> None:
    assert inspect(b"", "a.png").problem == "The file is empty"
    data = image_bytes("PNG", (400, 400))
    assert inspect(data, "a.png", max_bytes=len(data)).problem is None
    assert inspect(data, "a.png", max_bytes=len(data) - 1).problem.startswith("File is ")
    big = b"\x89PNG\r\n\x1a\n" + bytes(26 * 1024 * 1024)
    assert inspect(big, "a.png").problem == "File is 26 MB; the limit is 25 MB"


def test_a_file_on_disk_is_inspected_by_path(tmp_path) -> None:
    path = tmp_path / "on-disk.wav"
    path.write_bytes(wav_bytes(0.5))
    result = inspect_upload(path, filename="On Disk.WAV", max_bytes=LIMIT)
    assert result.problem is None
    assert (result.seconds, result.filename, result.size) == (0.5, "On_Disk.wav", path.stat().st_size)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\cat photo.png", "cat_photo.png"),
        (".htaccess", "htaccess"),
        ("CON.png", "_CON.png"),
        ("nul", "_nul"),
        ("café ☕ menu.jpg", "cafe_menu.jpg"),
        ("a\x00b\nc.wav", "a_b_c.wav"),
        ("", "upload"),
        ("../", "upload"),
        ("x" * 300 + ".jpeg", "x" * 95 + ".jpeg"),
    ],
)
def test_file_names_are_cleaned(name: str, cleaned: str) -> None:
    assert clean_filename(name) == cleaned


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"OggS\0\2", "ogg"), (b"fLaC\0\0\0\x22", "flac"), (b"\x1a\x45\xdf\xa3\x01", "webm"), (b"ID3\x04\0", "mp3"),
     (b"\xff\xfb\x90\x00", "mp3"), (b"RIFF\0\0\0\0AVI ", None), (b"\xff\xf1\x50\x80", None), (b"GIF", None)],
)  # fmt: skip
def test_sniffing_by_magic_bytes(head: bytes, kind: str | None) -> None:
    assert sniff_kind(head) == kind
