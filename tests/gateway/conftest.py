"""A registry serving its gateway on the loopback interface, with the loopback contract server as its
upstream, the administrator's upstream key saved, and people of each role with keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from ai_registry.backend import build_backend
from ai_registry.identity.accounts import create_user
from ai_registry.identity.keys import create_key_for
from ai_registry.identity.upstream_secret import set_upstream_key
from ai_registry.inference import rate_limit
from ai_registry.store.db import session_scope
from tests.local.conftest import LoopbackServer
from tests.support.contract_server import ContractServer

UPSTREAM_KEY = "admin-upstream-key-0123"
PASSWORD = "correct horse battery staple"


@dataclass
class Gateway:
    """The running registry: its base URL (with /v1), the upstream, and keys by name."""

    url: str
    upstream: ContractServer
    keys: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    key_ids: dict[str, int] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


@pytest.fixture(scope="session")
def contract() -> Iterator[ContractServer]:
    with ContractServer(api_key=UPSTREAM_KEY, prefix="/v1") as server:
        yield server


def make_people(gateway: Gateway) -> None:
    with session_scope() as session:
        for role in ("admin", "member", "viewer"):
            user = create_user(
                session=session,
                email=f"{role}@example.org",
                password=PASSWORD,
                role="member" if role == "viewer" else role,
            )
            gateway.user_ids[role] = user.id
            row, raw = create_key_for(session=session, owner=user, name=f"{role} script")
            gateway.keys[role], gateway.key_ids[role] = raw, row.id
        row, raw = create_key_for(
            session=session, owner=session.get(type(user), gateway.user_ids["member"]), name="second"
        )
        gateway.keys["member2"], gateway.key_ids["member2"] = raw, row.id
        set_upstream_key(session=session, value=UPSTREAM_KEY)
    # The viewer got a key while a member, then was demoted: the key must open nothing.
    from ai_registry.identity.accounts import change_role
    from ai_registry.store.users import get_user_by_email

    with session_scope() as session:
        change_role(session=session, user=get_user_by_email(session=session, email="viewer@example.org"), role="viewer")


@pytest.fixture
def gateway(migrated_db, contract: ContractServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    """The registry's backend on 127.0.0.1, its upstream the contract server."""
    monkeypatch.setenv("AINATIVE_API_BASE", contract.url)
    from tests.conftest import clear_process_caches

    clear_process_caches()
    contract.reset()
    rate_limit.LIMITER.reset()
    with LoopbackServer(build_backend()) as server:
        running = Gateway(url=server.url, upstream=contract)
        make_people(running)
        yield running
    contract.reset()
    rate_limit.LIMITER.reset()
