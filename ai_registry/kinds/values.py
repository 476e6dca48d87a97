"""Filling and cleaning the values a request carries: examples, defaults, file parts, form text.

Every kind builds its request with these, so an example, a playground run and a snippet fill a
model's parameters by the same rules. Pure: no I/O.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ai_registry.catalog.models import ModelParameter, UnifiedAIModel
from ai_registry.kinds.base import FilePart

# A public image the spec itself uses as Wan's example input: what image parameters show by default.
EXAMPLE_IMAGE_URL = "https://image.ainative.studio/asset/alibaba/wan-2i2v720.png"
# Not "speech.wav": that is the file the text-to-speech snippets write.
EXAMPLE_AUDIO_FILE = "recording.wav"

# Examples any category may use for parameters the catalog gives no default or example for.
COMMON_EXAMPLES: dict[str, Any] = {
    "negative_prompt": "blurry, low quality, distorted, watermark, text",
    "seed": 42,
    "language": "en",
}

_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def is_empty(value: Any) -> bool:
    """None, an empty string, or an empty upload reference: a value the person did not give."""
    return value is None or (isinstance(value, str) and value.strip() == "") or value == {}


def is_url(value: Any) -> bool:
    """An http(s) URL (a remote file), as opposed to a local file name or an upload."""
    return isinstance(value, str) and value.strip().lower().startswith(("https://", "http://"))


def model_name(model: UnifiedAIModel) -> str:
    """The `model` value the endpoint expects: the upstream name, else the catalog id."""
    return model.upstream_model or model.id


def example_for(param: ModelParameter, fallbacks: Mapping[str, Any]) -> Any:
    """One parameter's example: its default, its catalog example, a category example, else by type."""
    if param.default is not None:
        return param.default
    if param.example is not None:
        return param.example
    if param.name in fallbacks:
        return fallbacks[param.name]
    if param.name in COMMON_EXAMPLES:
        return COMMON_EXAMPLES[param.name]
    if param.options:
        return param.options[0]
    if param.type == "integer":
        return int(param.min) if param.min is not None else 1
    if param.type == "number":
        return param.min if param.min is not None else 1.0
    if param.type == "boolean":
        return False
    if param.type == "array":
        return []
    return None


def examples_for(model: UnifiedAIModel, fallbacks: Mapping[str, Any]) -> dict[str, Any]:
    """Examples for every parameter of the model that has one, in declared order."""
    values = {p.name: example_for(p, fallbacks) for p in model.parameters}
    return {name: value for name, value in values.items() if value is not None}


def _typed(param: ModelParameter, value: Any) -> Any:
    # Sliders hand over 40.0 for an integer field; the API wants 40.
    if param.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fill_values(model: UnifiedAIModel, values: Mapping[str, Any], examples: Mapping[str, Any]) -> dict[str, Any]:
    """The values to send, one per parameter in declared order.

    A parameter the form did not mention takes its example; a required one left empty does too
    (validation that refuses empty required fields happens before a run, not here); an optional
    one left empty (None or "") is dropped.
    """
    filled: dict[str, Any] = {}
    for param in model.parameters:
        value = values.get(param.name, examples.get(param.name))
        if param.required and is_empty(value):
            value = examples.get(param.name)
        if is_empty(value):
            continue
        filled[param.name] = _typed(param, value)
    return filled


def take(values: dict[str, Any], *names: str) -> Any:
    """Pop the first of `names` present in `values` (a parameter and its aliases); None if absent."""
    found = None
    for name in names:
        if name in values:
            value = values.pop(name)
            if found is None:
                found = value
    return found


def safe_filename(name: str, default: str) -> str:
    """A file name safe in a shell command, a form header and a path: letters, digits, `._-`."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = _SAFE_FILENAME.sub("_", base).strip("._")
    return cleaned or default


def guess_content_type(filename: str, default: str = "application/octet-stream") -> str:
    """The MIME type a file name suggests."""
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or default


def file_part(
    field_name: str,
    value: Any,
    *,
    default_filename: str,
    json_path: tuple[str, ...] | None = None,
) -> FilePart:
    """A file value (an upload dict, a URL, or a bare file name) as a `FilePart`.

    Uploads arrive from the playground as `{"filename", "content_type", "path"}`.
    """
    if isinstance(value, Mapping):
        filename = safe_filename(str(value.get("filename") or ""), default_filename)
        content_type = str(value.get("content_type") or guess_content_type(filename))
        path, url = value.get("path"), value.get("url")
        path = str(path) if path else None
        url = str(url) if url and not path else None
    elif is_url(value):
        url = str(value).strip()
        filename = safe_filename(urlsplit(url).path, default_filename)
        content_type, path = guess_content_type(filename), None
    else:
        filename = safe_filename(str(value), default_filename)
        content_type, path, url = guess_content_type(filename), None, None
    placeholder = f"data:{content_type};base64,<contents of {filename}>" if json_path else f"@{filename}"
    return FilePart(
        field=field_name,
        filename=filename,
        content_type=content_type,
        placeholder_url=placeholder,
        path=path,
        url=url,
        json_path=json_path,
    )


def form_text(value: Any) -> str:
    """A value as a multipart text field: booleans in JSON spelling, lists and dicts as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def file_parameters(model: UnifiedAIModel) -> list[ModelParameter]:
    """The model's parameters of type `file`."""
    return [p for p in model.parameters if p.type == "file"]
