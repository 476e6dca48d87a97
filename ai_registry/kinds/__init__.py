"""One module per kind of model (chat, image, video, audio, embedding), and the one dispatch over them.

A kind knows everything about its models' calls: the request its routes take, how to read what
comes back, the lines a snippet adds to handle the answer, how long a run takes and which fields its
playground draws itself. The inference client, the snippets and the playground ask `kind_for(model)`;
none of them branches on a kind's name. Pure: no I/O, no reflex.

Adding a kind: a module here with a `Kind` subclass, and one line in `KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ai_registry.catalog.endpoint import endpoint_path
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.kinds.audio import AudioKind
from ai_registry.kinds.base import (
    Answer,
    BadAnswer,
    FilePart,
    Kind,
    KindOutput,
    OutputKind,
    RequestSpec,
    SavedMedia,
)
from ai_registry.kinds.chat import ChatKind
from ai_registry.kinds.embedding import EmbeddingKind
from ai_registry.kinds.image import ImageKind
from ai_registry.kinds.values import fill_values, form_text
from ai_registry.kinds.video import VideoKind

# In the order routes are tried: the route decides first (an audio model may sit in any category).
KINDS: tuple[Kind, ...] = (ChatKind(), EmbeddingKind(), ImageKind(), VideoKind(), AudioKind())


def kind_for(model: UnifiedAIModel) -> Kind:
    """The kind that knows the model's endpoint: by its route, else by its catalog category."""
    for kind in KINDS:
        if kind.handles_model(model):
            return kind
    for kind in KINDS:
        if model.category in kind.categories:
            return kind
    raise LookupError(f"no kind handles {model.slug!r} ({model.category}, {model.endpoint})")


def kind_named(name: str) -> Kind:
    """The kind called `name` ("chat", ...)."""
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise LookupError(f"no kind is called {name!r}")


def example_values(model: UnifiedAIModel) -> dict[str, Any]:
    """Realistic example values for every parameter of the model (defaults first)."""
    return kind_for(model).example_values(model)


def build_request(model: UnifiedAIModel, values: Mapping[str, Any], *, prefix: str = "/v1") -> RequestSpec:
    """The request that runs `model` with `values` (typed form values; missing ones take examples).

    Optional values that are None or "" are dropped. A file value is an https URL or an upload
    `{"filename", "content_type", "path"}`: multipart routes carry it as a `FilePart`; JSON routes
    take a URL as is and mark an upload with a `FilePart` whose `json_path` says where its
    `data:` URI goes (the caller reads the bytes). A GET route sends the values as its query.
    """
    kind = kind_for(model)
    path = endpoint_path(model.endpoint, prefix)
    if model.method == "GET":
        filled = fill_values(model, values, kind.example_values(model))
        query = urlencode({name: form_text(value) for name, value in filled.items()})
        return RequestSpec(method="GET", path=f"{path}?{query}" if query else path, json=None, form=None, files=[])
    return kind.build_request(model, values, path=path)


__all__ = [
    "KINDS",
    "Answer",
    "BadAnswer",
    "FilePart",
    "Kind",
    "KindOutput",
    "OutputKind",
    "RequestSpec",
    "SavedMedia",
    "build_request",
    "example_values",
    "kind_for",
    "kind_named",
]
