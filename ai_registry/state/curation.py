"""The model page's Curate panel: admins hide, star, feature, rename and tag a model (issue 15).

Every handler is `@requires("admin")`: members and viewers never see the panel, and a hand-made
event from them is refused before anything changes. A save is checked (`parse_curation`), stored
with its audit event in one transaction, and shown at once on the page.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from ai_registry.aggregator import curation as overlay_cache
from ai_registry.aggregator.runtime import catalog_index, find_model, get_aggregator
from ai_registry.catalog.curation import MAX_NAME, Curation, parse_curation
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.state.auth import current_actor, requires
from ai_registry.state.detail import DetailState
from ai_registry.store.curation import save_curation
from ai_registry.store.db import session_scope


def _merged(model: UnifiedAIModel) -> UnifiedAIModel:
    """The model as the merge made it, before the curation (what an unchanged field falls back to)."""
    key = model.id.casefold()
    return next((m for m in get_aggregator().snapshot.models if m.id.casefold() == key), model)


def _checked(form: dict, name: str) -> bool:
    return str(form.get(name, "")).strip().casefold() in ("on", "true", "1", "yes")


def entry_from_form(model: UnifiedAIModel, form: dict) -> tuple[Curation, list[str]]:
    """The entry a submitted form asks for: a field equal to the merged value is no override."""
    base = _merged(model)
    premium = _checked(form, "premium")
    values: dict = {
        "hidden": _checked(form, "hidden"),
        # Ticked on the merged catalog's own default: keep it as is (no entry) rather than pin it.
        "default": _checked(form, "default")
        and not (base.is_default and model.is_default and not _stored_default(model)),
        "premium": None if premium == base.is_premium else premium,
        "featured": _checked(form, "featured"),
        "tags": str(form.get("tags", "")),
        "aliases": str(form.get("aliases", "")),
    }
    for field in ("name", "description", "readme"):
        text = str(form.get(field, "")).replace("\r\n", "\n")
        values[field] = None if text.strip() == (getattr(base, field) or "").strip() else text
    entry, problems = parse_curation(model.id, values)
    if not str(form.get("name", "")).strip():
        problems.insert(0, f"name must be 1 to {MAX_NAME} characters (it is empty)")
    return entry, problems


def _stored_default(model: UnifiedAIModel) -> bool:
    """Whether the overlay itself (not the merged catalog) makes `model` its category's default."""
    entry = overlay_cache.current_overlay()[1].entry(model.id)
    return entry is not None and entry.default


class CurationState(rx.State):
    """The Curate panel's form: loaded when an admin opens it, saved on submit."""

    open: bool = False
    form_key: int = 0  # bumped on open, so the uncontrolled fields take the loaded values
    slug: str = ""
    category: str = ""
    hidden: bool = False
    default: bool = False
    premium: bool = False
    featured: bool = False
    name: str = ""
    description: str = ""
    readme: str = ""
    tags: str = ""
    aliases: str = ""
    errors: list[str] = []
    notice: str = ""

    def _load(self, model: UnifiedAIModel) -> None:
        self.slug, self.category = model.slug, model.category
        self.hidden, self.default = model.hidden, model.is_default
        self.premium, self.featured = model.is_premium, model.featured
        self.name, self.description, self.readme = model.name, model.description, model.readme or ""
        self.tags, self.aliases = " ".join(model.tags), " ".join(model.aliases)
        self.form_key += 1

    @rx.event
    @requires("admin")
    async def open_panel(self):
        """Show the panel with the model's current (curated) values."""
        detail = await self.get_state(DetailState)
        model = await asyncio.to_thread(find_model, detail.model_slug)
        if model is None:
            self.errors = [f"No model has the address {detail.model_slug!r}."]
            return
        self._load(model)
        self.errors, self.notice, self.open = [], "", True

    @rx.event
    @requires("admin")
    def close_panel(self):
        self.open, self.errors = False, []

    @rx.event
    @requires("admin")
    async def save(self, form_data: dict):
        """Check the form; store the entry and its audit event together; show the result on the page."""
        self.notice, self.errors = "", []
        detail = await self.get_state(DetailState)
        model = await asyncio.to_thread(find_model, detail.model_slug)
        if model is None:
            self.errors = [f"No model has the address {detail.model_slug!r}; nothing was saved."]
            return
        entry, problems = entry_from_form(model, dict(form_data or {}))
        if problems:
            self.errors = [p[0].upper() + p[1:] for p in problems]
            return
        actor = current_actor()
        same_category = [m.id for m in catalog_index().models if m.category == model.category]

        def store() -> bool:
            with session_scope() as session:
                return save_curation(
                    session=session, entry=entry, same_category=same_category,
                    actor_id=actor.id, actor_email=actor.email, target=model.slug,
                )

        try:
            changed = await asyncio.to_thread(store)
        except Exception as exc:  # the database is down: say so, keep the form as typed
            self.errors = [f"Could not save: {type(exc).__name__}. Nothing was changed; try again."]
            return
        overlay_cache.forget()
        fresh = await asyncio.to_thread(find_model, model.slug)
        if fresh is not None:
            self._load(fresh)
            detail._show(fresh)
            detail._shown_version = -1
        self.notice = "Saved." if changed else "Nothing changed."
        self.open = False
