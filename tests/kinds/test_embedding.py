from ai_registry.kinds import build_request, example_values, kind_for
from ai_registry.kinds.embedding import EXAMPLE_TEXTS
from tests.kinds.factories import embedding_model


def test_openai_style_body_with_normalize() -> None:
    spec = build_request(embedding_model(), {})
    assert kind_for(embedding_model()).name == "embedding"
    assert (spec.path, spec.output) == ("/v1/embeddings", "embeddings")
    assert spec.json == {"input": EXAMPLE_TEXTS, "model": "BAAI/bge-small-en-v1.5", "normalize": True}


def test_person_values() -> None:
    spec = build_request(embedding_model(), {"input": ["one"], "normalize": False})
    assert spec.json == {"input": ["one"], "model": "BAAI/bge-small-en-v1.5", "normalize": False}


def test_string_parameter_gets_one_sentence() -> None:
    m = embedding_model(text_type="string")
    assert example_values(m)["input"] == EXAMPLE_TEXTS[0]
    assert build_request(m, {}).json["input"] == EXAMPLE_TEXTS[0]


def test_project_generate_route_takes_texts() -> None:
    m = embedding_model("/v1/public/{project_id}/embeddings/generate")
    spec = build_request(m, {"input": "just one"}, prefix="/api/v1")
    assert spec.path == "/api/v1/public/{project_id}/embeddings/generate"
    assert spec.json == {"texts": ["just one"], "model": "BAAI/bge-small-en-v1.5", "normalize": True}
