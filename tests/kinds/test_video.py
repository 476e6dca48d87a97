import pytest

from ai_registry.kinds import build_request, example_values, kind_for
from tests.kinds.factories import IMAGE_URL, cogvideox_model, i2v_model, model, param, t2v_model, wan_model


def test_wan_runpod_body_nests_input() -> None:
    spec = build_request(wan_model(), {})
    assert kind_for(wan_model()).name == "video"
    assert (spec.path, spec.output, spec.timeout_s) == ("/v1/wan-2-2-i2v-720/run", "video", 180)
    body = spec.json
    assert list(body)[0] == "input"
    assert set(body["input"]) == {"prompt", "image", "negative_prompt"}
    assert body["input"]["image"] == IMAGE_URL
    assert body["input"]["prompt"].strip()
    assert body["num_inference_steps"] == 40
    assert body["guidance"] == 5
    assert body["size"] == "1280*720"
    assert body["duration"] == 8
    assert body["seed"] == 42
    assert body["enable_prompt_optimization"] is False
    assert body["enable_safety_checker"] is True
    assert "prompt" not in body and "image" not in body
    assert spec.files == []


def test_wan_values_from_the_form() -> None:
    spec = build_request(
        wan_model(),
        {
            "prompt": "the boat turns left",
            "image": "https://example.com/boat.jpg",
            "negative_prompt": "",
            "seed": None,
            "duration": 5,
            "num_inference_steps": 30.0,
        },
    )
    assert spec.json["input"] == {"prompt": "the boat turns left", "image": "https://example.com/boat.jpg"}
    assert "seed" not in spec.json
    assert spec.json["duration"] == 5
    assert spec.json["num_inference_steps"] == 30 and isinstance(spec.json["num_inference_steps"], int)


def test_wan_uploaded_image_is_left_for_the_inference_layer() -> None:
    upload = {"filename": "boat.png", "content_type": "image/png", "path": "/data/uploads/boat.png"}
    spec = build_request(wan_model(), {"image": upload})
    (part,) = spec.files
    assert part.field == "image"
    assert part.json_path == ("input", "image")
    assert part.path == "/data/uploads/boat.png"
    assert part.content_type == "image/png"
    # No data: URI is built here; the body holds the stand-in the caller replaces.
    assert spec.json["input"]["image"] == part.placeholder_url
    assert "<contents of boat.png>" in part.placeholder_url
    assert spec.form is None


def test_i2v_body() -> None:
    spec = build_request(i2v_model(), {"motion_prompt": "pan right"})
    assert spec.path == "/v1/multimodal/video/i2v"
    assert spec.json == {"image_url": IMAGE_URL, "motion_prompt": "pan right", "provider": "seedance"}


@pytest.mark.parametrize(
    ("model_id", "provider"), [("wan22-i2v", "wan22"), ("seedance-i2v", "seedance"), ("sora2-i2v", "sora2")]
)
def test_i2v_provider_derived_when_not_declared(model_id: str, provider: str) -> None:
    spec = build_request(i2v_model(model_id, declare_provider=False), {})
    assert spec.json["provider"] == provider


def test_i2v_accepts_runpod_parameter_names() -> None:
    # The same Wan parameters sent to the multimodal route: names map onto that route's fields.
    m = model("wan22-i2v", "Video", "/v1/multimodal/video/i2v", [param("image", "file"), param("prompt")])
    spec = build_request(m, {"prompt": "zoom in", "image": "https://example.com/a.png"})
    assert spec.json == {"image_url": "https://example.com/a.png", "motion_prompt": "zoom in", "provider": "wan22"}


def test_i2v_upload_goes_to_image_url() -> None:
    upload = {"filename": "cat.jpg", "content_type": "image/jpeg", "path": "/u/cat.jpg"}
    spec = build_request(i2v_model(), {"image_url": upload})
    (part,) = spec.files
    assert part.json_path == ("image_url",)
    assert spec.json["image_url"] == part.placeholder_url


def test_t2v_body() -> None:
    spec = build_request(t2v_model(), {"prompt": "a drone shot", "duration": 3})
    assert spec.json == {"prompt": "a drone shot", "duration": 3}
    assert spec.path == "/v1/multimodal/video/t2v"


def test_cogvideox_body_and_spec_name_for_steps() -> None:
    assert build_request(cogvideox_model(), {}).json == {
        "prompt": example_values(cogvideox_model())["prompt"],
        "num_frames": 49,
        "guidance_scale": 6.0,
        "num_inference_steps": 50,
    }
    # The spec calls it `inference_steps`; the route reads `num_inference_steps`.
    spec = build_request(cogvideox_model("inference_steps"), {"inference_steps": 20, "num_frames": 17})
    assert spec.json["num_inference_steps"] == 20
    assert "inference_steps" not in spec.json
    assert spec.json["num_frames"] == 17


def test_example_values_for_video() -> None:
    values = example_values(wan_model())
    assert values["image"] == IMAGE_URL
    assert values["prompt"].strip() and values["negative_prompt"].strip()
    assert set(values) == {p.name for p in wan_model().parameters}
