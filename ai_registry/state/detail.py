"""A model's page: which model, which tab, and the API tab's snippet.

The API tab's snippet calls this registry by default (its public URL, `AI_REGISTRY_PUBLIC_URL`, else
the address the page was opened at) with a key of this registry: the one "Create a key for this
snippet" just made, else a placeholder naming Developer settings. `call_mode` switches it to the
runs-API form (long-running models: start a run, then poll it) or to the direct-to-AINative form
(the upstream's own URL and the person's own AINative key).
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ai_registry import routes
from ai_registry.aggregator.runtime import catalog_version, find_model
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.catalog.pricing import price_label, price_table, pricing_note
from ai_registry.catalog.provenance import origin_rows
from ai_registry.catalog.render import render_markdown
from ai_registry.catalog.token_prices import price_sources
from ai_registry.codegen.highlight import highlight_html
from ai_registry.codegen.key_source import UPSTREAM_KEY, KeySource, registry_key
from ai_registry.codegen.runs_snippets import is_long_running, runs_snippet
from ai_registry.codegen.snippets import FORMAT_LABELS, FORMATS, snippet
from ai_registry.identity.errors import IdentityError
from ai_registry.identity.keys import create_key_for
from ai_registry.identity.roles import role_at_least
from ai_registry.inference.transport import is_local
from ai_registry.kinds import kind_for
from ai_registry.settings import get_settings
from ai_registry.state.auth import current_actor, requires
from ai_registry.state.browse import BrowseState
from ai_registry.state.views import source_dates
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user

FORMAT_OPTIONS = list(FORMAT_LABELS.items())
# How the snippet calls the model: through this registry (the default), through the runs API (start
# a run, then poll it: long-running models), or straight to the upstream with one's own AINative key.
CALL_MODES = ("registry", "runs", "direct")
CALL_MODE_LABELS = {"registry": "This registry", "runs": "Runs API (start, then poll)", "direct": "Direct to AINative"}
# What the API tab's snippet depends on (it reads the catalog through helpers Reflex cannot trace).
SNIPPET_DEPS = ["code_format", "model_slug", "values_version", "call_mode", "snippet_key"]
KEY_DEPS = ["model_slug", "call_mode"]


@dataclasses.dataclass
class ParameterView:
    name: str = ""
    type: str = ""
    required: bool = False
    default: str = ""
    allowed: str = ""
    description: str = ""


@dataclasses.dataclass
class PriceRow:
    what: str = ""
    price: str = ""


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parameter_view(param) -> ParameterView:
    if param.options:
        allowed = ", ".join(_fmt(o) for o in param.options)
    elif param.min is not None or param.max is not None:
        allowed = f"{_fmt(param.min) or '…'} – {_fmt(param.max) or '…'}"
    elif param.max_length:
        allowed = f"up to {param.max_length:,} characters"
    elif param.accept:
        allowed = ", ".join(param.accept[:4]) + (" …" if len(param.accept) > 4 else "")
    else:
        allowed = ""
    return ParameterView(
        name=param.name,
        type=param.type,
        required=param.required,
        default=_fmt(param.default),
        allowed=allowed,
        description=param.description,
    )


class DetailState(rx.State):
    """The model shown, its tab, and the API tab's choices. Values are plain strings for the page."""

    found: bool = True
    model_slug: str = ""
    name: str = ""
    description: str = ""
    provider: str = ""
    category: str = ""
    capabilities: list[str] = []
    is_default: bool = False
    is_premium: bool = False
    is_hidden: bool = False  # only an admin's page ever shows a hidden model
    availability: str = "unknown"
    availability_note: str = ""
    price: str = ""
    prices: list[PriceRow] = []
    origins: list[list[str]] = []  # where the facts come from: [who, address, which facts]
    pricing_note: str = ""
    price_source: str = ""  # where the price comes from and when it was last synced (issue 15)
    rate_limit: str = ""
    endpoint: str = ""
    method: str = ""
    facts: list[list[str]] = []
    parameters: list[ParameterView] = []
    readme_html: str = ""
    tab: str = routes.DEFAULT_TAB
    back_url: str = routes.BROWSE

    code_format: str = "curl"
    copied: bool = False
    call_mode: str = "registry"
    long_running: bool = False
    run_minutes: str = ""  # how long a run of a long-running model takes, in words ("about 2 minutes")
    upstream_model: bool = False  # runs upstream, so the direct-to-AINative form applies
    # The key "Create a key for this snippet" made: its only plain copy, dropped with the model.
    snippet_key: str = ""
    snippet_key_name: str = ""
    snippet_key_error: str = ""
    _values: dict[str, object] = {}
    _shown_version: int = -1  # the catalog (and curation) version the page shows
    values_version: int = 0  # bumped when the playground's values change, so the snippet follows

    def _model(self) -> UnifiedAIModel | None:
        return find_model(self.model_slug) if self.model_slug else None

    @rx.var
    def page_title(self) -> str:
        """The browser tab's title: the model's name (the shell before `on_load` names only the app)."""
        if not self.found:
            return f"Model not found · {routes.APP_NAME}"
        return f"{self.name} · {routes.APP_NAME}" if self.name else routes.APP_NAME

    @rx.event
    @requires("viewer")
    async def on_load(self):
        """Read the slug and `?tab=` (also on Back/Forward); unknown tabs fall back to Playground."""
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.tab = routes.parse_tab(self.router.url.query_parameters.get("tab"))
        browse = await self.get_state(BrowseState)
        self.back_url = browse.gallery_url
        model = find_model(slug)
        if model is not None and model.hidden and not role_at_least(current_actor().role, "admin"):
            model = None  # curated away: for members and viewers it is not there
        version = catalog_version()
        if slug == self.model_slug and self.found and model is not None and version == self._shown_version:
            return
        self._shown_version = version
        self.model_slug = slug
        self.copied = False
        self.call_mode, self.snippet_key, self.snippet_key_name, self.snippet_key_error = "registry", "", "", ""
        self.found = model is not None
        if model is None:
            self.name = ""
            return
        self._show(model)

    def _show(self, model: UnifiedAIModel) -> None:
        self.name = model.name
        self.description = model.description
        self.provider = model.provider
        self.category = model.category
        self.capabilities = list(model.capabilities)
        self.is_default = model.is_default
        self.is_premium = model.is_premium
        self.is_hidden = model.hidden
        self.availability = "unknown" if model.available is None else ("up" if model.available else "down")
        self.availability_note = model.availability_note or ""
        self.price = price_label(model.pricing)
        self.prices = [PriceRow(what, price) for what, price in price_table(model.pricing)]
        self.origins, self.pricing_note = origin_rows(model), pricing_note(model) or ""
        self.price_source = price_sources(model, source_dates())
        limit = model.rate_limit
        self.rate_limit = (
            f"{limit.requests} requests per {'minute' if limit.per_seconds == 60 else f'{limit.per_seconds} s'}"
            if limit
            else "No published limit"
        )
        self.endpoint = model.endpoint
        self.method = model.method
        self.facts = [[k, v] for k, v in model.facts.items()]
        self.parameters = [parameter_view(p) for p in model.parameters]
        self.readme_html = render_markdown(model.readme or f"# {model.name}\n\n{model.description}")
        self.long_running = is_long_running(model)
        minutes = round(kind_for(model).expected_run_seconds(model) / 60)
        self.run_minutes = f"about {minutes} minute{'s' if minutes != 1 else ''}" if self.long_running else ""
        self.upstream_model = not is_local(model)

    @rx.event
    @requires("viewer")
    def set_tab(self, tab: str):
        tab = routes.parse_tab(tab)
        if tab == self.tab:
            return None
        self.tab = tab
        return rx.redirect(routes.model_url(self.model_slug, tab))

    @rx.event
    @requires("viewer")
    def set_code_format(self, fmt: str):
        if fmt in FORMATS:
            self.code_format = fmt
            self.copied = False

    @rx.event
    @requires("viewer")
    def set_call_mode(self, mode: str):
        """Through this registry, the runs API (long-running models only) or straight to AINative."""
        allowed = {"registry": True, "runs": self.long_running, "direct": self.upstream_model}
        if allowed.get(mode, False):
            self.call_mode = mode
            self.copied = False

    @rx.event
    @requires("member")
    def create_snippet_key(self):
        """A new key of the signed-in person, put into the snippet (and listed in Developer settings)."""
        self.snippet_key_error = ""
        name = f"Snippet: {self.name or self.model_slug}"[:100]
        try:
            with session_scope() as session:
                owner = get_user(session=session, user_id=current_actor().id)
                row, raw = create_key_for(session=session, owner=owner, actor=owner, name=name)
                self.snippet_key_name = row.name
        except (IdentityError, ValueError) as exc:
            self.snippet_key_error = str(exc)
            return
        self.snippet_key = raw
        if self.call_mode == "direct":
            self.call_mode = "registry"
        self.copied = False

    def _origin(self) -> str:
        return self.router.url.origin or "http://localhost:3000"

    def _registry_url(self) -> str:
        """This registry's public base URL: the setting, else the address the page was opened at."""
        return (get_settings().public_url or self._origin()).rstrip("/")

    def _key_source(self) -> KeySource:
        return UPSTREAM_KEY if self.call_mode == "direct" else registry_key(self._registry_url())

    @rx.var(deps=KEY_DEPS, auto_deps=False)
    def key_sentence(self) -> str:
        """The API tab's one line: which key the snippet needs and where it comes from."""
        return self._key_source().sentence if self.model_slug else ""

    @rx.var(deps=KEY_DEPS, auto_deps=False)
    def key_link(self) -> str:
        return self._key_source().link

    @rx.var(deps=KEY_DEPS, auto_deps=False)
    def key_link_label(self) -> str:
        return self._key_source().link_label

    def _snippet_text(self) -> str:
        model = self._model()
        if model is None:
            return ""
        # The upstream key is write-only: a snippet holds the person's own key of this registry (just
        # made here) or a placeholder, never the registry's AINative key.
        key = self.snippet_key or None
        if self.call_mode == "runs" and self.long_running:
            base = self._registry_url()
            return runs_snippet(self.code_format, model, self._values, base_url=base, api_key=key,
                                key_source=registry_key(base))  # fmt: skip
        direct = self.call_mode == "direct"
        return snippet(
            self.code_format,
            model,
            self._values,
            base_url=get_settings().public_api_base if direct else self._registry_url(),
            prefix="/v1",
            api_key=None if direct else key,
            key_source=self._key_source(),
        )

    @rx.var(deps=SNIPPET_DEPS, auto_deps=False)
    def code_text(self) -> str:
        return self._snippet_text()

    @rx.var(deps=SNIPPET_DEPS, auto_deps=False)
    def code_html(self) -> str:
        return highlight_html(self._snippet_text(), self.code_format)

    @rx.event
    @requires("viewer")
    def copy_code(self):
        self.copied = True
        return rx.set_clipboard(self._snippet_text())
