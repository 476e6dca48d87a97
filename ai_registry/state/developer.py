"""Developer settings: the app's own API keys and the upstream (AINative) key.

Secrets cross to the browser as little as possible: a new key is sent once, for the box that
shows it, and is dropped from the state when dismissed or on the next page load; the upstream
key is write-only: it travels browser to server only (an uncontrolled form field), admins alone
may set or remove it, and no page learns more than whether one is saved.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx

from ai_registry.aggregator.runtime import refresh_catalog
from ai_registry.aggregator.service import SourceStatus
from ai_registry.identity.errors import IdentityError
from ai_registry.identity.keys import create_key_for, keys_visible_to, revoke_key_as
from ai_registry.identity.roles import role_at_least
from ai_registry.identity.upstream_secret import remove_upstream_key as remove_saved_upstream_key
from ai_registry.identity.upstream_secret import set_upstream_key, upstream_key_is_saved
from ai_registry.settings import get_settings
from ai_registry.state.auth import Actor, current_actor, requires
from ai_registry.store.db import session_scope
from ai_registry.store.tables import ApiKey
from ai_registry.store.users import get_user

MAX_UPSTREAM_KEY_LENGTH = 500
UPSTREAM_FIELD = "upstream_key"
KEY_NAME_FIELD = "name"


@dataclasses.dataclass
class ApiKeyView:
    """One key as the list shows it: never the key itself, only its first characters."""

    id: int = 0
    name: str = ""
    prefix: str = ""
    created: str = ""
    last_used: str = ""
    owner: str = ""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "Never"


def api_key_view(row: ApiKey, owners: dict[int, str] | None = None) -> ApiKeyView:
    return ApiKeyView(
        id=row.id or 0,
        name=row.name,
        prefix=row.prefix + "…",
        created=_when(row.created_at),
        last_used=_when(row.last_used_at),
        owner=(owners or {}).get(row.owner_id or 0, "nobody (made before accounts)"),
    )


def load_key_views(actor: Actor) -> list[ApiKeyView]:
    """The active keys the actor may see (an admin: everyone's; others: their own), newest first."""
    with session_scope() as session:
        user = get_user(session=session, user_id=actor.id)
        rows = keys_visible_to(session=session, actor=user)
        owners = {row.owner_id: get_user(session=session, user_id=row.owner_id).email for row in rows if row.owner_id}
        return [api_key_view(row, owners) for row in rows]


def upstream_key_saved() -> bool:
    """Whether a key is saved, without decrypting it."""
    with session_scope() as session:
        return upstream_key_is_saved(session=session)


def environment_upstream_key_set() -> bool:
    return get_settings().api_key is not None


def validate_upstream_key(raw: str) -> tuple[str, str]:
    """The key to save and an error message (empty when the key is fine)."""
    key = raw.strip()
    if not key:
        return "", "Paste the key first."
    if len(key) > MAX_UPSTREAM_KEY_LENGTH:
        return "", f"That is {len(key)} characters long; keys are at most {MAX_UPSTREAM_KEY_LENGTH}."
    # The key goes into an HTTP header: spaces, line breaks and non-ASCII would break every request.
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        return "", "A key has no spaces, line breaks or special characters; check what was pasted."
    return key, ""


def upstream_check_message(statuses: tuple[SourceStatus, ...]) -> tuple[str, bool]:
    """What a refresh with the new key says about the upstream, and whether that is good news."""
    upstream = [s for s in statuses if s.name != "local"]
    failing = [s for s in upstream if s.state in ("stale", "failed")]
    if failing:
        details = "; ".join(f"{s.label}: {s.error or s.state}" for s in failing[:3])
        return f"The upstream did not accept every request: {details}.", False
    skipped = [s for s in upstream if s.state == "skipped"]
    if skipped:
        return f"No key in use: {', '.join(s.label for s in skipped)} cannot be read.", False
    return f"The upstream answered: all {len(upstream)} sources OK.", True


class DeveloperState(rx.State):
    """The developer settings page."""

    api_keys: list[ApiKeyView] = []
    key_name: str = ""
    key_name_error: str = ""
    key_notice: str = ""
    # The key just created: the only time its full value exists outside a hash.
    new_key: str = ""
    new_key_id: int = 0
    new_key_name: str = ""
    copied: bool = False
    confirm_revoke_id: int = 0

    upstream_saved: bool = False
    upstream_from_env: bool = False
    upstream_base: str = ""
    upstream_error: str = ""
    upstream_notice: str = ""
    upstream_check: str = ""
    upstream_check_ok: bool = True
    upstream_checking: bool = False
    confirm_upstream_removal: bool = False
    # False in the pre-rendered page: its forms stay disabled until the live connection has run
    # on_load, so a click before then cannot fall through to the browser's own form submission.
    loaded: bool = False

    @rx.var
    def upstream_in_use(self) -> str:
        """Which upstream key the app uses: saved, environment or none."""
        if self.upstream_saved:
            return "saved"
        return "environment" if self.upstream_from_env else "none"

    def _load_keys(self) -> None:
        self.api_keys = load_key_views(current_actor())

    def _load_upstream(self) -> None:
        if not role_at_least(current_actor().role, "admin"):  # members never learn anything about it
            self.upstream_saved = self.upstream_from_env = False
            self.upstream_base = ""
            return
        self.upstream_saved = upstream_key_saved()
        self.upstream_from_env = environment_upstream_key_set()
        self.upstream_base = get_settings().api_root or ""

    def _forget_new_key(self) -> None:
        self.new_key, self.new_key_id, self.new_key_name, self.copied = "", 0, "", False

    @rx.event
    @requires("member")
    def on_load(self):
        """Fresh lists, and no secret left over from an earlier visit (a reload drops the new key)."""
        self._forget_new_key()
        self.key_name_error = self.key_notice = ""
        self.upstream_error = self.upstream_notice = self.upstream_check = ""
        self.confirm_revoke_id = 0
        self.confirm_upstream_removal = False
        self._load_keys()
        self._load_upstream()
        self.loaded = True

    @rx.event
    @requires("member")
    def set_key_name(self, value: str):
        self.key_name = value
        self.key_name_error = ""

    @rx.event
    @requires("member")
    def create_key(self, form_data: dict):
        """Create a key from the form; its full value is shown once."""
        name = str(form_data.get(KEY_NAME_FIELD, self.key_name))
        self.key_notice = ""
        try:
            with session_scope() as session:
                owner = get_user(session=session, user_id=current_actor().id)
                row, raw = create_key_for(session=session, owner=owner, actor=owner, name=name)
                key_id, key_name = row.id or 0, row.name
        except (IdentityError, ValueError) as exc:
            self.key_name = name
            self.key_name_error = str(exc)
            return None
        self.key_name = self.key_name_error = ""
        self.new_key, self.new_key_id, self.new_key_name, self.copied = raw, key_id, key_name, False
        self.confirm_revoke_id = 0
        self._load_keys()
        return None

    @rx.event
    @requires("member")
    def mark_copied(self):
        self.copied = True

    @rx.event
    @requires("member")
    def dismiss_new_key(self):
        """The person has the key; the state forgets it."""
        self._forget_new_key()

    @rx.event
    @requires("member")
    def ask_revoke(self, key_id: int):
        self.confirm_revoke_id = key_id

    @rx.event
    @requires("member")
    def cancel_revoke(self):
        self.confirm_revoke_id = 0

    @rx.event
    @requires("member")
    def revoke_key(self, key_id: int):
        """Revoke at once: the next request with that key is refused."""
        with session_scope() as session:
            actor = get_user(session=session, user_id=current_actor().id)
            revoked = revoke_key_as(session=session, actor=actor, key_id=key_id)
        name = next((k.name for k in self.api_keys if k.id == key_id), "the key")
        self.key_notice = f"Revoked “{name}”; it stops working now." if revoked else "That key was already revoked."
        if key_id == self.new_key_id:
            self._forget_new_key()
        self.confirm_revoke_id = 0
        self._load_keys()

    @rx.event
    @requires("admin")
    def save_upstream_key(self, form_data: dict):
        """Save the upstream key server-side (encrypted); only "a key is saved" comes back."""
        key, error = validate_upstream_key(str(form_data.get(UPSTREAM_FIELD, "")))
        self.upstream_notice = self.upstream_check = ""
        self.upstream_error = error
        if error:
            return None
        replaced = self.upstream_saved
        with session_scope() as session:
            set_upstream_key(session=session, value=key, actor=get_user(session=session, user_id=current_actor().id))
        self.confirm_upstream_removal = False
        self._load_upstream()
        self.upstream_notice = "Key replaced." if replaced else "Key saved."
        return DeveloperState.check_upstream

    @rx.event
    @requires("admin")
    def ask_remove_upstream_key(self):
        self.confirm_upstream_removal = True

    @rx.event
    @requires("admin")
    def cancel_remove_upstream_key(self):
        self.confirm_upstream_removal = False

    @rx.event
    @requires("admin")
    def remove_upstream_key(self):
        with session_scope() as session:
            remove_saved_upstream_key(session=session, actor=get_user(session=session, user_id=current_actor().id))
        self.confirm_upstream_removal = False
        self.upstream_error = self.upstream_check = ""
        self._load_upstream()
        self.upstream_notice = "Saved key removed." + (
            " The key from AINATIVE_API_KEY is in use again." if self.upstream_from_env else ""
        )
        return DeveloperState.check_upstream

    @rx.event(background=True)
    @requires("admin")
    async def check_upstream(self):
        """Refetch the sources with the key now in use, so the gallery follows and the person sees the result."""
        if not get_settings().api_root:
            async with self:
                self.upstream_check = "No upstream is configured (AINATIVE_API_BASE): the key waits until one is."
                self.upstream_check_ok = True
            return
        async with self:
            if self.upstream_checking:
                return
            self.upstream_checking = True
        message, ok = "Could not check the upstream.", False
        try:
            snapshot = await refresh_catalog(force=True)
            message, ok = upstream_check_message(snapshot.statuses)
        except Exception as exc:  # the check is a courtesy: report it, never break the page
            message = f"Could not check the upstream: {exc}"
        finally:
            async with self:
                self.upstream_checking = False
                self.upstream_check, self.upstream_check_ok = message, ok
