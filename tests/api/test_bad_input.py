"""Hostile query strings and paths to the registry API: a 4xx in its own `{"detail": ...}` shape, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from tests.api.test_registry_api import new_key

pytestmark = pytest.mark.usefixtures("migrated_db")


@pytest.fixture
def client() -> Iterator[TestClient]:
    _id, raw = new_key()
    with TestClient(build_backend(), headers={"X-API-Key": raw}) as client:
        yield client


# (url as sent, expected status, a word the error must contain: the field's name)
CASES = [
    ("/api/models?q=a%00b", 400, "q"),
    ("/api/models?category=%00", 400, "category"),
    ("/api/models?sort=new%00est", 400, "sort"),
    ("/api/models/gpt%004", 400, "slug"),
    ("/api/models/gpt%004/readme", 400, "slug"),
    ("/api/models?page=%00", 400, "page"),
    ("/api/models?page=1e9999", 422, "page"),
    ("/api/models?page=99999999999999999999999999", 200, None),
    ("/api/models?per_page=-5", 422, "per_page"),
    ("/api/models?per_page=" + "9" * 5000, 422, "per_page"),
    ("/api/models?q=" + "x" * 20_000, 200, None),
    ("/api/models?q=%ED%B0%80", 200, None),  # a UTF-8-encoded surrogate decodes to U+FFFD
    ("/api/models?q=%FF%FE", 200, None),
]


@pytest.mark.parametrize(("url", "status", "field"), CASES)
def test_bad_query_or_path_is_a_4xx_naming_the_field(client: TestClient, url: str, status: int, field: str | None):
    response = client.get(url)
    assert response.status_code == status, response.text[:300]
    if field is not None:
        detail = response.json()["detail"]
        text = detail if isinstance(detail, str) else str(detail[0]["loc"])
        assert field in text


def test_a_json_body_on_a_get_is_ignored(client: TestClient):
    body = ("[" * 100_000 + "]" * 100_000).encode()
    response = client.request("GET", "/api/models", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
