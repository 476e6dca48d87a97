"""Filter, search, sort and count the catalog: pure, and fast enough for 10,000 models.

`CatalogIndex` precomputes each model's search text, categories and the three sort orders once,
so a query is a single pass over a pre-sorted list with cheap checks.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ai_registry.catalog.models import CATEGORIES, CATEGORY_CAPABILITIES, MODEL_CATEGORIES, UnifiedAIModel

SortOrder = Literal["newest", "oldest", "name"]
SORT_ORDERS: dict[str, str] = {"newest": "Newest", "oldest": "Oldest", "name": "Name"}
DEFAULT_SORT: SortOrder = "newest"
DEFAULT_CATEGORY = "All"
MAX_QUERY_LENGTH = 200
_CACHED_QUERIES = 64  # per catalog snapshot: recent searches, their tab counts and result lists


def model_categories(model: UnifiedAIModel) -> frozenset[str]:
    """Every category a model belongs to: its own, and those its capabilities imply."""
    caps = {c.casefold() for c in model.capabilities}
    implied = {name for name, wanted in CATEGORY_CAPABILITIES.items() if caps & wanted}
    return frozenset({model.category, *implied})


def matches_category(model: UnifiedAIModel, category: str) -> bool:
    """The spec's rule: a model is in a category by its category or its capabilities."""
    return category == "All" or category in model_categories(model)


# The words people type for a capability: a search for any of them finds the models that have it.
CAPABILITY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "text-to-speech": ("tts", "speech synthesis", "voice", "speak"),
    "speech-to-text": ("stt", "asr", "transcribe", "speech recognition"),
    "transcription": ("stt", "asr", "transcribe", "speech-to-text"),
    "translation": ("translate",),
    "chat": ("llm", "llms", "chatbot", "assistant"),
    "text-generation": ("llm", "llms", "chat", "completion"),
    "code": ("coding", "programming"),
    "embedding": ("embeddings", "vector", "vectors", "semantic search"),
    "semantic-search": ("embeddings", "similarity"),
    "image-generation": ("text-to-image", "txt2img", "t2i", "picture"),
    "text-to-image": ("txt2img", "t2i"),
    "image-editing": ("edit", "inpainting"),
    "image-to-video": ("i2v", "img2vid", "animate"),
    "text-to-video": ("t2v",),
    "video-generation": ("video",),
}
# A model that costs nothing to run (the local engine's) is found by these words.
FREE_WORDS = ("free", "local", "offline", "self-hosted")


def search_tags(model: UnifiedAIModel) -> list[str]:
    """Words a search finds the model by besides its own text: its category, the common names of its
    capabilities (tts, stt, asr, llm, embeddings...) and, when it is free to run, free and local."""
    tags = [model.category]
    for capability in model.capabilities:
        tags.extend(CAPABILITY_SYNONYMS.get(capability.casefold(), ()))
    if model.pricing is not None and model.pricing.basis == "free":
        tags.extend(FREE_WORDS)
    return tags


def search_text(model: UnifiedAIModel) -> str:
    """What a search looks through: name, id, provider, description, capabilities and their synonyms."""
    parts = [model.name, model.id, model.provider, model.description, " ".join(model.capabilities)]
    parts += [*model.tags, *model.aliases]  # the curation's words
    return " ".join([*parts, *search_tags(model)]).casefold()


def search_terms(query: str) -> list[str]:
    return query.casefold()[:MAX_QUERY_LENGTH].split()


def matches_search(model: UnifiedAIModel, query: str) -> bool:
    """Every word of the query occurs in the model's search text."""
    text = search_text(model)
    return all(term in text for term in search_terms(query))


def parse_category(value: str | None) -> str:
    """A category from a URL value (any case); unknown values fall back to All."""
    if not value:
        return DEFAULT_CATEGORY
    lookup = {c.casefold(): c for c in CATEGORIES}
    return lookup.get(value.strip().casefold(), DEFAULT_CATEGORY)


def parse_sort(value: str | None) -> SortOrder:
    """A sort order from a URL value; unknown values fall back to Newest."""
    key = (value or "").strip().casefold()
    return key if key in SORT_ORDERS else DEFAULT_SORT  # type: ignore[return-value]


def parse_query(value: str | None) -> str:
    """A search query from a URL value, trimmed and bounded."""
    return " ".join((value or "").split())[:MAX_QUERY_LENGTH]


def _name_key(model: UnifiedAIModel) -> tuple[str, str]:
    return (model.name.casefold(), model.id)


def sort_models(models: Sequence[UnifiedAIModel], order: str) -> list[UnifiedAIModel]:
    """Newest or Oldest by release date (undated last), or Name; ties by name. Newest (the default)
    puts featured models first."""
    if order == "name":
        return sorted(models, key=_name_key)
    dated = [m for m in models if m.created is not None]
    undated = sorted((m for m in models if m.created is None), key=_name_key)
    newest_first = order != "oldest"
    # Two stable sorts: by name, then by date, so equal dates stay alphabetical.
    dated = sorted(sorted(dated, key=_name_key), key=lambda m: m.created, reverse=newest_first)
    ordered = dated + undated
    if order == "newest":
        ordered = sorted(ordered, key=lambda m: not m.featured)  # stable: featured first, each in order
    return ordered


