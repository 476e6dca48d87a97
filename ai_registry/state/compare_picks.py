"""The gallery's tray of picks for a comparison, and a model page's tally of the comparisons it won."""

from __future__ import annotations

import asyncio

import reflex as rx

from ai_registry import routes
from ai_registry.inference.compare import MAX_MODELS
from ai_registry.state.auth import requires
from ai_registry.state.compare_store import wins_of


class CompareTrayState(rx.State):
    """The gallery's picks for a comparison: up to four slugs, with their names."""

    picks: list[str] = []
    names: list[str] = []
    tray_note: str = ""

    @rx.var
    def compare_href(self) -> str:
        return routes.compare_url(self.picks)

    @rx.event
    @requires("viewer")
    def toggle_pick(self, slug: str, name: str):
        if slug in self.picks:
            keep = [i for i, s in enumerate(self.picks) if s != slug]
            self.picks, self.names = [self.picks[i] for i in keep], [self.names[i] for i in keep]
            self.tray_note = ""
        elif len(self.picks) >= MAX_MODELS:
            self.tray_note = f"At most {MAX_MODELS} models: remove one to pick {name}."
        else:
            self.picks, self.names = [*self.picks, slug], [*self.names, name]
            self.tray_note = ""

    @rx.event
    @requires("viewer")
    def clear_picks(self):
        self.picks, self.names, self.tray_note = [], [], ""


class CompareWinsState(rx.State):
    """A model page's tally of the comparisons the model won."""

    wins: int = 0
    wins_slug: str = ""

    @rx.event
    @requires("viewer")
    async def on_load(self):
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.wins_slug = slug
        self.wins = await asyncio.to_thread(wins_of, slug)
