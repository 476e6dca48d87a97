"""The Reflex app: pages registered explicitly, extra HTTP routes mounted on the same server."""

from __future__ import annotations

import reflex as rx

from ai_registry import routes
from ai_registry.backend import build_backend
from ai_registry.pages.browse import browse_page
from ai_registry.state.browse import BrowseState

app = rx.App(
    api_transformer=build_backend(),
    head_components=[rx.el.meta(name="description", content="Find, try and integrate AI models.")],
)
app.add_page(browse_page, route=routes.BROWSE, title="AI Models · AI Model Registry", on_load=BrowseState.on_load)
