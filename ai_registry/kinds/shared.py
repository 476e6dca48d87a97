"""Compare: one shared input mapped onto each compared model's own parameters.

Each kind declares in `Kind.shared_inputs` which roles it takes and which parameters may hold them;
this module maps a shared form (role -> value) and a panel's settings onto one model's values, and
says what that model cannot take, so a panel shows it instead of dropping it silently. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds import kind_for

# Every shared input a kind may take, with what the compare form calls it and the widget it gets.
ROLES: dict[str, tuple[str, str]] = {
    "message": ("Message", "textarea"),
    "prompt": ("Prompt", "textarea"),
    "image": ("Source image", "file"),
    "audio": ("Recording to transcribe", "file"),
    "text": ("Text to speak", "textarea"),
    "texts": ("Texts to embed (one per line)", "lines"),
}


def role_label(role: str) -> str:
    """What the compare form calls a shared input."""
    return ROLES.get(role, (role, "text"))[0]


def shared_params(model: UnifiedAIModel) -> dict[str, str]:
    """Role -> the model's parameter that takes it, for each shared input the model can take."""
    found: dict[str, str] = {}
    for role, names in kind_for(model).shared_inputs:
        for name in names:
            if model.parameter(name) is not None:
                found[role] = name
                break
    return found


def shared_roles(models: Iterable[UnifiedAIModel]) -> list[str]:
    """The shared inputs the compare form shows: any one model takes, in the kind's order."""
    roles: list[str] = []
    for model in models:
        for role, _ in kind_for(model).shared_inputs:
            if role not in roles and role in shared_params(model):
                roles.append(role)
    return roles


def setting_names(model: UnifiedAIModel) -> list[str]:
    """The parameters a panel's own settings form shows: all but the shared input, files and the kind's own."""
    taken = set(shared_params(model).values()) | kind_for(model).own_fields
    return [p.name for p in model.parameters if p.name not in taken and p.type != "file"]


@dataclass
class MappedInput:
    """One model's values for a compared run, and what of the shared form and settings it cannot take."""

    values: dict[str, Any] = field(default_factory=dict)
    not_taken: list[str] = field(default_factory=list)  # labels: "Source image", "setting width"


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def map_shared(
    model: UnifiedAIModel, shared: Mapping[str, Any], settings: Mapping[str, Any] | None = None
) -> MappedInput:
    """The values of one panel's run: each filled shared input under the model's own parameter name
    (through the kind's `shared_value`), its settings where it has them, and the kind's fixed values."""
    kind = kind_for(model)
    params = shared_params(model)
    allowed = set(setting_names(model))
    mapped = MappedInput()
    for role, value in shared.items():
        if not _filled(value):
            continue
        if role in params:
            mapped.values[params[role]] = kind.shared_value(role, value)
        else:
            mapped.not_taken.append(role_label(role))
    for name, value in (settings or {}).items():
        if name in allowed:
            mapped.values[name] = value
        elif _filled(value):
            mapped.not_taken.append(f"setting {name}")
    mapped.values.update(kind.compare_values(model))
    return mapped


def share_settings(source: Mapping[str, str], model: UnifiedAIModel) -> tuple[dict[str, str], list[str]]:
    """ "Same settings for all": the source panel's settings this model has, and the names it lacks."""
    allowed = set(setting_names(model))
    kept = {name: value for name, value in source.items() if name in allowed}
    lacking = [name for name, value in source.items() if name not in allowed and _filled(value)]
    return kept, lacking


__all__ = [
    "ROLES",
    "MappedInput",
    "map_shared",
    "role_label",
    "setting_names",
    "share_settings",
    "shared_params",
    "shared_roles",
]
