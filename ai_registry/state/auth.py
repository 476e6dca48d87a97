"""Who is asking, decided on the server for every event: the session cookie of the websocket handshake.

The browser never says who it is: each guarded handler reads the `Cookie` header the socket was
opened with (`self.router.headers.cookie`), looks the token's hash up once for that event, and
refuses before running when the person is signed out, disabled, or below the handler's role.
`requires(role)` marks the handler with the role it needs, so a test can list every handler and
prove none was forgotten.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import reflex as rx

from ai_registry.aggregator.runtime import find_model
from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.identity.roles import Role, role_at_least
from ai_registry.identity.sessions import session_for_token
from ai_registry.identity.web import SIGN_IN_PATH, safe_next, token_from_cookie_header
from ai_registry.store.db import session_scope

F = TypeVar("F", bound=Callable[..., Any])

ROLE_NEEDED = {
    "member": "Your account can browse models but not run them or hold keys; ask an administrator for member access.",
    "admin": "Only an administrator can do this.",
    "viewer": "Sign in to continue.",
}


@dataclass(frozen=True)
class Actor:
    """The signed-in person an event acts for (read from the database, never from the browser)."""

    id: int
    email: str
    role: str
    display_name: str


_current_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("current_actor", default=None)


def resolve_actor(cookie_header: str | None) -> Actor | None:
    """The live session's person for a `Cookie:` header; None for no, forged, ended or expired sessions.

    Blocking (one indexed query): async code calls it through `asyncio.to_thread`.
    """
    token = token_from_cookie_header(cookie_header)
    if token is None:
        return None
    with session_scope() as session:
        found = session_for_token(session=session, raw_token=token)
        if found is None:
            return None
        _row, user = found
        return Actor(id=user.id, email=user.email, role=user.role, display_name=user.display_name)


def current_actor() -> Actor:
    """The person the running guarded handler acts for (set by `requires`; never None inside one)."""
    actor = _current_actor.get()
    if actor is None:
        raise RuntimeError("current_actor() outside a handler guarded by requires()")
    return actor


def acting_role() -> str | None:
    """The role the running guarded handler acts with, or None outside one (never raises)."""
    actor = _current_actor.get()
    return actor.role if actor is not None else None


def visible_model(slug: str) -> UnifiedAIModel | None:
    """The catalog's model at `slug` as the acting person may see it: one the curation hides is not there
    except for admins (the gallery, the model page, the playground, compare and the gateway agree)."""
    model = find_model(slug) if slug else None
    if model is not None and model.hidden and not role_at_least(acting_role(), "admin"):
        return None
    return model


def _cookie_of(state: rx.State) -> str | None:
    return state.router.headers.cookie or None


def page_address(state: rx.State) -> str:
    """The path and query of the page the event came from (where to return after sign-in)."""
    parts = urlsplit(str(state.router.url or ""))
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def sign_in_redirect(state: rx.State):
    """A full-page load of the server's sign-in page (not a Reflex route, so not the client router)."""
    target = f"{SIGN_IN_PATH}?next={quote(page_address(state), safe='/')}"
    return rx.call_script(f"window.location.replace({json.dumps(target)})")


def _refusal(state: rx.State, actor: Actor | None, minimum: Role):
    if actor is None:
        return sign_in_redirect(state)
    return AuthState.show_refusal(ROLE_NEEDED[minimum])


def requires(minimum: Role) -> Callable[[F], F]:
    """Guard an event handler: it runs only for a signed-in, active person of at least `minimum` role.

    Put it under `@rx.event`. Anonymous callers are sent to sign-in; others get a refusal message
    and the handler does not run, so nothing changes.
    """

    def decorate(fn: F) -> F:
        def allowed(actor: Actor | None) -> bool:
            return actor is not None and role_at_least(actor.role, minimum)

        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def guarded_agen(self, *args, **kwargs):
                actor = await asyncio.to_thread(resolve_actor, _cookie_of(self))
                if not allowed(actor):
                    yield _refusal(self, actor, minimum)
                    return
                token = _current_actor.set(actor)
                try:
                    async for item in fn(self, *args, **kwargs):
                        yield item
                finally:
                    _current_actor.reset(token)

            wrapper: Any = guarded_agen
        elif inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def guarded_coro(self, *args, **kwargs):
                actor = await asyncio.to_thread(resolve_actor, _cookie_of(self))
                if not allowed(actor):
                    return _refusal(self, actor, minimum)
                token = _current_actor.set(actor)
                try:
                    return await fn(self, *args, **kwargs)
                finally:
                    _current_actor.reset(token)

            wrapper = guarded_coro
        elif inspect.isgeneratorfunction(fn):
            raise TypeError(f"{fn.__qualname__}: guard a generator handler by making it async")
        else:

            @functools.wraps(fn)
            def guarded(self, *args, **kwargs):
                # Sync handlers already run on the event loop; the lookup is one indexed row.
                actor = resolve_actor(_cookie_of(self))
                if not allowed(actor):
                    return _refusal(self, actor, minimum)
                token = _current_actor.set(actor)
                try:
                    return fn(self, *args, **kwargs)
                finally:
                    _current_actor.reset(token)

            wrapper = guarded
        wrapper.required_role = minimum
        return wrapper  # type: ignore[return-value]

    return decorate


class AuthState(rx.State):
    """What the top bar shows about the signed-in person. Display only: every check is in `requires`."""

    email: str = ""
    role: str = ""
    refusal: str = ""

    @rx.event
    @requires("viewer")
    def load_session(self):
        """First on every page's `on_load`: anonymous visitors go to sign-in, the rest see who they are."""
        actor = current_actor()
        self.email, self.role, self.refusal = actor.email, actor.role, ""

    @rx.event
    @requires("viewer")
    def show_refusal(self, message: str):
        """Say why the last action was refused (text only; it changes nothing else)."""
        self.refusal = str(message)[:300]

    @rx.event
    @requires("viewer")
    def dismiss_refusal(self):
        self.refusal = ""
