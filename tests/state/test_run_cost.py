"""The request log's cost column: a failed run was not charged; its price is not "unknown"."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ai_registry.state.runs import cost_text, run_view


@pytest.mark.parametrize(
    ("status", "cost", "shown"),
    [
        ("succeeded", 0.3, "$0.300"),
        ("succeeded", 0.0, "Free"),
        ("succeeded", None, "unknown"),
        ("running", None, "unknown"),
        ("failed", None, "not charged"),
        ("cancelled", None, "not charged"),
    ],
)
def test_cost_text(status: str, cost: float | None, shown: str) -> None:
    assert cost_text(status, cost) == shown


def test_a_failed_run_row_reads_not_charged() -> None:
    row = SimpleNamespace(
        id="r1", status="failed", created_at=datetime(2026, 12, 5, tzinfo=UTC), duration_ms=1200, cost_usd=None,
        output_kind="video", error="HTTP 402: out of credits", model_slug="alibaba-wan-22-i2v-720p",
        inputs_json="{}", request_json="{}", response_json="", output_path=None,
    )
    view = run_view(row)
    assert view.cost == "not charged" and view.status == "failed"
