"""The JSON registry against the real FastAPI app the Reflex server mounts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ai_registry.aggregator.runtime import catalog_index
from ai_registry.backend import build_backend
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.store.api_keys import create_api_key, revoke_api_key
from ai_registry.store.db import session_scope

# Each test works on its own migrated database (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("migrated_db")


def new_key(name: str = "tests") -> tuple[int, str]:
    with session_scope() as session:
        row, raw = create_api_key(session=session, name=name)
        return row.id, raw


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client that sends a valid key of this server with every request."""
    _id, raw = new_key()
    with TestClient(build_backend(), headers={"Authorization": f"Bearer {raw}"}) as client:
        yield client


def test_every_route_needs_a_key() -> None:
    key_id, raw = new_key("script")
    with TestClient(build_backend()) as anonymous:
        for path in ("/api/models", "/api/models/gpt-4", "/api/models/gpt-4/readme"):
            response = anonymous.get(path)
            assert response.status_code == 401 and "Missing API key" in response.json()["detail"]
            assert anonymous.get(path, headers={"Authorization": "Bearer air_wrong"}).status_code == 401
            assert anonymous.get(path, headers={"X-API-Key": raw}).status_code == 200
            assert anonymous.get(path, headers={"Authorization": f"Bearer {raw}"}).status_code == 200
        with session_scope() as session:
            assert revoke_api_key(session=session, key_id=key_id)
        assert anonymous.get("/api/models", headers={"X-API-Key": raw}).status_code == 401
        # The document that describes the API stays readable without a key.
        assert anonymous.get("/openapi.json").status_code == 200


def all_slugs(client: TestClient, **params) -> list[str]:
    body = client.get("/api/models", params={**params, "per_page": 100}).json()
    return [m["slug"] for m in body["models"]]


def test_lists_every_model_with_defaults(client):
    response = client.get("/api/models")
    assert response.status_code == 200
    body = response.json()
    total = len(catalog_index())
    assert body["total"] == total
    assert (body["page"], body["per_page"], body["category"], body["sort"], body["q"]) == (1, 50, "All", "newest", "")
    assert len(body["models"]) == min(total, 50)
    builtin = {m.slug for m in load_builtin_catalog()}
    assert builtin <= {m["slug"] for m in body["models"]}


def test_list_items_are_unified_models_without_readme(client):
    models = client.get("/api/models").json()["models"]
    for record in models:
        assert "readme" not in record
        parsed = UnifiedAIModel.model_validate(record)
        assert parsed.slug == record["slug"]
    gpt4 = next(m for m in models if m["slug"] == "gpt-4")
    assert gpt4["category"] == "Coding"
    assert gpt4["endpoint"]


def test_pages_cover_the_list_without_overlap(client):
    full = all_slugs(client)
    pages = []
    for page in range(1, 100):
        body = client.get("/api/models", params={"page": page, "per_page": 4}).json()
        assert body["total"] == len(full)
        if not body["models"]:
            break
        assert len(body["models"]) <= 4
        pages.extend(m["slug"] for m in body["models"])
    assert pages == full


def test_page_beyond_the_end_is_empty(client):
    body = client.get("/api/models", params={"page": 999}).json()
    assert body["models"] == [] and body["total"] == len(catalog_index()) and body["page"] == 999


def test_category_filter_matches_the_gallery(client):
    body = client.get("/api/models", params={"category": "video", "per_page": 100}).json()
    assert body["category"] == "Video"
    expected = [m.slug for m in catalog_index().query(category="Video")]
    assert [m["slug"] for m in body["models"]] == expected
    assert {"sora-2-i2v", "seedance-i2v", "cogvideox-2b"} <= set(expected)
    assert body["total"] == len(expected)


def test_search_and_sort(client):
    body = client.get("/api/models", params={"q": "  bge   large ", "sort": "name"}).json()
    assert body["q"] == "bge large" and body["sort"] == "name"
    assert [m["slug"] for m in body["models"]] == ["bge-large-en-v1-5"]
    by_name = client.get("/api/models", params={"sort": "name", "per_page": 100}).json()["models"]
    names = [m["name"].casefold() for m in by_name]
    assert names == sorted(names)
    oldest = all_slugs(client, sort="oldest")
    newest = all_slugs(client, sort="newest")
    assert oldest != newest and set(oldest) == set(newest)


def test_bad_category_and_sort_fall_back_like_the_gallery(client):
    body = client.get("/api/models", params={"category": "Robots", "sort": "sideways"}).json()
    assert (body["category"], body["sort"]) == ("All", "newest")
    assert body["total"] == len(catalog_index())


def test_search_without_hits(client):
    body = client.get("/api/models", params={"q": "no-such-model-anywhere"}).json()
    assert body["models"] == [] and body["total"] == 0


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page": -1}, {"page": "two"}, {"per_page": 0}, {"per_page": 101}, {"per_page": "many"}],
)
def test_bad_paging_is_a_422_with_details(client, params):
    response = client.get("/api/models", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in params


def test_per_page_bounds_are_accepted(client):
    assert len(client.get("/api/models", params={"per_page": 1}).json()["models"]) == 1
    body = client.get("/api/models", params={"per_page": 100}).json()
    assert len(body["models"]) == min(100, body["total"])


def test_one_model_in_full(client):
    response = client.get("/api/models/whisper-transcription")
    assert response.status_code == 200
    model = UnifiedAIModel.model_validate(response.json())
    assert model.slug == "whisper-transcription" and model.category == "Audio"
    assert model.readme and model.readme.startswith("#")
    assert model.parameters


def test_unknown_slug_is_a_json_404(client):
    for path in ("/api/models/no-such-model", "/api/models/no-such-model/readme"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert "no-such-model" in response.json()["detail"]


def test_readme_is_markdown(client):
    response = client.get("/api/models/gpt-4/readme")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    expected = next(m for m in load_builtin_catalog() if m.slug == "gpt-4").readme
    assert response.text == expected


def test_openapi_document_describes_the_registry(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    assert {"/api/models", "/api/models/{slug}", "/api/models/{slug}/readme"} <= set(paths)
    listing = paths["/api/models"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) == {"category", "q", "sort", "page", "per_page"}
    assert params["per_page"]["schema"]["maximum"] == 100
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ModelPage")
    schemas = doc["components"]["schemas"]
    assert "readme" not in schemas["ModelSummary"]["properties"]
    assert "readme" in schemas["UnifiedAIModel"]["properties"]
    assert "404" in paths["/api/models/{slug}"]["get"]["responses"]
    assert "text/markdown" in paths["/api/models/{slug}/readme"]["get"]["responses"]["200"]["content"]
    assert client.get("/docs").status_code == 200


def test_reads_refresh_the_catalog_when_due(client, monkeypatch):
    from ai_registry.aggregator import runtime

    calls = []
    real = runtime.refresh_catalog

    async def counting(*, force: bool = False):
        calls.append(force)
        return await real(force=force)

    monkeypatch.setattr("ai_registry.api.routes.refresh_catalog", counting)
    client.get("/api/models")
    client.get("/api/models/gpt-4")
    client.get("/api/models/gpt-4/readme")
    assert calls == [False, False, False]


def test_a_model_without_readme_is_a_json_404(client, monkeypatch):
    bare = next(m for m in load_builtin_catalog() if m.slug == "tts").model_copy(update={"readme": None})
    monkeypatch.setattr("ai_registry.api.routes.find_model", lambda slug: bare if slug == "tts" else None)
    response = client.get("/api/models/tts/readme")
    assert response.status_code == 404
    assert response.json() == {"detail": "The model 'tts' has no readme."}
