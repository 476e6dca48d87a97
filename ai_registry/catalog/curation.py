"""Curation: what admins decide about the merged catalog, applied on top of it (issue 15).

The overlay is one `Curation` per model, keyed by the model's id. It is applied after the merge
(`CurationOverlay.apply`), so an upstream refresh never undoes it: the merge produces the upstream's
view, the overlay turns it into the team's. Pure: no database, no reflex.

Rules of the result:
- a hidden model is marked `hidden` (the index leaves it out for everyone but admins) and is never
  a category's default;
- a model the overlay makes default is the only default of its category; a category the overlay
  says nothing about keeps the merged catalog's default (the first, if a source sent several);
- name, description and readme overrides replace the merged values; `premium` None keeps the merged flag;
- tags and aliases are words a search finds the model by; featured models come first in the
  gallery's default sort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ai_registry.catalog.models import UnifiedAIModel

FORMAT_VERSION = 1
MAX_NAME = 120
MAX_DESCRIPTION = 1_000
MAX_README = 50_000
MAX_WORDS = 20  # tags, and aliases, per model
MAX_WORD = 40
WORD = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
FIELDS = ("hidden", "default", "premium", "featured", "name", "description", "readme", "tags", "aliases")


@dataclass(frozen=True)
class Curation:
    """What admins decided about one model. None and empty mean "as the merged catalog has it"."""

    model_id: str
    hidden: bool = False
    default: bool = False
    premium: bool | None = None
    featured: bool = False
    name: str | None = None
    description: str | None = None
    readme: str | None = None
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the entry changes nothing (it need not be stored)."""
        return self == Curation(self.model_id)

    def record(self, slug: str | None = None) -> dict:
        """The entry as the export writes it: only what it changes, in a fixed key order."""
        out: dict = {"id": self.model_id}
        if slug is not None:
            out["slug"] = slug
        for name in FIELDS:
            value = getattr(self, name)
            if value in (None, False, ()):
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


def _words(value, what: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple) or not all(isinstance(w, str) for w in value):
        problems.append(f"{what} must be a list of words")
        return ()
    words = []
    for word in value:
        word = word.strip()
        if not word:
            continue
        if len(word) > MAX_WORD or not WORD.match(word):
            problems.append(
                f"{what}: “{word[:60]}” is not a lowercase word "
                f"(a-z, 0-9, '.', '-', '_'; at most {MAX_WORD} characters)"
            )
        elif word not in words:
            words.append(word)
    if len(words) > MAX_WORDS:
        problems.append(f"{what}: at most {MAX_WORDS} (got {len(words)})")
    return tuple(words)


def _text(value, what: str, limit: int, problems: list[str], *, minimum: int = 0) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{what} must be text")
        return None
    if "\x00" in value:
        problems.append(f"{what} holds a NUL character")
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) < minimum or len(text) > limit:
        problems.append(f"{what} must be {minimum or 1} to {limit:,} characters (got {len(text):,})")
    return text


def _flag(value, what: str, problems: list[str], *, optional: bool = False) -> bool | None:
    if value is None:
        return None if optional else False
    if not isinstance(value, bool):
        problems.append(f"{what} must be true or false")
        return None if optional else False
    return value


def parse_curation(model_id: str, data: Mapping) -> tuple[Curation, list[str]]:
    """An entry from plain values (a form or an imported file) and every problem found in them."""
    problems: list[str] = []
    unknown = sorted(set(data) - {*FIELDS, "id", "slug"})
    if unknown:
        problems.append("unknown fields: " + ", ".join(unknown))
    entry = Curation(
        model_id=model_id,
        hidden=bool(_flag(data.get("hidden"), "hidden", problems)),
        default=bool(_flag(data.get("default"), "default", problems)),
        premium=_flag(data.get("premium"), "premium", problems, optional=True),
        featured=bool(_flag(data.get("featured"), "featured", problems)),
        name=_text(data.get("name"), "name", MAX_NAME, problems, minimum=1),
        description=_text(data.get("description"), "description", MAX_DESCRIPTION, problems),
        readme=_text(data.get("readme"), "readme", MAX_README, problems),
        tags=_words(data.get("tags"), "tags", problems),
        aliases=_words(data.get("aliases"), "aliases", problems),
    )
    if entry.hidden and entry.default:
        problems.append("a hidden model cannot be its category's default")
    if entry.hidden and entry.featured:
        problems.append("a hidden model cannot be featured")
    return entry, problems


@dataclass
class _Memo:
    base: UnifiedAIModel
    patch: dict
    result: UnifiedAIModel