@dataclass(frozen=True)
class _Entry:
    model: UnifiedAIModel
    text: str
    categories: frozenset[str]
    keys: dict[str, tuple] = field(compare=False)  # its place in each sort order

    @classmethod
    def of(cls, model: UnifiedAIModel) -> _Entry:
        name = _name_key(model)
        dated = model.created is not None
        keys = {
            "name": name,
            # Featured models (the curation's pins) come first in the default sort.
            "newest": (not model.featured, 0, -model.created, name) if dated else (not model.featured, 1, 0, name),
            "oldest": (0, model.created, name) if dated else (1, 0, name),
        }
        return cls(model, search_text(model), model_categories(model), keys)


class _Lru(OrderedDict):
    """A small least-recently-used cache."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, compute):
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = self[key] = compute()
            if len(self) > self.size:
                self.popitem(last=False)
            return value


@dataclass
class CatalogIndex:
    """A catalog prepared for repeated queries.

    Each category's models are kept in each sort order, so a query without search words is a
    look-up; searches and tab counts are remembered per query (an index lives as long as one
    catalog snapshot), so switching tabs or sort orders over the same search does no scan at all.
    """

    models: Sequence[UnifiedAIModel]
    _orders: dict[str, list[_Entry]] = field(init=False, repr=False)
    _lists: dict[tuple[str, str], list[_Entry]] = field(init=False, repr=False)
    _visible: dict[tuple[str, str], list[_Entry]] = field(init=False, repr=False)
    _results: _Lru = field(init=False, repr=False)
    _facets: _Lru = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        entries = [_Entry.of(m) for m in self.models]
        self._set_orders({order: sorted(entries, key=lambda e, o=order: e.keys[o]) for order in SORT_ORDERS})

    def _set_orders(self, orders: dict[str, list[_Entry]]) -> None:
        self._orders = orders
        self._lists = {}
        for order, ordered in self._orders.items():
            self._lists[(order, "All")] = ordered
            for category in MODEL_CATEGORIES:
                self._lists[(order, category)] = [e for e in ordered if category in e.categories]
        # What everyone but admins sees: the same lists without the models the curation hides.
        if any(e.model.hidden for e in self._orders["name"]):
            self._visible = {k: [e for e in v if not e.model.hidden] for k, v in self._lists.items()}
        else:
            self._visible = self._lists
        self._results = _Lru(_CACHED_QUERIES)
        self._facets = _Lru(_CACHED_QUERIES)
        self._lock = threading.Lock()

    def updated(self, models: Sequence[UnifiedAIModel]) -> CatalogIndex:
        """The index of `models`, reusing this one's work for every model that is the very same object.

        A refresh that changed a few models indexes those few and moves them into place in the
        sort orders; the result answers every query exactly as `CatalogIndex(models)` would.
        """
        old = {id(e.model): e for e in self._orders["name"]}
        kept = {id(m) for m in models if id(m) in old}
        new = [_Entry.of(m) for m in models if id(m) not in old]
        index = object.__new__(CatalogIndex)
        index.models = models
        orders = {}
        for order, ordered in self._orders.items():
            current = [e for e in ordered if id(e.model) in kept]
            if len(new) * 8 > len(models):
                current = sorted([*current, *new], key=lambda e, o=order: e.keys[o])
            else:
                for entry in new:
                    bisect.insort(current, entry, key=lambda e, o=order: e.keys[o])
            orders[order] = current
        index._set_orders(orders)
        return index

    def __len__(self) -> int:
        return len(self.models)

    def _matches(
        self, category: str, terms: tuple[str, ...], sort: str, include_hidden: bool = False
    ) -> list[UnifiedAIModel]:
        if sort not in SORT_ORDERS:
            sort = DEFAULT_SORT
        if category != "All" and category not in MODEL_CATEGORIES:
            return []
        entries = (self._lists if include_hidden else self._visible)[(sort, category)]
        if not terms:
            return [e.model for e in entries]
        return [e.model for e in entries if all(t in e.text for t in terms)]

    def query(
        self, *, category: str = "All", q: str = "", sort: str = DEFAULT_SORT, include_hidden: bool = False
    ) -> list[UnifiedAIModel]:
        """The models of `category` matching every word of `q`, in `sort` order; hidden ones only for admins."""
        key = (category, tuple(search_terms(q)), sort, include_hidden)
        with self._lock:
            found = self._results.get_or(key, lambda: self._matches(*key))
        return list(found)

    def facets(self, *, q: str = "", include_hidden: bool = False) -> dict[str, int]:
        """How many models each category tab would show for the search `q`."""
        key = (tuple(search_terms(q)), include_hidden)
        with self._lock:
            return dict(self._facets.get_or(key, lambda: self._count(*key)))

    def _count(self, terms: tuple[str, ...], include_hidden: bool = False) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        lists = self._lists if include_hidden else self._visible
        if not terms:
            for category in CATEGORIES:
                counts[category] = len(lists[(DEFAULT_SORT, category)])
            return counts
        for e in lists[(DEFAULT_SORT, "All")]:
            if all(t in e.text for t in terms):
                counts["All"] += 1
                for c in e.categories:
                    if c in counts:
                        counts[c] += 1
        return counts


def facet_counts(models: Sequence[UnifiedAIModel], q: str = "") -> dict[str, int]:
    """Per-category counts without building an index (small lists)."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for m in models:
        if q and not matches_search(m, q):
            continue
        counts["All"] += 1
        for c in model_categories(m) & set(MODEL_CATEGORIES):
            counts[c] += 1
    return counts
