"""The generated form as data: one `FieldView` per parameter, and the text the inputs hold.

Plain dataclasses and functions, so the form's shape is tested without a state or a browser.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ai_registry.catalog.models import ModelParameter, UnifiedAIModel
from ai_registry.inference.transport import is_local
from ai_registry.store.upstream_key import upstream_api_key

_TEXTAREA_NAMES = {"prompt", "negative_prompt", "motion_prompt", "input", "text"}


@dataclasses.dataclass
class FieldView:
    """One input of the generated form."""

    name: str = ""
    label: str = ""
    widget: str = "text"  # text | textarea | lines | number | slider | buttons | select | checkbox | file
    required: bool = False
    advanced: bool = False
    description: str = ""
    min: str = ""
    max: str = ""
    step: str = ""
    max_length: int = 0
    choices: list[list[str]] = dataclasses.field(default_factory=list)  # [value, label] pairs
    unit: str = ""
    accept: str = ""
    allow_url: bool = False


def value_text(value: Any) -> str:
    """A typed value as the text an input holds (whole floats without `.0`, lists one per line)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def widget_for(param: ModelParameter) -> str:
    """The input a parameter gets in the generated form."""
    if param.type == "file":
        return "file"
    if param.type == "boolean":
        return "checkbox"
    if param.options:
        return "buttons" if len(param.options) <= 6 else "select"
    if param.type in ("integer", "number"):
        return "slider" if param.min is not None and param.max is not None else "number"
    if param.type == "array":
        return "lines"
    if param.name in _TEXTAREA_NAMES or (param.max_length or 0) > 300:
        return "textarea"
    return "text"


def field_view(param: ModelParameter) -> FieldView:
    """One parameter as an input of the generated form."""
    widget = widget_for(param)
    options = [value_text(o) for o in param.options or []]
    labels = [f"{o}{'s' if param.name == 'duration' else ''}" for o in options]
    if widget in ("select", "buttons") and not param.required and param.default is None:
        # An optional choice can be taken back: "Auto" for a language, "None" otherwise.
        options, labels = ["", *options], ["Auto" if param.name == "language" else "None", *labels]
    step = param.step if param.step is not None else (1 if param.type == "integer" else 0.1)
    return FieldView(
        name=param.name,
        label=param.title,
        widget=widget,
        required=param.required,
        advanced=param.advanced,
        description=param.description,
        min=value_text(param.min),
        max=value_text(param.max),
        step=value_text(step),
        max_length=param.max_length or 0,
        choices=[[o, label] for o, label in zip(options, labels, strict=True)],
        unit="s" if param.name == "duration" else "",
        accept=",".join(param.accept or []),
        allow_url=param.type == "file" and (param.accept or [""])[0].startswith("image/"),
    )


def default_values(model: UnifiedAIModel) -> dict[str, str]:
    """Every parameter's default, as the form's text."""
    return {p.name: value_text(p.default) for p in model.parameters}


def rate_text(model: UnifiedAIModel) -> str:
    """`Limit: 2 runs per minute`, or empty."""
    limit = model.rate_limit
    if limit is None:
        return ""
    window = "minute" if limit.per_seconds == 60 else f"{limit.per_seconds} s"
    return f"Limit: {limit.requests} run{'s' if limit.requests != 1 else ''} per {window}"


def needs_key_notice(model: UnifiedAIModel) -> bool:
    """Whether the playground says an upstream key is needed. Blocking (a database read): call it
    through `asyncio.to_thread`."""
    return not is_local(model) and not upstream_api_key()
