"""A run as the runs API shows it (and its webhook sends it): Replicate's shape, from the `run` row.

The row's statuses are the playground's; the API spells them as people know them from Replicate:
a `running` row that no process has taken yet is `queued`, `cancelled` is `canceled`. Output files
are given as signed, expiring links (`identity/media_links.py`), absolute on the base URL the run
was asked at, so a script or a webhook receiver can fetch them without a session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ai_registry import routes
from ai_registry.identity.media_links import signed_media_url
from ai_registry.store.runs import run_inputs, run_text
from ai_registry.store.tables import Run

API_STATUSES = ("queued", "running", "succeeded", "failed", "canceled", "interrupted")
FINAL_API_STATUSES = ("succeeded", "failed", "canceled", "interrupted")
# The API's spelling of each stored status, and back (for filters).
_TO_API = {"cancelled": "canceled"}
_FROM_API = {"canceled": "cancelled", "queued": "running"}
API_PATH = "/api/runs"


def api_status(row: Run) -> str:
    """`queued | running | succeeded | failed | canceled | interrupted` for a stored run."""
    if row.status == "running" and not row.worker:
        return "queued"
    return _TO_API.get(row.status, row.status)


def stored_status(status: str) -> str:
    """The stored status an API status filter looks for (`queued` and `running` both are `running`)."""
    return _FROM_API.get(status, status)


def _absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path if base else path


def run_links(row: Run, base: str) -> dict[str, str]:
    """The run's own addresses: its JSON, its cancel route and its page in the request log."""
    return {
        "get": _absolute(base, f"{API_PATH}/{row.id}"),
        "cancel": _absolute(base, f"{API_PATH}/{row.id}/cancel"),
        "web": _absolute(base, routes.runs_url(row.model_slug, row.id)),
    }


def run_output(row: Run, base: str) -> dict[str, Any] | None:
    """What a succeeded run made: its text (chat, transcript) and a signed link to its file (image,
    video, audio, the vectors as JSON); None until it succeeds."""
    if row.status != "succeeded":
        return None
    files = []
    if row.output_path and Path(row.output_path).is_file():
        files.append(_absolute(base, signed_media_url(Path(row.output_path).name)))
    text = run_text(row) or (row.output_text or "")
    return {"kind": row.output_kind, "text": text or None, "files": files}


def run_document(row: Run, base: str | None = None) -> dict[str, Any]:
    """The run as JSON: id, model, status, input, output, error, metrics, cost and links.

    `base` is the registry's public base URL (defaults to the one the run was asked at)."""
    base = (base if base is not None else row.origin) or ""
    status = api_status(row)
    return {
        "id": row.id,
        "model": row.model_slug,
        "status": status,
        "input": run_inputs(row),
        "output": run_output(row, base),
        "error": row.error if status in ("failed", "interrupted") else None,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "source": row.source or "playground",
        "metrics": {"duration_ms": row.duration_ms},
        "cost": {"usd": row.cost_usd, "estimate": True} if row.cost_usd is not None else None,
        "cancel_requested": bool(row.cancel_requested),
        "webhook": (
            {"url": row.webhook_url, "state": row.webhook_state, "error": row.webhook_error}
            if row.webhook_url
            else None
        ),
        "urls": run_links(row, base),
    }