@dataclass
class CurationOverlay:
    """All entries, and the last results, so applying the same overlay again copies nothing."""

    entries: Mapping[str, Curation] = field(default_factory=dict)  # by casefolded model id
    _memo: dict[str, _Memo] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, entries: Iterable[Curation]) -> CurationOverlay:
        return cls({e.model_id.casefold(): e for e in entries if not e.empty})

    def entry(self, model_id: str) -> Curation | None:
        return self.entries.get(model_id.casefold())

    def with_entries(self, entries: Iterable[Curation]) -> CurationOverlay:
        """A new overlay of `entries` that keeps this one's memo (unchanged models stay the same objects)."""
        fresh = CurationOverlay.of(entries)
        fresh._memo = self._memo
        return fresh

    def apply(self, models: Sequence[UnifiedAIModel]) -> list[UnifiedAIModel]:
        """The curated catalog: same order, a model untouched by the overlay is the very same object."""
        entries = self.entries
        chosen: dict[str, str] = {}  # category -> the model id the overlay makes default
        if entries:
            for model in models:
                entry = entries.get(model.id.casefold())
                if entry is not None and entry.default and not entry.hidden:
                    chosen.setdefault(model.category, model.id)
        seen_default: set[str] = set()
        memo: dict[str, _Memo] = {}
        out = []
        for model in models:
            key = model.id.casefold()
            entry = entries.get(key)
            patch = _patch(entry) if entry is not None else {}
            default = model.is_default
            if entry is not None and entry.hidden:
                default = False
            elif model.category in chosen:
                default = chosen[model.category] == model.id
            elif default and model.category in seen_default:
                default = False
            if default:
                seen_default.add(model.category)
            if default != model.is_default:
                patch["is_default"] = default
            if not patch:
                out.append(model)
                continue
            known = self._memo.get(key)
            if known is not None and known.base is model and known.patch == patch:
                result = known.result
            else:
                result = model.model_copy(update=patch)
            memo[key] = _Memo(model, patch, result)
            out.append(result)
        self._memo = memo
        return out


def _patch(entry: Curation) -> dict:
    patch: dict = {}
    if entry.hidden:
        patch["hidden"] = True
    if entry.featured:
        patch["featured"] = True
    if entry.premium is not None:
        patch["is_premium"] = entry.premium
    for name in ("name", "description", "readme"):
        value = getattr(entry, name)
        if value is not None:
            patch[name] = value
    if entry.tags:
        patch["tags"] = list(entry.tags)
    if entry.aliases:
        patch["aliases"] = list(entry.aliases)
    return patch


def export_document(entries: Iterable[Curation], slugs: Mapping[str, str]) -> dict:
    """The versioned export: entries sorted by id, each with the model's slug when the catalog knows it."""
    ordered = sorted(entries, key=lambda e: e.model_id.casefold())
    return {
        "format": "ai-registry-curation",
        "version": FORMAT_VERSION,
        "models": [e.record(slugs.get(e.model_id.casefold())) for e in ordered if not e.empty],
    }


def read_document(document, models: Sequence[UnifiedAIModel]) -> tuple[list[Curation], list[str]]:
    """Every entry of an export, checked against the catalog; every problem, each naming its entry."""
    if not isinstance(document, dict):
        return [], ["the file must hold a JSON object with \"format\", \"version\" and \"models\""]
    problems: list[str] = []
    if document.get("format") != "ai-registry-curation":
        problems.append('"format" must be "ai-registry-curation"')
    if document.get("version") != FORMAT_VERSION:
        problems.append(f'"version" must be {FORMAT_VERSION} (got {document.get("version")!r})')
    items = document.get("models")
    if not isinstance(items, list):
        return [], [*problems, '"models" must be a list']
    by_id = {m.id.casefold(): m for m in models}
    by_slug = {m.slug: m for m in models}
    entries: list[Curation] = []
    seen: dict[str, int] = {}
    defaults: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        where = f"models[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        model_id, slug = item.get("id"), item.get("slug")
        model = None
        if isinstance(model_id, str) and model_id:
            model = by_id.get(model_id.casefold())
            where += f" ({model_id})"
            if model is None:
                problems.append(f"{where}: no model has the id {model_id!r}")
                continue
            if isinstance(slug, str) and slug and slug != model.slug:
                problems.append(f"{where}: slug {slug!r} is not this model's ({model.slug!r})")
        elif isinstance(slug, str) and slug:
            model = by_slug.get(slug)
            where += f" ({slug})"
            if model is None:
                problems.append(f"{where}: no model has the slug {slug!r}")
                continue
        else:
            problems.append(f"{where}: needs an \"id\" or a \"slug\"")
            continue
        entry, found = parse_curation(model.id, item)
        problems.extend(f"{where}: {p}" for p in found)
        key = model.id.casefold()
        if key in seen:
            problems.append(f"{where}: the same model as models[{seen[key]}]")
        seen[key] = number
        if entry.default and not entry.hidden:
            if model.category in defaults:
                problems.append(f"{where}: a second default for {model.category} (models[{defaults[model.category]}])")
            defaults.setdefault(model.category, number)
        entries.append(entry)
    return entries, problems
