"""`/share/<token>`: one run shown to whoever holds its share link, signed in or not, until it is revoked.

A plain server-rendered page (no websocket, no session): the run's model, status, inputs and output,
the output through a signed link that expires within the hour.
"""

from __future__ import annotations

import asyncio
import json
from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ai_registry.identity.media_links import signed_media_url
from ai_registry.identity.runs_access import open_shared_run
from ai_registry.store.db import session_scope
from ai_registry.store.runs import run_text

_STYLE = """
body{margin:0;background:#f8fafc;color:#0f172a;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:760px;margin:0 auto;padding:24px 16px}h1{font-size:1.4rem;margin:0 0 4px}
.meta{color:#475569;font-size:.9rem;margin:0 0 16px}.panel{background:#fff;border:1px solid #e2e8f0;
border-radius:12px;padding:16px;margin:0 0 16px}img,video{max-width:100%;border-radius:8px}audio{width:100%}
pre{white-space:pre-wrap;word-break:break-word;background:#0f172a;color:#f1f5f9;padding:12px;border-radius:8px;
font-size:.8rem;max-height:24rem;overflow:auto}
"""
GONE = "This share link was withdrawn, or never existed. Ask whoever sent it for a new one."
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _output_html(kind: str | None, output_path: str | None, text: str) -> str:
    if output_path:
        url = escape(signed_media_url(Path(output_path).name))
        if kind == "image":
            return f'<img src="{url}" alt="Output of this run" data-testid="shared-output">'
        if kind == "video":
            return f'<video controls src="{url}" data-testid="shared-output"></video>'
        if kind == "audio":
            return f'<audio controls src="{url}" data-testid="shared-output"></audio>'
        return f'<a href="{url}" data-testid="shared-output">Download the output</a>'
    return f'<pre data-testid="shared-output">{escape(text)}</pre>' if text else "<p>No output.</p>"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · AI Model Registry</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def shared_run_html(raw_token: str) -> tuple[int, str]:
    """The status and page for a share link (blocking: a database read)."""
    with session_scope() as session:
        run = open_shared_run(session=session, raw_token=raw_token)
        if run is None:
            return 404, _page("Link not valid", f'<h1>Link not valid</h1><p role="alert">{escape(GONE)}</p>')
        try:
            values = json.loads(run.inputs_json or "{}")
        except ValueError:
            values = {}
        # An uploaded file is shown by its name: where the server keeps it is nobody's business.
        shown = {k: (v.get("filename", "a file") if isinstance(v, dict) else v) for k, v in dict(values).items()}
        inputs = json.dumps(shown, indent=2, ensure_ascii=False)
        when = run.created_at.strftime("%Y-%m-%d %H:%M UTC") if run.created_at else ""
        body = (
            f'<h1 data-testid="shared-model">{escape(run.model_slug)}</h1>'
            f'<p class="meta">A shared run · {escape(run.status)} · {escape(when)}</p>'
            f'<section class="panel"><h2>Output</h2>{_output_html(run.output_kind, run.output_path, run_text(run))}'
            + (f'<p role="alert">{escape(run.error)}</p>' if run.error else "")
            + f'</section><section class="panel"><h2>Inputs</h2><pre>{escape(inputs)}</pre></section>'
        )
        return 200, _page(f"Shared run of {run.model_slug}", body)


def build_share_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/share/{token}")
    async def shared_run(token: str) -> HTMLResponse:
        status, html = await asyncio.to_thread(shared_run_html, token)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    return router
