"""Schemathesis against every operation of the backend's own `/openapi.json`, served by uvicorn on loopback.

Fails on any 5xx, any response that breaks its declared schema and any request over 10 s. Examples are
bounded per operation (positive and negative data) so the run stays well under two minutes; the
requests sent per operation are printed (`pytest -s`) for the report.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import max_response_time, not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from ai_registry.backend import build_backend
from ai_registry.local.engine import get_engine
from tests.api.test_registry_api import new_key
from tests.local.conftest import LoopbackServer

pytestmark = pytest.mark.usefixtures("migrated_db")

EXAMPLES_PER_MODE = 40
CHECKS = [not_a_server_error, response_schema_conformance, max_response_time]


def fuzz_operation(operation, base_url: str, headers: dict[str, str], counts: Counter, mode: GenerationMode) -> None:
    """Run one operation's bounded examples in one generation mode, every response checked."""

    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        counts[operation.label] += 1
        counts[f"{operation.label} -> {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid variant to generate.
        if mode is GenerationMode.POSITIVE:
            raise


def test_every_operation_survives_fuzzing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real models answer valid requests: short answers keep each one well inside the 10 s limit.
    settings_ = get_engine().settings
    monkeypatch.setattr(settings_, "chat_max_tokens", 8)
    monkeypatch.setattr(settings_, "speech_max_chars", 200)
    _id, raw = new_key("fuzz")
    headers = {"Authorization": f"Bearer {raw}"}
    counts: Counter[str] = Counter()
    with LoopbackServer(build_backend()) as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzz_operation(operation, server.url, headers, counts, mode)
    print("\nschemathesis requests per operation:")
    for label in sorted(counts):
        print(f"  {counts[label]:4d}  {label}")
    labels = {op.label for op in operations}
    print(f"  {sum(counts[label] for label in labels):4d}  total over {len(labels)} operations")
    assert labels <= set(counts), "every operation was fuzzed"
