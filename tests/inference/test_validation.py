"""Server-side validation: every type, every rule, specific messages, and never an exception."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from ai_registry.catalog.models import ModelParameter, UnifiedAIModel
from ai_registry.inference.validation import check_upload, validate_value, validate_values
from ai_registry.media.uploads import save_upload
from tests.inference.conftest import upload
from tests.kinds.factories import model, param
from tests.media.craft import png_claiming
from tests.support.media import mp4_bytes, png_bytes, wav_bytes

IMAGE_ACCEPT = ["image/png", "image/jpeg", "image/webp"]
AUDIO_ACCEPT = ["audio/mpeg", "audio/wav", "audio/x-wav", "audio/webm", "audio/ogg", "audio/flac", "video/mp4"]


def image_param(**kw) -> ModelParameter:
    return param("image", "file", required=True, accept=IMAGE_ACCEPT, max_bytes=10 * 1024 * 1024, **kw)


def schema_model() -> UnifiedAIModel:
    return model(
        "schema-test",
        "Video",
        "/v1/wan-2-2-i2v-720/run",
        [
            image_param(),
            param("prompt", required=True, max_length=2000),
            param("negative_prompt"),
            param("duration", "integer", default=8, options=[5, 8, 10, 15]),
            param("width", "integer", default=1024, min=512, max=2048),
            param("guidance", "number", default=5, min=0, max=20),
            param("seed", "integer", min=0),
            param("steps", "integer", max=100),
            param("enable_safety_checker", "boolean", default=True),
            param("style", options=["photographic", "anime"]),
            param("texts", "array", max=3, max_length=10),
        ],
    )


# -- strings ---------------------------------------------------------------------------------------


def test_required_and_max_length() -> None:
    values, errors = validate_values(schema_model(), {"prompt": "   "})
    assert errors["prompt"] == "Required"
    assert values["prompt"] is None

    _, errors = validate_values(schema_model(), {"prompt": "x" * 2143})
    assert errors["prompt"] == "At most 2,000 characters (you have 2,143)"

    values, errors = validate_values(schema_model(), {"prompt": "x" * 2000})
    assert "prompt" not in errors
    assert values["prompt"] == "x" * 2000


def test_string_options_and_other_types() -> None:
    _, errors = validate_values(schema_model(), {"style": "cubist"})
    assert errors["style"] == "Choose one of photographic, anime"
    values, errors = validate_values(schema_model(), {"style": " anime "})
    assert values["style"] == "anime" and "style" not in errors
    values, _ = validate_values(schema_model(), {"prompt": 42})
    assert values["prompt"] == "42"
    _, errors = validate_values(schema_model(), {"prompt": {"nested": 1}})
    assert errors["prompt"] == "Must be text"


def test_missing_keys_take_defaults_and_empty_optional_values_are_left_out() -> None:
    values, errors = validate_values(schema_model(), {"prompt": "a boat", "negative_prompt": "", "seed": ""})
    assert values["duration"] == 8
    assert values["width"] == 1024
    assert values["enable_safety_checker"] is True
    assert values["negative_prompt"] is None
    assert values["seed"] is None
    assert set(errors) == {"image"}
    assert errors["image"] == "Required"


# -- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "typed", "error"),
    [
        ("1024", 1024, None),
        ("  768 ", 768, None),
        (640.0, 640, None),
        ("1e3", 1000, None),
        ("4000", 4000, "Must be between 512 and 2048"),
        ("100", 100, "Must be between 512 and 2048"),
        ("abc", None, "Not a number"),
        ("12.5", None, "Must be a whole number"),
        ("nan", None, "Not a number"),
        ("inf", None, "Not a number"),
        (True, None, "Not a number"),
        ([1], None, "Not a number"),
    ],
)
def test_integer(raw, typed, error) -> None:
    values, errors = validate_values(schema_model(), {"width": raw})
    assert values["width"] == typed
    assert errors.get("width") == error


def test_integer_options_and_one_sided_ranges() -> None:
    _, errors = validate_values(schema_model(), {"duration": "7"})
    assert errors["duration"] == "Choose one of 5, 8, 10, 15"
    values, errors = validate_values(schema_model(), {"duration": "10"})
    assert values["duration"] == 10 and "duration" not in errors
    _, errors = validate_values(schema_model(), {"seed": "-1"})
    assert errors["seed"] == "Must be at least 0"
    _, errors = validate_values(schema_model(), {"steps": "101"})
    assert errors["steps"] == "Must be at most 100"


@pytest.mark.parametrize(
    ("raw", "typed", "error"),
    [
        ("5.5", 5.5, None),
        ("0", 0.0, None),
        (7, 7, None),
        ("20.5", 20.5, "Must be between 0 and 20"),
        ("-0.1", -0.1, "Must be between 0 and 20"),
        ("five", None, "Not a number"),
    ],
)
def test_number(raw, typed, error) -> None:
    values, errors = validate_values(schema_model(), {"guidance": raw})
    assert values["guidance"] == typed
    assert errors.get("guidance") == error


def test_fractional_limits_are_written_as_numbers() -> None:
    speed = param("speed", "number", min=0.25, max=4)
    assert validate_value(speed, "5") == (5.0, "Must be between 0.25 and 4")


# -- booleans --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "typed"),
    [("true", True), ("on", True), ("TRUE", True), ("1", True), (True, True), (1, True),
     ("false", False), ("off", False), ("0", False), (False, False), (0, False)],
)  # fmt: skip
def test_boolean(raw, typed) -> None:
    values, errors = validate_values(schema_model(), {"enable_safety_checker": raw})
    assert values["enable_safety_checker"] is typed
    assert "enable_safety_checker" not in errors


def test_boolean_rejects_other_text() -> None:
    _, errors = validate_values(schema_model(), {"enable_safety_checker": "maybe"})
    assert errors["enable_safety_checker"] == "Must be true or false"


# -- arrays ----------------------------------------------------------------------------------------


def test_array_from_lines_or_list() -> None:
    values, errors = validate_values(schema_model(), {"texts": "one\n\n two \nthree\n"})
    assert values["texts"] == ["one", "two", "three"]
    assert "texts" not in errors
    values, _ = validate_values(schema_model(), {"texts": ["a", "", "b"]})
    assert values["texts"] == ["a", "b"]
    values, _ = validate_values(schema_model(), {"texts": '["x", "y"]'})
    assert values["texts"] == ["x", "y"]


def test_array_limits() -> None:
    _, errors = validate_values(schema_model(), {"texts": "a\nb\nc\nd"})
    assert errors["texts"] == "At most 3 items (you have 4)"
    _, errors = validate_values(schema_model(), {"texts": "short\n" + "y" * 12})
    assert errors["texts"] == "Line 2: at most 10 characters (you have 12)"
    _, errors = validate_values(schema_model(), {"texts": 5})
    assert errors["texts"] == "Must be a list (one item per line)"
    required = param("input", "array", required=True, min=2)
    assert validate_value(required, "\n \n") == (None, "Required")
    assert validate_value(required, "only one")[1] == "At least 2 items (you have 1)"


def test_chat_messages() -> None:
    messages = param("messages", "array", required=True)
    assert validate_value(messages, "Hello") == ([{"role": "user", "content": "Hello"}], None)
    history = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert validate_value(messages, history) == (history, None)
    assert validate_value(messages, [{"role": "robot", "content": "x"}])[1].startswith("Message 1 has an unknown role")
    assert validate_value(messages, [{"role": "user"}])[1] == "Message 1 has no content"
    assert validate_value(messages, [{"role": "user", "content": "  "}])[1] == "Required"
    assert validate_value(messages, "[not json")[1].startswith("Not valid JSON")


# -- files -----------------------------------------------------------------------------------------


def test_uploaded_image_is_accepted_and_typed_by_its_bytes() -> None:
    ref = upload("photo.png", png_bytes(32, 32), "application/octet-stream")
    values, errors = validate_values(schema_model(), {"image": ref, "prompt": "go"})
    assert errors == {}
    assert values["image"]["content_type"] == "image/png"
    assert values["image"]["size"] == Path(ref["path"]).stat().st_size


def test_wrong_file_type_by_name_or_by_magic_bytes() -> None:
    gif = upload("anim.gif", b"GIF89a" + b"\0" * 40, "image/gif")
    _, errors = validate_values(schema_model(), {"image": gif, "prompt": "go"})
    assert errors["image"] == "PNG, JPEG or WebP only"
    # A text file renamed to .png is caught by its first bytes.
    fake = upload("fake.png", b"this is not an image at all", "image/png")
    _, errors = validate_values(schema_model(), {"image": fake, "prompt": "go"})
    assert errors["image"] == "PNG, JPEG or WebP only"


def test_a_decompression_bomb_or_lying_header_is_refused_before_a_run() -> None:
    # A valid PNG whose header declares 50,000 × 50,000 pixels passes the magic-byte check but not the probe.
    bomb = upload("huge.png", png_claiming(50_000, 50_000), "image/png")
    _, errors = validate_values(schema_model(), {"image": bomb, "prompt": "go"})
    assert errors["image"] == "The PNG image declares 2,500,000,000 pixels; the limit is 40 megapixels"
    # The same check guards a file saved from the playground's upload zone: nothing is saved.
    saved, problem = save_upload(image_param(), "huge.png", "image/png", png_claiming(50_000, 50_000))
    assert saved is None and problem == "The PNG image declares 2,500,000,000 pixels; the limit is 40 megapixels"
    fine, problem = save_upload(image_param(), "ok.png", "image/png", png_bytes(32, 32))
    assert fine is not None and problem == "" and fine.path.read_bytes() == png_bytes(32, 32)


def test_file_size_limit() -> None:
    big = upload("big.png", png_bytes(8, 8) + b"\0" * (31 * 1024 * 1024), "image/png")
    p = image_param()
    p.max_bytes = 25 * 1024 * 1024
    assert validate_value(p, big)[1] == "File is 31 MB; the limit is 25 MB"
    decimal = param("file", "file", max_bytes=25_000_000)
    assert check_upload(decimal, "a.wav", "audio/wav", 31_200_000, wav_bytes(0.1)) == (
        "File is 31.2 MB; the limit is 25 MB"
    )


def test_file_urls_and_other_values() -> None:
    p = image_param()
    assert validate_value(p, "https://example.com/cat.png") == ("https://example.com/cat.png", None)
    assert validate_value(p, "https://example.com/image?id=3") == ("https://example.com/image?id=3", None)
    assert validate_value(p, "https://example.com/cat.gif")[1] == "PNG, JPEG or WebP only"
    assert validate_value(p, {"url": "https://example.com/a.jpg"}) == ("https://example.com/a.jpg", None)
    assert validate_value(p, "cat.png")[1] == "Upload a file or paste an http(s) URL"
    assert validate_value(p, 12)[1] == "Upload a file or paste an http(s) URL"
    assert validate_value(p, {"filename": "x.png"})[1] == "Upload a file or paste an http(s) URL"


def test_uploads_must_live_in_the_data_folder(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_bytes(8, 8))
    ref = {"filename": "elsewhere.png", "content_type": "image/png", "path": str(outside), "size": 10}
    assert validate_value(image_param(), ref)[1] == "The upload is gone; pick the file again"
    gone = upload("gone.png", png_bytes(8, 8), "image/png")
    Path(gone["path"]).unlink()
    assert validate_value(image_param(), gone)[1] == "The upload is gone; pick the file again"


def test_check_upload_for_audio_and_video_types() -> None:
    audio = param("file", "file", accept=AUDIO_ACCEPT, max_bytes=26214400)
    assert check_upload(audio, "speech.wav", "audio/wav", 1000, wav_bytes(0.1)) is None
    assert check_upload(audio, "clip.mp4", "video/mp4", 1000, mp4_bytes(16, 16, 0.25, 8)) is None
    assert check_upload(audio, "photo.png", "image/png", 1000, png_bytes(8, 8)) == (
        "MP3, WAV, WebM, OGG, FLAC or MP4 only"
    )
    assert check_upload(audio, "speech.wav", "audio/wav", 0, b"") == "The file is empty"
    # A parameter without `accept` takes any type, within the upload limit.
    anything = param("file", "file")
    assert check_upload(anything, "notes.txt", "text/plain", 100, b"hello") is None


# -- never raises ----------------------------------------------------------------------------------

_ODD_VALUES = [
    None, "", " ", "0", "-1", "1e309", "NaN", "[", "[1, 2", "{}", "\x00", "é" * 3000, 0, -5, 3.5, math.inf,
    True, [], [None], [{}], [1, "a"], {}, {"path": "/etc/passwd"}, {"path": 5}, {"url": "ftp://x"},
    object(), b"bytes", ("t",), {"role": "user"},
]  # fmt: skip
_TYPES = ["string", "integer", "number", "boolean", "array", "file"]


@pytest.mark.parametrize("type_", _TYPES)
def test_never_raises_for_any_value_of_any_type(type_: str) -> None:
    variants = [
        param("field", type_),
        param("field", type_, required=True),
        param("field", type_, min=1, max=3, max_length=4),
        param("field", type_, options=[1, "two"]),
        param("messages", type_, required=True),
        param("field", type_, accept=IMAGE_ACCEPT, max_bytes=10),
    ]
    for p, value in itertools.product(variants, _ODD_VALUES):
        typed, error = validate_value(p, value)
        assert error is None or isinstance(error, str)
        m = model("m", "Image", "/v1/multimodal/image", [p])
        values, errors = validate_values(m, {"field": value, "messages": value})
        assert set(values) == {p.name}
        assert all(isinstance(e, str) for e in errors.values())


def test_never_raises_for_a_raw_that_is_not_a_mapping() -> None:
    m = schema_model()
    for raw in (None, [], "text", 5, [("prompt", "x")]):
        values, errors = validate_values(m, raw)  # type: ignore[arg-type]
        assert isinstance(values, dict) and isinstance(errors, dict)


def test_model_without_schema_passes_values_through() -> None:
    bare = model("bare", "Image", "/v1/multimodal/image", [])
    assert validate_values(bare, {"anything": "goes"}) == ({"anything": "goes"}, {})


def test_builtin_catalog_defaults_validate(catalog) -> None:
    """Every built-in model's defaults plus a filled required text field are valid (files aside)."""
    for m in catalog.values():
        raw = {
            p.name: "A short test prompt" for p in m.parameters if p.required and p.type == "string" and not p.options
        }
        raw.update({p.name: "https://example.com/input.png" for p in m.parameters if p.type == "file" and p.accept
                    and "image/png" in p.accept})  # fmt: skip
        raw.update({p.name: "hello\nworld" for p in m.parameters if p.type == "array"})
        raw.update({p.name: "https://example.com/a.wav" for p in m.parameters if p.type == "file" and p.name == "file"})
        _, errors = validate_values(m, raw)
        assert errors == {}, (m.slug, errors)
