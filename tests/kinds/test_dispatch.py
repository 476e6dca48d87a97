"""The dispatcher over every model of the built-in catalog, and route-before-category dispatch."""

import pytest

from ai_registry import kinds as request_module
from ai_registry.catalog import builtin
from ai_registry.kinds import FilePart, RequestSpec, build_request, example_values, kind_for
from tests.kinds.factories import ALL_FACTORIES, model, param


def _catalog():
    if not builtin.CATALOG_FILE.is_file():
        pytest.skip("the built-in catalog data file does not exist yet")
    return builtin.load_builtin_catalog()


def test_request_types_are_importable_from_the_request_module() -> None:
    assert request_module.FilePart is FilePart
    assert request_module.RequestSpec is RequestSpec


@pytest.mark.parametrize("name", sorted(ALL_FACTORIES))
def test_every_category_builds_a_request_with_every_parameter(name: str) -> None:
    m = ALL_FACTORIES[name]()
    values = example_values(m)
    assert set(values) == {p.name for p in m.parameters}
    spec = build_request(m, {})
    assert spec.method == "POST"
    assert (spec.json is None) != (spec.form is None)


def test_route_decides_before_category() -> None:
    # A speech-to-text model filed under "Coding" still builds a multipart upload.
    m = model("odd", "Coding", "/v1/audio/transcriptions", [param("file", "file")])
    assert kind_for(m).name == "audio"
    assert build_request(m, {}).is_multipart


def test_unknown_route_falls_back_to_the_category() -> None:
    m = model("custom", "Image", "/v1/providers/acme/generate", [param("prompt", required=True)])
    assert kind_for(m).name == "image"
    assert build_request(m, {}).json == {"prompt": example_values(m)["prompt"]}


def test_get_models_send_values_as_query() -> None:
    m = model("lookup", "Embedding", "/v1/lookup", [param("q", default="a b")], method="GET")
    spec = build_request(m, {}, prefix="/api/v1")
    assert (spec.method, spec.path, spec.json, spec.form) == ("GET", "/api/v1/lookup?q=a+b", None, None)


def test_builtin_catalog_every_model() -> None:
    expected = {
        "Coding": "chat",
        "Image": "image",
        "Video": "video",
        "Audio": "audio",
        "Embedding": "embedding",
    }
    for m in _catalog():
        assert kind_for(m).name == expected[m.category], m.id
        values = example_values(m)
        missing = {p.name for p in m.parameters} - set(values)
        assert not missing, (m.id, missing)
        spec = build_request(m, {}, prefix="/api/v1")
        assert spec.path.startswith("/api/v1/"), m.id
        assert spec.method == m.method


def test_builtin_wan_matches_the_spec_example() -> None:
    wan = next((m for m in _catalog() if m.endpoint.endswith("/wan-2-2-i2v-720/run")), None)
    if wan is None:
        pytest.skip("no RunPod-style Wan model in the catalog")
    body = build_request(wan, {}).json
    assert set(body["input"]) >= {"prompt", "image"}
    assert body["num_inference_steps"] == 40 and body["guidance"] == 5
    assert body["size"] == "1280*720" and body["duration"] == 8
