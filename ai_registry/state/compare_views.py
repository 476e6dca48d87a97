"""The compare page's panels as plain records: built from a model, filled from a run or a stored run.

No handlers here (they are all in `state/compare.py`); these are tested without a state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from ai_registry import routes
from ai_registry.aggregator.runtime import find_model
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import estimate_cost, format_usd
from ai_registry.inference.compare import sum_costs
from ai_registry.inference.errors import internal_error
from ai_registry.inference.result import RunResult
from ai_registry.inference.validation import validate_values
from ai_registry.kinds import kind_for
from ai_registry.kinds.shared import ROLES, map_shared, setting_names, share_settings
from ai_registry.state.form_views import FieldView, field_view, value_text


@dataclasses.dataclass
class SimilarityView:
    label: str = ""
    cells: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SharedField:
    """One input of the shared form."""

    role: str = ""
    label: str = ""
    widget: str = "textarea"  # textarea | lines | file


@dataclasses.dataclass
class PanelView:
    """One compared model: its settings, what it cannot take, its estimate, and its run."""

    index: int = 0
    slug: str = ""
    name: str = ""
    provider: str = ""
    blocker: str = ""  # why it does not run ("" when it can)
    not_taken: list[str] = dataclasses.field(default_factory=list)
    fields: list[FieldView] = dataclasses.field(default_factory=list)
    settings: dict[str, str] = dataclasses.field(default_factory=dict)  # the settings form, as text
    version: int = 0  # bumped when its settings change from elsewhere, so its inputs show them
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    estimate: str = ""
    expected_seconds: float = 10.0
    running: bool = False
    cancelling: bool = False
    progress: int = 0
    elapsed_text: str = ""
    run_id: str = ""
    log_url: str = ""
    status: str = ""  # "" | running | succeeded | failed | cancelled
    error: str = ""
    output_kind: str = ""
    output_url: str = ""
    text: str = ""
    latency: str = ""
    first_token: str = ""
    units: str = ""
    cost: str = ""
    similarity: list[SimilarityView] = dataclasses.field(default_factory=list)
    similarity_labels: list[str] = dataclasses.field(default_factory=list)


def shared_fields(roles: list[str]) -> list[SharedField]:
    return [SharedField(role=r, label=ROLES[r][0], widget=ROLES[r][1]) for r in roles if r in ROLES]


def new_panel(index: int, model: UnifiedAIModel, *, blocker: str = "") -> PanelView:
    """A fresh panel with the model's own settings at their defaults."""
    names = setting_names(model)
    params = [p for p in model.parameters if p.name in names]
    return PanelView(
        index=index,
        slug=model.slug,
        name=model.name,
        provider=model.provider,
        blocker=blocker,
        fields=[field_view(p) for p in params],
        settings={p.name: value_text(p.default) for p in params},
        expected_seconds=kind_for(model).expected_run_seconds(model),
    )


def clear_result(panel: PanelView) -> None:
    panel.status = panel.error = panel.output_kind = panel.output_url = panel.text = ""
    panel.latency = panel.first_token = panel.units = panel.cost = panel.run_id = panel.log_url = ""
    panel.similarity, panel.similarity_labels = [], []
    panel.progress, panel.elapsed_text, panel.running, panel.cancelling = 0, "", False, False


def seconds_text(ms: int | float | None) -> str:
    return f"{ms / 1000:.2f} s" if isinstance(ms, int | float) else ""


def cost_text(status: str, usd: float | None, label: str = "") -> str:
    """What a finished run cost: its price, "not charged" when it failed, or unknown."""
    if status != "succeeded":
        return "not charged"
    if usd is None:
        return label or "unknown"
    return "Free" if usd == 0 else format_usd(usd)


def _similarity(panel: PanelView, data: Mapping[str, Any] | None) -> None:
    data = data or {}
    rows = data.get("similarity") or []
    texts = [str(t) for t in data.get("texts") or []]
    labels = [(t[:24] + "…") if len(t) > 25 else t for t in texts] or [f"#{i + 1}" for i in range(len(rows))]
    panel.similarity_labels = labels
    panel.similarity = [
        SimilarityView(labels[i] if i < len(labels) else f"#{i + 1}", [f"{c:.3f}" for c in row])
        for i, row in enumerate(rows)
    ]


