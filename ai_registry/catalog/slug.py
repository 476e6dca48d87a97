"""URL slugs for models."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG_LENGTH = 120


def slugify(text: str) -> str:
    """Lower case, every run of other characters one hyphen: `bge-small-en-v1.5` -> `bge-small-en-v1-5`."""
    slug = _NON_ALNUM.sub("-", text.casefold()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")


def model_slug(model_id: str) -> str:
    """The slug of a model id, without an organisation prefix (`BAAI/bge-small-en-v1.5`)."""
    return slugify(model_id.rsplit("/", 1)[-1]) or slugify(model_id) or "model"


def unique_slug(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`, … when it is already taken."""
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"
