"""With the real key store: a key created in developer settings works; a revoked one gets 401."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from fastapi import FastAPI
from openai import OpenAI
from sqlmodel import SQLModel

from ai_registry.local.api import build_local_router
from ai_registry.local.engine import LocalEngine
from ai_registry.store.api_keys import create_api_key, revoke_api_key
from ai_registry.store.db import get_engine as get_database
from ai_registry.store.db import session_scope
from tests.local.conftest import LoopbackServer


def test_created_keys_work_and_revoked_keys_do_not(engine: LocalEngine, isolated_data_dir: Path) -> None:
    SQLModel.metadata.create_all(get_database())
    with session_scope() as session:
        _, active = create_api_key(session=session, name="openai sdk test")
        old, revoked = create_api_key(session=session, name="old script")
    with session_scope() as session:
        assert revoke_api_key(session=session, key_id=old.id)

    app = FastAPI()
    app.include_router(build_local_router(engine))  # no override: the store checks the keys
    with LoopbackServer(app) as server:
        with OpenAI(base_url=f"{server.url}/v1", api_key=active, max_retries=0) as good:
            result = good.embeddings.create(model="all-minilm-l6-v2", input="hello")
            assert len(result.data[0].embedding) == 384
        for key in (revoked, "air_not-a-real-key", "sk-wrong-prefix"):
            with (
                OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0) as bad,
                pytest.raises(openai.AuthenticationError),
            ):
                bad.embeddings.create(model="all-minilm-l6-v2", input="hello")
