"""What one run produced, as the playground, the request log and the API show it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ai_registry.inference.errors import RunError
from ai_registry.kinds import OutputKind


@dataclass
class RunResult:
    """What one run produced. No media bytes: outputs are files under `data_dir/media`, served by URL."""

    status: str  # "succeeded" | "failed" | "cancelled" (a stored run may also be "interrupted")
    output_kind: OutputKind
    run_id: str = ""
    output_path: str | None = None
    output_url: str | None = None  # "/media/<file name>" on the app's backend
    media_type: str | None = None  # e.g. "video/mp4"
    text: str = ""  # chat answer or transcript
    data: dict[str, Any] | None = None  # embeddings: {"vectors", "dimensions", "similarity", "texts"}
    response_json: str = ""  # base64 and long vectors shortened
    request_json: str = ""  # what was sent, shortened, without the API key
    error: RunError | None = None
    http_status: int | None = None
    duration_ms: int = 0
    first_text_ms: int | None = None  # a streamed answer: when its first text arrived
    cost_usd: float | None = None
    cost_label: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


def new_run_id() -> str:
    """A run id that is also a safe file name."""
    return uuid.uuid4().hex
