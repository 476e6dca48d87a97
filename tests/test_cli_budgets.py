"""`python -m ai_registry budgets set|list|clear`: per person, per key and role defaults, with clear
refusals for a person, key or number that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_registry.__main__ import main
from ai_registry.gateway.budget_math import period_start
from ai_registry.identity.accounts import create_user
from ai_registry.identity.keys import create_key_for
from ai_registry.store.budgets import Hold, all_budgets, reserve
from ai_registry.store.db import session_scope


@pytest.fixture
def people(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(isolated_data_dir)
    assert main(["migrate"]) == 0
    with session_scope() as session:
        ann = create_user(session=session, email="ann@example.org", password="correct horse battery", role="member")
        row, _raw = create_key_for(session=session, owner=ann, name="nightly")
        return {"ann": ann.id, "key": row.id}


def test_set_list_and_clear(people, capsys) -> None:
    from datetime import UTC, datetime

    assert main(["budgets", "set", "--user", "ann@example.org", "--limit", "5", "--period", "day"]) == 0
    assert "ann@example.org: $5 per day, hard (refuses with 402)" in capsys.readouterr().out
    key = str(people["key"])
    assert main(["budgets", "set", "--key", key, "--limit", "2000", "--unit", "credits", "--soft"]) == 0
    assert "2,000 credits per month, soft (warns at 80%)" in capsys.readouterr().out
    assert main(["budgets", "set", "--role", "member", "--limit", "1"]) == 0
    capsys.readouterr()
    start = period_start("day", datetime.now(UTC))
    reserve(lock_key="t", holds=[Hold(f"user:{people['ann']}:usd:day", start, 1.25, None, True)])
    assert main(["budgets", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ann@example.org: $5 per day (hard), spent $1.25; resets" in listed
    assert f"key {key} (nightly): 2,000 credits per month (soft), spent 0 credits" in listed
    assert "role member: $1 per month (hard); resets" in listed
    assert main(["budgets", "clear", "--role", "member"]) == 0
    assert "1 budget cleared for every member" in capsys.readouterr().out
    with session_scope() as session:
        assert sorted(b.scope for b in all_budgets(session=session)) == ["key", "user"]


def test_refusals_change_nothing(people, capsys) -> None:
    assert main(["budgets", "set", "--user", "bob@example.org", "--limit", "5"]) == 1
    assert "no account has the email bob@example.org" in capsys.readouterr().err
    assert main(["budgets", "set", "--key", "999", "--limit", "5"]) == 1
    assert "no active key has the id 999" in capsys.readouterr().err
    assert main(["budgets", "set", "--user", "ann@example.org", "--limit", "nan"]) == 1
    assert "at least 0" in capsys.readouterr().err
    assert main(["budgets", "clear", "--user", "ann@example.org"]) == 1
    assert "0 budgets cleared" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["budgets", "set", "--limit", "5"])  # nobody named: argparse refuses
    with session_scope() as session:
        assert all_budgets(session=session) == []
