"""The registry API and the curation: a hidden model is gone for a member's key, there for an admin's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from ai_registry.catalog.curation import Curation
from ai_registry.store.api_keys import create_api_key
from ai_registry.store.curation import save_curation
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")


def key_of(role: str) -> str:
    session_token(role)
    with session_scope() as session:
        owner = get_user_by_email(session=session, email=f"{role}@example.org")
        return create_api_key(session=session, name=role, owner_id=owner.id)[1]


def test_hidden_models_are_listed_and_served_to_admin_keys_only() -> None:
    with session_scope() as session:
        save_curation(session=session, entry=Curation("gpt-4", hidden=True, aliases=("four",)))
    member, admin = key_of("member"), key_of("admin")
    with TestClient(build_backend()) as client:
        def get(path: str, key: str, **params):
            return client.get(path, params=params, headers={"X-API-Key": key})

        listed = get("/api/models", member, per_page=100).json()
        assert "gpt-4" not in [m["slug"] for m in listed["models"]]
        assert get("/api/models", member, q="four").json()["total"] == 0
        assert get("/api/models/gpt-4", member).status_code == 404
        assert get("/api/models/gpt-4/readme", member).status_code == 404
        everything = get("/api/models", admin, per_page=100).json()
        assert everything["total"] == listed["total"] + 1
        found = get("/api/models", admin, q="four").json()["models"]
        assert [(m["slug"], m["hidden"], m["aliases"]) for m in found] == [("gpt-4", True, ["four"])]
        assert get("/api/models/gpt-4", admin).json()["hidden"] is True
