"""A model page's "Examples" section (issue 15): pinned real runs, their inputs and output, and
"Try this example" (the playground's `?example=<run id>`, see `PlaygroundState.on_load`)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import reflex as rx

from ai_registry import routes
from ai_registry.identity.media_links import signed_media_url
from ai_registry.state.auth import current_actor, requires
from ai_registry.store import runs as run_store
from ai_registry.store.db import session_scope
from ai_registry.store.examples import model_examples

MAX_VALUE_CHARS = 400
MAX_TEXT_CHARS = 1500
MEDIA_KINDS = ("image", "video", "audio")


@dataclasses.dataclass
class ExampleInput:
    name: str = ""
    text: str = ""
    media_kind: str = ""  # image | video | audio for an uploaded file, else ""
    media_url: str = ""


@dataclasses.dataclass
class ExampleView:
    run_id: str = ""
    scope: str = ""  # "Team example" | "Your example"
    featured: bool = False
    output_kind: str = ""  # image | video | audio: `output_url`; else `output_text`
    output_url: str = ""
    output_text: str = ""
    inputs: list[ExampleInput] = dataclasses.field(default_factory=list)
    try_url: str = ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _input_view(name: str, value: Any) -> ExampleInput:
    if isinstance(value, dict) and "path" in value:  # an uploaded file
        path = Path(str(value.get("path", "")))
        kind = str(value.get("content_type", "")).split("/", 1)[0]
        name_shown = str(value.get("filename") or path.name)
        if path.is_file() and kind in MEDIA_KINDS:
            # Signed: the example's viewers may not own the upload.
            return ExampleInput(name, name_shown, kind, signed_media_url(path.name))
        return ExampleInput(name, name_shown)
    if name == "messages" and isinstance(value, list):
        lines = [f"{m.get('role', '')}: {m.get('content', '')}" for m in value if isinstance(m, dict)]
        return ExampleInput(name, _clip("\n".join(lines), MAX_VALUE_CHARS))
    if isinstance(value, dict | list):
        return ExampleInput(name, _clip(json.dumps(value, ensure_ascii=False), MAX_VALUE_CHARS))
    return ExampleInput(name, _clip("" if value is None else str(value), MAX_VALUE_CHARS))


def _output_text(run) -> str:
    text = run_store.run_text(run)
    if text:
        return _clip(text, MAX_TEXT_CHARS)
    if run.output_kind == "embeddings":
        try:
            data = json.loads(run.response_json or "{}").get("data") or []
        except (ValueError, AttributeError):
            data = []
        if data and isinstance(data[0], dict):
            vector = data[0].get("embedding") or []
            head = ", ".join(f"{v:.4f}" for v in vector[:6] if isinstance(v, int | float))
            return f"{len(data)} vector(s) of {len(vector)} numbers: [{head}, …]"
    return _clip(run.response_json or "", MAX_TEXT_CHARS)


def example_view(example, run) -> ExampleView:
    kind = run.output_kind or ""
    url = run_store.output_url(run) or ""
    has_media = kind in MEDIA_KINDS and url and Path(run.output_path or "").is_file()
    return ExampleView(
        run_id=run.id,
        scope="Team example" if example.scope == "team" else "Your example",
        featured=example.featured,
        output_kind=kind if has_media else "text",
        output_url=url if has_media else "",
        output_text="" if has_media else _output_text(run),
        inputs=[_input_view(k, v) for k, v in run_store.run_inputs(run).items() if v not in (None, "", [], {})],
        try_url=routes.model_url(run.model_slug) + f"?example={run.id}",
    )


def load_examples(slug: str, viewer_id: int) -> list[ExampleView]:
    with session_scope() as session:
        return [example_view(e, r) for e, r in model_examples(session=session, model_slug=slug, viewer_id=viewer_id)]


class ExamplesState(rx.State):
    """The examples of the model page's model that the signed-in person sees."""

    examples: list[ExampleView] = []
    examples_slug: str = ""

    @rx.event
    @requires("viewer")
    async def on_load(self):
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.examples_slug = slug
        self.examples = await asyncio.to_thread(load_examples, slug, current_actor().id)
