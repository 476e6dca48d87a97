"""Server-side validation of playground values against a model's parameter schema.

The form sends strings (and upload references); `validate_values` types them (integer, number,
boolean, array, file) and checks required, min, max, options and maximum length, with messages
written for the field they show under. It never raises for bad input.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ai_registry.catalog.models import ModelParameter, UnifiedAIModel
from ai_registry.kinds.values import guess_content_type, is_url
from ai_registry.media.sniff import MEDIA_TYPES, read_head, sniff_media
from ai_registry.media.uploads import (
    EXTENSION_KINDS,
    accept_message,
    accepted_kinds,
    check_upload,
    structure_problem,
)
from ai_registry.settings import get_settings

REQUIRED = "Required"
NOT_A_NUMBER = "Not a number"
WHOLE_NUMBER = "Must be a whole number"
TRUE_FALSE = "Must be true or false"
_TRUE = {"true", "on", "yes", "1", "checked"}
_FALSE = {"false", "off", "no", "0", "unchecked"}
_ROLES = {"system", "user", "assistant", "developer", "tool"}


def format_number(value: float) -> str:
    """512, 0.25, 2147483647: whole numbers without a decimal point."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple):
        return len(value) == 0
    return False


def _range_message(param: ModelParameter) -> str:
    if param.min is not None and param.max is not None:
        return f"Must be between {format_number(param.min)} and {format_number(param.max)}"
    if param.min is not None:
        return f"Must be at least {format_number(param.min)}"
    return f"Must be at most {format_number(param.max or 0)}"


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace("_", ""))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _check_number(param: ModelParameter, number: float) -> str | None:
    if param.options:
        allowed = [_to_number(o) for o in param.options]
        if number not in [a for a in allowed if a is not None]:
            return f"Choose one of {', '.join(format_number(a) for a in allowed if a is not None)}"
        return None
    too_low = param.min is not None and number < param.min
    too_high = param.max is not None and number > param.max
    return _range_message(param) if too_low or too_high else None


def _integer(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    number = _to_number(value)
    if number is None:
        return None, NOT_A_NUMBER
    if not number.is_integer():
        return None, WHOLE_NUMBER
    return int(number), _check_number(param, number)


def _number(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    number = _to_number(value)
    if number is None:
        return None, NOT_A_NUMBER
    typed: int | float = int(number) if isinstance(value, int) and not isinstance(value, bool) else number
    return typed, _check_number(param, number)


def _boolean(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
    return None, TRUE_FALSE


def _length_message(limit: int, length: int) -> str:
    return f"At most {limit:,} characters (you have {length:,})"


def _string(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        value = format_number(value)
    elif not isinstance(value, str):
        return None, "Must be text"
    if param.options:
        allowed = [str(o) for o in param.options]
        if value.strip() not in allowed:
            return None, f"Choose one of {', '.join(allowed)}"
        return value.strip(), None
    if param.max_length is not None and len(value) > param.max_length:
        return value, _length_message(param.max_length, len(value))
    return value, None


def _has_text(content: Any) -> bool:
    return bool(content.strip()) if isinstance(content, str) else bool(content)


def _messages(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None, "Not valid JSON: give a list of {role, content} messages"
        else:
            return [{"role": "user", "content": value}], None
    if not isinstance(value, list | tuple):
        return None, "Must be a list of messages"
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(value, start=1):
        if not isinstance(message, Mapping):
            return None, f"Message {index} must have a role and content"
        role, content = message.get("role"), message.get("content")
        if role not in _ROLES:
            return None, f"Message {index} has an unknown role; use system, user or assistant"
        if not isinstance(content, str | list):
            return None, f"Message {index} has no content"
        messages.append(dict(message))
    if not any(_has_text(m.get("content")) for m in messages):
        return None, REQUIRED
    return messages, None


def _array(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    if param.name == "messages":
        return _messages(value)
    if isinstance(value, str):
        text = value.strip()
        items: list[Any] | None = None
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                items = parsed
        if items is None:
            items = [line.strip() for line in value.splitlines()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None, "Must be a list (one item per line)"
    items = [i.strip() if isinstance(i, str) else i for i in items]
    items = [i for i in items if not (isinstance(i, str) and not i)]
    if not items:
        return None, REQUIRED if param.required else None
    if param.min is not None and len(items) < param.min:
        return items, f"At least {format_number(param.min)} item{'s' if param.min != 1 else ''} (you have {len(items)})"
    if param.max is not None and len(items) > param.max:
        return items, f"At most {format_number(param.max)} item{'s' if param.max != 1 else ''} (you have {len(items)})"
    if param.max_length is not None:
        for index, item in enumerate(items, start=1):
            if isinstance(item, str) and len(item) > param.max_length:
                return items, f"Line {index}: {_length_message(param.max_length, len(item)).lower()}"
    return items, None


def _inside_data_dir(path: Path) -> bool:
    try:
        root = get_settings().data_dir.resolve()
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


def _url_file(param: ModelParameter, url: str) -> tuple[Any, str | None]:
    url = url.strip()
    kinds = accepted_kinds(param)
    extension = Path(urlsplit(url).path).suffix.lower().lstrip(".")
    kind = EXTENSION_KINDS.get(extension)
    if kinds and kind is not None and kind not in kinds:
        return url, accept_message(param)
    return url, None


def _file(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        if is_url(value):
            return _url_file(param, value)
        return None, "Upload a file or paste an http(s) URL"
    if not isinstance(value, Mapping):
        return None, "Upload a file or paste an http(s) URL"
    if not value.get("path") and is_url(value.get("url")):
        return _url_file(param, str(value["url"]))
    raw_path = value.get("path")
    if not raw_path:
        return None, "Upload a file or paste an http(s) URL"
    path = Path(str(raw_path))
    if not _inside_data_dir(path) or not path.is_file():
        return None, "The upload is gone; pick the file again"
    filename = str(value.get("filename") or path.name)
    try:
        size = os.path.getsize(path)
        head = read_head(path)
    except OSError:
        return None, "The upload is gone; pick the file again"
    declared = value.get("content_type") or guess_content_type(filename)
    error = check_upload(param, filename, str(declared), size, head)
    error = error or structure_problem(param, path, filename, str(declared))
    if error:
        return None, error
    sniffed = sniff_media(head)
    content_type = MEDIA_TYPES[sniffed][1] if sniffed else str(declared)
    return {"filename": filename, "content_type": content_type, "path": str(path), "size": size}, None


def validate_value(param: ModelParameter, value: Any) -> tuple[Any, str | None]:
    """One value typed for `param`, and the error to show under its field (None when it is fine)."""
    try:
        if _is_empty(value):
            return None, (REQUIRED if param.required else None)
        if param.type == "integer":
            return _integer(param, value)
        if param.type == "number":
            return _number(param, value)
        if param.type == "boolean":
            return _boolean(value)
        if param.type == "array":
            return _array(param, value)
        if param.type == "file":
            return _file(param, value)
        return _string(param, value)
    except Exception:  # a value shaped in a way no rule expects is still only a field error
        return None, "Not a valid value"


def validate_values(model: UnifiedAIModel, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values for every parameter of `model`, and the errors by parameter name.

    A parameter missing from `raw` takes its default; one present but empty is None (left out of the
    request) or, when required, an error. Values of a model without a schema pass through untouched.
    """
    try:
        raw = dict(raw or {})
    except (TypeError, ValueError):
        raw = {}
    if not model.parameters:
        return raw, {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in model.parameters:
        value = raw.get(param.name, param.default)
        typed, error = validate_value(param, value)
        values[param.name] = typed
        if error:
            errors[param.name] = error
    return values, errors
