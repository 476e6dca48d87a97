"""Compare: which of the asked models become panels, what stops a panel, and the summed estimate.

Pure apart from `is_local` (the catalog's own flag): the model lookup and whether an upstream key is
set are passed in, so the rules are tested without a catalog or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import PRICE_UNKNOWN, CostEstimate, format_usd
from ai_registry.inference.transport import is_local
from ai_registry.kinds import kind_for

MIN_MODELS = 2
MAX_MODELS = 4


@dataclass
class ComparePlan:
    """The models that get a panel (one kind, at most four) and what the page says about the rest."""

    models: list[UnifiedAIModel] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kind: str = ""

    @property
    def ready(self) -> bool:
        """True when there are enough panels to compare."""
        return len(self.models) >= MIN_MODELS


def parse_models(text: str | None) -> list[str]:
    """`a,b,,c ` -> ["a", "b", "c"]: the slugs of a `?models=` query."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def plan_compare(slugs: Sequence[str], lookup: Callable[[str], UnifiedAIModel | None]) -> ComparePlan:
    """Panels for `slugs` in order: unknown slugs, models of another kind than the first and any past
    the fourth are left out with a message each; fewer than two panels is a message too."""
    plan = ComparePlan()
    known: list[UnifiedAIModel] = []
    for slug in slugs:
        model = lookup(slug)
        if model is None:
            plan.problems.append(f"No model has the address “{slug}”; it was left out.")
        else:
            known.append(model)
    if known:
        plan.kind = kind_for(known[0]).name
    for model in known:
        kind = kind_for(model).name
        if kind != plan.kind:
            plan.problems.append(
                f"{model.name} is a {kind} model and {known[0].name} a {plan.kind} model: "
                f"models of one kind are compared, so {model.name} was left out."
            )
        elif len(plan.models) >= MAX_MODELS:
            plan.problems.append(f"At most {MAX_MODELS} models are compared at once; {model.name} was left out.")
        else:
            plan.models.append(model)
    if not plan.ready:
        have = "no model" if not plan.models else "one model"
        plan.problems.append(f"A comparison needs two to four models and this one has {have}: add another below.")
    return plan


def panel_blocker(model: UnifiedAIModel, *, key_set: bool) -> str:
    """Why this model's panel cannot run now ("" when it can)."""
    if model.available is False:
        note = f" ({model.availability_note})" if model.availability_note else ""
        return f"{model.name} is unavailable upstream right now{note}; it does not run. The other panels still run."
    if not is_local(model) and not key_set:
        return (
            f"{model.name} runs on the AINative API and needs an upstream API key, and none is set: "
            "set AINATIVE_API_KEY or save a key in Developer settings. The other panels still run."
        )
    return ""


@dataclass
class CompareCost:
    """The whole comparison's estimate and each panel's part of it."""

    total_usd: float | None
    total_label: str
    shares: list[str]


def sum_costs(estimates: Iterable[CostEstimate | None]) -> CompareCost:
    """Add the panels' estimates (None: a panel that will not run). An unknown price is never $0:
    the total then says how many panels it leaves out."""
    estimates = list(estimates)
    known = [e.usd for e in estimates if e is not None and e.usd is not None]
    unknown = sum(1 for e in estimates if e is not None and e.usd is None)
    total = sum(known) if known else None
    if total is None:
        label = PRICE_UNKNOWN
    elif total == 0 and not unknown:
        label = "Free"
    elif unknown:
        label = f"{format_usd(total)} + {unknown} unknown"
    else:
        label = format_usd(total)
    shares: list[str] = []
    for estimate in estimates:
        if estimate is None:
            shares.append("does not run")
        elif estimate.usd is not None and total:
            shares.append(f"{estimate.label} · {round(100 * estimate.usd / total)}% of the total")
        else:
            shares.append(estimate.label)
    return CompareCost(total_usd=total if not unknown else None, total_label=label, shares=shares)


__all__ = [
    "MAX_MODELS",
    "MIN_MODELS",
    "CompareCost",
    "ComparePlan",
    "panel_blocker",
    "parse_models",
    "plan_compare",
    "sum_costs",
]
