from ai_registry.kinds import build_request, example_values, kind_for
from tests.kinds.factories import image_model, model, param


def test_example_values_cover_every_parameter() -> None:
    values = example_values(image_model())
    assert set(values) == {"prompt", "width", "height", "style"}
    assert values["prompt"].strip()
    assert (values["width"], values["height"]) == (1024, 1024)
    assert values["style"] == "photographic"


def test_image_body_is_flat_json() -> None:
    spec = build_request(image_model(), {"prompt": "a red fox", "width": 768.0, "style": "anime"})
    assert kind_for(image_model()).name == "image"
    assert (spec.method, spec.path, spec.output) == ("POST", "/v1/multimodal/image", "image")
    assert spec.json == {"prompt": "a red fox", "width": 768, "height": 1024, "style": "anime"}
    assert isinstance(spec.json["width"], int)  # a slider's 768.0 goes out as an integer
    assert spec.timeout_s == 120


def test_empty_optional_style_is_dropped() -> None:
    spec = build_request(image_model(), {"prompt": "a red fox", "style": ""})
    assert "style" not in spec.json
    spec = build_request(image_model(), {"prompt": "a red fox", "style": None})
    assert "style" not in spec.json


def test_unknown_keys_are_ignored() -> None:
    spec = build_request(image_model(), {"prompt": "x", "not_a_parameter": 1})
    assert "not_a_parameter" not in spec.json


def test_uploaded_image_to_edit_is_marked_for_the_caller() -> None:
    m = model("edit", "Image", "/v1/multimodal/image", [param("prompt", required=True), param("image", "file")])
    upload = {"filename": "my photo.png", "content_type": "image/png", "path": "/tmp/up/abc.png"}
    spec = build_request(m, {"prompt": "make it blue", "image": upload})
    (part,) = spec.files
    assert part.json_path == ("image",)
    assert part.path == "/tmp/up/abc.png"
    assert part.filename == "my_photo.png"
    assert spec.json["image"] == part.placeholder_url
