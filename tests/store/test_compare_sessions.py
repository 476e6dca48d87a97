"""Compare sessions: saved with their runs, read back by id, one vote each, wins tallied per model."""

from __future__ import annotations

import pytest

from ai_registry.store import compare_sessions as store
from ai_registry.store.db import session_scope

pytestmark = pytest.mark.usefixtures("migrated_db")

SMOL = "local-smollm2-135m-instruct"


def save(models: list[str], run_ids: list[str]) -> str:
    with session_scope() as session:
        inputs = {"shared": {"message": "Hi"}, "settings": [{"temperature": "0.1"}, {"temperature": "1.5"}]}
        return store.save_comparison(session=session, kind="chat", models=models, inputs=inputs, run_ids=run_ids).id


def test_a_saved_comparison_reads_back() -> None:
    comparison_id = save([SMOL, SMOL], ["r1", "r2"])
    with session_scope() as session:
        store.record_results(session=session, comparison_id=comparison_id, results=[{"latency": "1.00 s"}, {}])
    with session_scope() as session:
        saved = store.get_comparison(session=session, comparison_id=comparison_id)
    assert saved is not None and saved.models == [SMOL, SMOL] and saved.run_ids == ["r1", "r2"]
    assert saved.inputs["settings"][1] == {"temperature": "1.5"} and saved.results[0] == {"latency": "1.00 s"}
    assert saved.winner_panel is None
    with session_scope() as session:
        assert store.get_comparison(session=session, comparison_id="nope") is None


def test_one_vote_per_comparison_and_the_tally() -> None:
    first = save(["gpt-4", "gpt-3-5-turbo"], ["a", "b"])
    second = save(["gpt-4", "gpt-3-5-turbo"], ["c", "d"])
    with session_scope() as session:
        assert store.vote(session=session, comparison_id=first, panel=1).winner_slug == "gpt-3-5-turbo"
        assert store.vote(session=session, comparison_id=first, panel=0).winner_slug == "gpt-4"  # replaces it
        store.vote(session=session, comparison_id=second, panel=0)
        assert store.vote(session=session, comparison_id=second, panel=5) is None
        assert store.vote(session=session, comparison_id="missing", panel=0) is None
    with session_scope() as session:
        assert store.wins(session=session, model_slug="gpt-4") == 2
        assert store.wins(session=session, model_slug="gpt-3-5-turbo") == 0
