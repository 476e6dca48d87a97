import pytest

from ai_registry.catalog.endpoint import endpoint_path, endpoint_route, normalize_prefix


@pytest.mark.parametrize(
    ("endpoint", "prefix", "expected"),
    [
        ("/v1/multimodal/image", "/v1", "/v1/multimodal/image"),
        ("/v1/multimodal/image", "/api/v1", "/api/v1/multimodal/image"),
        ("/v1/multimodal/image", "api/v1/", "/api/v1/multimodal/image"),
        ("/v1/audio/speech", "", "/audio/speech"),
        ("/v1/audio/speech", "/", "/audio/speech"),
        ("/api/v1/embeddings", "/v1", "/v1/embeddings"),
        ("v1/chat/completions", "/api/v1", "/api/v1/chat/completions"),
        ("/v1", "/api/v1", "/api/v1"),
        # Only a whole leading segment is a prefix.
        ("/v10/things", "/api/v1", "/v10/things"),
        ("/other/v1/run", "/api/v1", "/other/v1/run"),
        ("https://example.com/v1/run", "/api/v1", "https://example.com/v1/run"),
    ],
)
def test_endpoint_path_replaces_the_leading_v1(endpoint: str, prefix: str, expected: str) -> None:
    assert endpoint_path(endpoint, prefix) == expected


def test_endpoint_path_defaults_to_v1() -> None:
    assert endpoint_path("/v1/wan-2-2-i2v-720/run") == "/v1/wan-2-2-i2v-720/run"


def test_endpoint_route_and_prefix_normalization() -> None:
    assert endpoint_route("/v1/audio/transcriptions") == "/audio/transcriptions"
    assert endpoint_route("/api/v1/audio/transcriptions") == "/audio/transcriptions"
    assert endpoint_route("/custom/run") == "/custom/run"
    assert normalize_prefix(" /api/v1/ ") == "/api/v1"
    assert normalize_prefix("") == ""
