"""Plain view records the pages render: computed once from a model, sent to the browser as is."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

from ai_registry import routes
from ai_registry.aggregator.service import SourceStatus
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import price_label
from ai_registry.catalog.token_prices import price_sources
from ai_registry.media.stills import still_name
from ai_registry.media.storage import MEDIA_URL_PREFIX, media_file
from ai_registry.media.thumbnail_cache import cached_thumbnail_url

CATEGORY_ICONS = {
    "Image": "image",
    "Video": "clapperboard",
    "Audio": "audio-lines",
    "Coding": "message-square-code",
    "Embedding": "waypoints",
}
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")


@dataclasses.dataclass
class CardView:
    """What one gallery card shows."""

    slug: str = ""
    href: str = ""
    name: str = ""
    provider: str = ""
    description: str = ""
    category: str = ""
    icon: str = "box"
    capabilities: list[str] = dataclasses.field(default_factory=list)
    price: str = ""
    price_source: str = ""  # where the price comes from and when it was synced (the price's hover text)
    thumb_url: str = ""
    thumb_kind: str = "none"  # image | video | none
    thumb_still: str = ""  # a video thumbnail's first frame, shown until the card is hovered
    thumb_alt: str = ""
    is_default: bool = False
    is_premium: bool = False
    is_hidden: bool = False  # curated away: only admins get such a card, marked "Hidden"
    is_featured: bool = False
    availability: str = "unknown"  # up | down | unknown
    availability_note: str = ""


def thumbnail_kind(url: str | None) -> str:
    if not url:
        return "none"
    path = url.split("?", 1)[0].casefold()
    return "video" if path.endswith(_VIDEO_SUFFIXES) else "image"


def _still_url(url: str) -> str:
    """The still of a video output served at `/media/`, when one was made (pinned video examples)."""
    if not url.startswith(MEDIA_URL_PREFIX) or thumbnail_kind(url) != "video":
        return ""
    name = still_name(url[len(MEDIA_URL_PREFIX):].split("?", 1)[0])
    return MEDIA_URL_PREFIX + name if name and media_file(name) is not None and media_file(name).is_file() else ""


def source_dates() -> dict[str, datetime | None]:
    """When each upstream source last answered well (a price's "last synced")."""
    from ai_registry.aggregator.runtime import get_aggregator

    try:
        return {s.name: s.last_success for s in get_aggregator().snapshot.statuses}
    except Exception:  # no catalog yet (a build's prerender): prices say "not synced yet"
        return {}


def card_view(
    model: UnifiedAIModel,
    run_outputs: Mapping[str, str] | None = None,
    synced: Mapping[str, datetime | None] | None = None,
    thumbs: Mapping[str, str] | None = None,
) -> CardView:
    """A card. Its thumbnail: the model's featured example output (`thumbs`, issue 15), else the
    upstream's thumbnail as this server cached it, else the person's latest real run output, if any."""
    upstream = cached_thumbnail_url(model.thumbnail_url)
    thumb = (thumbs or {}).get(model.slug) or upstream or (run_outputs or {}).get(model.slug) or ""
    availability = "unknown" if model.available is None else ("up" if model.available else "down")
    return CardView(
        slug=model.slug,
        href=routes.model_url(model.slug),
        name=model.name,
        provider=model.provider,
        description=model.description,
        category=model.category,
        icon=CATEGORY_ICONS.get(model.category, "box"),
        capabilities=list(model.capabilities[:4]),
        price=price_label(model.pricing),
        price_source=price_sources(model, synced),
        thumb_url=thumb,
        thumb_kind=thumbnail_kind(thumb),
        thumb_still=_still_url(thumb),
        thumb_alt=model.thumbnail_alt or f"Example output of {model.name}",
        is_default=model.is_default,
        is_premium=model.is_premium,
        is_hidden=model.hidden,
        is_featured=model.featured,
        availability=availability,
        availability_note=model.availability_note or ("Unavailable upstream" if model.available is False else ""),
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@dataclasses.dataclass
class StatusView:
    """A degraded source, for the banner."""

    name: str = ""
    label: str = ""
    state: str = ""
    error: str = ""
    last_success: str = ""


def status_view(status: SourceStatus) -> StatusView:
    return StatusView(
        name=status.name,
        label=status.label,
        state=status.state,
        error=status.error or "",
        last_success=_when(status.last_success),
    )
