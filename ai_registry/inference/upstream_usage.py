"""What the upstream itself reports as used: `GET /v1/multimodal/usage` (CONTRACT.md), read with the
admin's stored upstream key, counted over the usage page's date range.

The listing is newest first and paged (`skip`, `limit` at most 100); reading stops at the first
record older than the range, or after `MAX_PAGES` pages (the figure then says "at least").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from ai_registry.aggregator.sources import auth_headers
from ai_registry.settings import get_settings
from ai_registry.store.upstream_key import upstream_api_key

PAGE = 100
MAX_PAGES = 20
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class UpstreamUsage:
    ok: bool
    message: str = ""  # why there are no figures, or a note on them
    records: int = 0
    credits: float = 0.0
    partial: bool = False  # stopped at MAX_PAGES: the figures are a lower bound


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count_in_range(items: list[dict], start: datetime, end: datetime) -> tuple[int, float, bool]:
    """Records and credits of `items` inside [start, end), and whether an older record was seen."""
    records, credits, older = 0, 0.0, False
    for item in items:
        moment = _when(item.get("created_at")) if isinstance(item, dict) else None
        if moment is None:
            continue
        if moment < start:
            older = True
        elif moment < end:
            records += 1
            used = item.get("credits_used")
            credits += float(used) if isinstance(used, int | float) and not isinstance(used, bool) else 0.0
    return records, credits, older


async def fetch_upstream_usage(
    start: datetime, end: datetime, *, client: httpx.AsyncClient | None = None
) -> UpstreamUsage:
    """The upstream's own count for the range, or a message saying why there is none (never raises)."""
    root = get_settings().api_root
    if not root:
        return UpstreamUsage(False, "No upstream is configured (AINATIVE_API_BASE), so there are no upstream figures.")
    key = await asyncio.to_thread(upstream_api_key)
    if not key:
        return UpstreamUsage(False, "No upstream key is saved (Developer settings), so the upstream cannot be asked.")
    owned = client is None
    client = client or httpx.AsyncClient(timeout=TIMEOUT_S)
    records, credits = 0, 0.0
    try:
        for page in range(MAX_PAGES):
            answer = await client.get(
                root + "/multimodal/usage", params={"skip": page * PAGE, "limit": PAGE}, headers=auth_headers(key)
            )
            if answer.status_code in (401, 403):
                return UpstreamUsage(False, f"The upstream refused the saved key ({answer.status_code}).")
            if answer.status_code == 404:
                return UpstreamUsage(False, "This upstream does not report usage (404 from /multimodal/usage).")
            if answer.status_code != 200:
                return UpstreamUsage(
                    False, f"The upstream's usage listing failed ({answer.status_code}); try again later."
                )
            body = answer.json()
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                return UpstreamUsage(False, "The upstream's usage listing had an unexpected shape.")
            found, used, older = count_in_range(items, start, end)
            records, credits = records + found, credits + used
            if older or len(items) < PAGE:
                return UpstreamUsage(True, records=records, credits=credits)
        return UpstreamUsage(True, f"Only the newest {MAX_PAGES * PAGE} records were read.", records, credits, True)
    except (httpx.HTTPError, ValueError) as exc:
        return UpstreamUsage(False, f"The upstream is unreachable right now ({type(exc).__name__}); try again later.")
    finally:
        if owned:
            await client.aclose()
