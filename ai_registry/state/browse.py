"""The gallery's state: the URL's choices in, one page of cards out.

The catalog itself never enters the state: it lives in the process-wide aggregator, and the
browser gets only the cards it renders.
"""

from __future__ import annotations

import functools

import reflex as rx

from ai_registry import routes
from ai_registry.aggregator.runtime import (
    catalog_index,
    catalog_version,
    get_aggregator,
    local_catalog,
    refresh_catalog,
)
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import CATEGORIES
from ai_registry.catalog.query import (
    DEFAULT_SORT,
    SORT_ORDERS,
    CatalogIndex,
    parse_category,
    parse_query,
    parse_sort,
)
from ai_registry.identity.roles import role_at_least
from ai_registry.state.auth import current_actor, requires
from ai_registry.state.views import CardView, StatusView, card_view, source_dates, status_view
from ai_registry.store.db import session_scope
from ai_registry.store.examples import featured_outputs
from ai_registry.store.runs import latest_outputs

PAGE_SIZE = 48


def _run_thumbnails() -> tuple[dict[str, str], dict[str, str]]:
    """Card thumbnails from runs: each model's featured example output the person sees (issue 15), and
    each model's latest successful image or video run of the person (anyone's, for an admin) for
    models without one. Runs are private, so nobody sees another's outputs here except team examples."""
    actor = current_actor()
    owner = None if role_at_least(actor.role, "admin") else actor.id
    try:
        with session_scope() as session:
            return (
                featured_outputs(session=session, viewer_id=actor.id),
                latest_outputs(session=session, owner_id=owner),
            )
    except Exception:  # no database yet: cards simply keep their own thumbnails
        return {}, {}


@functools.cache
def _first_page() -> tuple[list[CardView], dict[str, int], int]:
    """The default view from the data files alone, so it is in the prerendered HTML.

    Built on first use (the build's prerender, or the first session), never at import.
    """
    index = CatalogIndex([*load_builtin_catalog(), *local_catalog()])
    models = index.query(sort=DEFAULT_SORT)
    return [card_view(m) for m in models[:PAGE_SIZE]], index.facets(), len(models)


def _default_cards() -> list[CardView]:
    return list(_first_page()[0])


def _default_counts() -> dict[str, int]:
    return dict(_first_page()[1])


def _default_total() -> int:
    return _first_page()[2]


class BrowseState(rx.State):
    """Category, sort, search and how many cards to show; the cards follow from them."""

    category: str = "All"
    sort: str = DEFAULT_SORT
    q: str = ""
    limit: int = PAGE_SIZE
    cards: list[CardView] = rx.field(default_factory=_default_cards)
    counts: dict[str, int] = rx.field(default_factory=_default_counts)
    total: int = rx.field(default_factory=_default_total)
    degraded: list[StatusView] = []
    refreshing: bool = False
    catalog_version: int = 0

    @rx.var
    def has_more(self) -> bool:
        return self.total > len(self.cards)

    @rx.var
    def filtered(self) -> bool:
        return self.category != "All" or bool(self.q)

    @rx.var
    def empty_message(self) -> str:
        parts = []
        if self.q:
            parts.append(f"matching “{self.q}”")
        if self.category != "All":
            parts.append(f"in {self.category}")
        return "No models " + " ".join(parts) + "." if parts else "No models yet."

    @rx.var
    def gallery_url(self) -> str:
        return routes.browse_url(category=self.category, sort=self.sort, q=self.q)

    def _apply(self) -> None:
        index = catalog_index()
        admin = role_at_least(current_actor().role, "admin")  # only admins see what the curation hides
        models = index.query(category=self.category, q=self.q, sort=self.sort, include_hidden=admin)
        self.total = len(models)
        featured, run_outputs = _run_thumbnails()
        synced = source_dates()
        self.cards = [card_view(m, run_outputs, synced, featured) for m in models[: self.limit]]
        self.counts = index.facets(q=self.q, include_hidden=admin)
        snapshot = get_aggregator().snapshot
        self.degraded = [status_view(s) for s in snapshot.degraded]
        self.catalog_version = catalog_version()

    def _navigate(self):
        self._apply()
        return rx.redirect(self.gallery_url)

    @rx.event
    @requires("viewer")
    def on_load(self):
        """Read the URL (also on Back/Forward), show the cards, refresh the sources when due."""
        params = self.router.url.query_parameters
        category = parse_category(params.get("category"))
        sort = parse_sort(params.get("sort"))
        q = parse_query(params.get("q"))
        changed = (category, sort, q) != (self.category, self.sort, self.q)
        self.category, self.sort, self.q = category, sort, q
        if changed:
            self.limit = PAGE_SIZE
        if changed or self.catalog_version != catalog_version() or not self.catalog_version:
            self._apply()
        if not get_aggregator().is_fresh():
            return BrowseState.refresh_sources(False)
        return None

    @rx.event
    @requires("viewer")
    def set_category(self, category: str):
        if category not in CATEGORIES:
            return None
        self.category = category
        self.limit = PAGE_SIZE
        return self._navigate()

    @rx.event
    @requires("viewer")
    def set_sort(self, sort: str):
        self.sort = parse_sort(sort)
        return self._navigate()

    @rx.event
    @requires("viewer")
    def set_search(self, q: str):
        q = parse_query(q)
        if q == self.q:
            return None
        self.q = q
        self.limit = PAGE_SIZE
        return self._navigate()

    @rx.event
    @requires("viewer")
    def clear_search(self):
        self.q = ""
        return self._navigate()

    @rx.event
    @requires("viewer")
    def clear_filters(self):
        self.category, self.q, self.limit = "All", "", PAGE_SIZE
        return self._navigate()

    @rx.event
    @requires("viewer")
    def show_more(self):
        self.limit += PAGE_SIZE
        self._apply()

    @rx.event(background=True)
    @requires("viewer")
    async def refresh_sources(self, force: bool = False):
        """Fetch the upstream sources off the request path; the stored catalog stays on screen."""
        async with self:
            if self.refreshing:
                return
            self.refreshing = True
        try:
            await refresh_catalog(force=force)
        finally:
            async with self:
                self.refreshing = False
                # Most refreshes bring nothing new (same bytes, same version): no cards to resend.
                if force or self.catalog_version != catalog_version():
                    self._apply()

    @rx.event
    @requires("viewer")
    def retry(self):
        return BrowseState.refresh_sources(True)


SORT_OPTIONS = list(SORT_ORDERS.items())