def _parsed(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


def measures(model: UnifiedAIModel, values: Mapping[str, Any], result: RunResult) -> dict[str, str]:
    """What a finished run measured, as the panel shows it and the compare session keeps it."""
    units = ""
    if result.succeeded:
        outcome = {"text": result.text, "data": result.data, "response": _parsed(result.response_json)}
        units = kind_for(model).units_text(model, values, outcome)
    return {
        "latency": seconds_text(result.duration_ms),
        "first_token": seconds_text(result.first_text_ms),
        "units": units,
        "cost": cost_text(result.status, result.cost_usd, result.cost_label),
    }


def show_result(panel: PanelView, model: UnifiedAIModel, values: Mapping[str, Any], result: RunResult) -> dict:
    """Put a finished run into its panel; returns its measures."""
    panel.running = panel.cancelling = False
    panel.progress = 0
    panel.status = result.status
    panel.output_kind = result.output_kind or ""
    panel.output_url = result.output_url or ""
    panel.text = panel.text or result.text or ""
    if result.error is not None:
        panel.error = result.error.message + (f" {result.error.hint}" if result.error.hint else "")
        if result.error.fields:
            panel.errors = {**panel.errors, **result.error.fields}
    elif result.status == "cancelled":
        panel.error = "Cancelled."
    _similarity(panel, result.data)
    found = measures(model, values, result)
    apply_measures(panel, found)
    return found


def apply_measures(panel: PanelView, found: Mapping[str, Any]) -> None:
    """Show a run's measures; a measure the session did not keep leaves what the run row said."""
    panel.latency = str(found.get("latency") or panel.latency)
    panel.first_token = str(found.get("first_token") or panel.first_token)
    panel.units = str(found.get("units") or panel.units)
    panel.cost = str(found.get("cost") or panel.cost)


def show_stored(panel: PanelView, row: Any, *, text: str, url: str, data: Mapping[str, Any] | None) -> None:
    """Put a stored run (a `Run` row) into its panel, as a colleague opening the comparison sees it."""
    panel.run_id = row.id
    panel.log_url = routes.runs_url(row.model_slug, row.id)
    panel.status = row.status
    panel.running = row.status == "running"
    panel.output_kind = row.output_kind or ""
    panel.output_url = url
    panel.text = text
    panel.error = (row.error or "") if row.status == "failed" else ("Cancelled." if row.status == "cancelled" else "")
    if not panel.latency and row.duration_ms is not None:
        panel.latency = seconds_text(row.duration_ms)
    if not panel.cost and row.status != "running":
        panel.cost = cost_text(row.status, row.cost_usd)
    _similarity(panel, data)


def example_text(value: Any) -> str:
    """A kind's example value as the shared form's text (a list of lines joined), else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return ""


def outcome(task: asyncio.Task, model: Any) -> RunResult:
    """The task's result; a bug in the run service becomes a failed run, never a blank panel."""
    exc = task.exception()
    if exc is None:
        return task.result()
    return RunResult(status="failed", output_kind=kind_for(model).output_kind(model), error=internal_error(exc))


def estimate_panels(panels: list[PanelView], shared: Mapping[str, Any], *, same_settings: bool) -> str:
    """Fill each panel's "does not take" list and its share of the estimate; returns the total's label."""
    estimates = []
    for panel in panels:
        model = find_model(panel.slug)
        if model is None:
            estimates.append(None)
            continue
        mapped = map_shared(model, shared, panel.settings)
        lacking = share_settings(panels[0].settings, model)[1] if same_settings and panel.index else []
        panel.not_taken = [*mapped.not_taken, *(f"setting {n}" for n in lacking)]
        typed, _ = validate_values(model, mapped.values)
        estimates.append(None if panel.blocker else estimate_cost(model, typed))
    cost = sum_costs(estimates)
    for panel, share in zip(panels, cost.shares, strict=True):
        panel.estimate = share
    return cost.total_label
