"""The Team page (admins): people and their roles, invite links, open sign-up.

Every change goes through `ai_registry.identity` (which refuses demoting or disabling the last
active administrator, ends a disabled person's sessions and keys, and writes the audit log), as
the person the session cookie names, from the address the websocket came from.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import reflex as rx

from ai_registry import routes
from ai_registry.identity import accounts, invites
from ai_registry.identity.errors import IdentityError
from ai_registry.identity.roles import ROLES, role_at_least
from ai_registry.identity.signup_setting import read_signup_setting, save_signup_setting
from ai_registry.settings import get_settings
from ai_registry.state.auth import current_actor, requires
from ai_registry.store.db import session_scope
from ai_registry.store.invites import list_invites
from ai_registry.store.tables import Invite, User
from ai_registry.store.users import get_user, list_users

# How long a new invite lasts: the choices the form offers (label, hours).
INVITE_LIFETIMES = (("1 day", 24), ("3 days", 72), ("7 days", 168), ("30 days", 720))
DEFAULT_LIFETIME_HOURS = 168


@dataclasses.dataclass
class PersonView:
    id: int = 0
    email: str = ""
    name: str = ""
    role: str = ""
    active: bool = True
    created: str = ""
    last_sign_in: str = ""
    is_you: bool = False


@dataclasses.dataclass
class InviteView:
    id: int = 0
    role: str = ""
    email: str = ""
    created: str = ""
    expires: str = ""
    created_by: str = ""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "Never"


def person_view(user: User, *, you: int) -> PersonView:
    return PersonView(
        id=user.id or 0, email=user.email, name=user.display_name, role=user.role, active=user.active,
        created=_when(user.created_at), last_sign_in=_when(user.last_sign_in_at), is_you=user.id == you,
    )


def invite_view(invite: Invite, emails: dict[int, str]) -> InviteView:
    return InviteView(
        id=invite.id or 0, role=invite.role, email=invite.email or "anyone with the link",
        created=_when(invite.created_at), expires=_when(invite.expires_at),
        created_by=emails.get(invite.created_by or 0, "the command line"),
    )


def invite_link(raw_token: str, page_url: str) -> str:
    """The full address to send: the public URL's, else the one the admin is using."""
    base = (get_settings().public_url or "").rstrip("/")
    if not base:
        from urllib.parse import urlsplit

        parts = urlsplit(page_url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return base + routes.invite_path(raw_token)


class TeamState(rx.State):
    """People, invites and sign-up, for administrators."""

    people: list[PersonView] = []
    open_invites: list[InviteView] = []
    people_error: str = ""
    people_notice: str = ""
    confirm_disable_id: int = 0

    invite_error: str = ""
    invite_notice: str = ""
    # The link just made: the only time its token exists outside a hash.
    new_invite_link: str = ""
    new_invite_for: str = ""
    copied: bool = False

    signup_open: bool = False
    signup_domains: str = ""
    signup_saved: bool = False
    signup_error: str = ""
    signup_notice: str = ""
    loaded: bool = False

    def _address(self) -> str | None:
        return self.router.session.client_ip or None

    def _reload(self) -> None:
        you = current_actor().id
        with session_scope() as session:
            users = list_users(session=session)
            emails = {user.id: user.email for user in users}
            self.people = [person_view(user, you=you) for user in users]
            self.open_invites = [invite_view(row, emails) for row in list_invites(session=session)]
            setting = read_signup_setting(session=session)
        self.signup_open, self.signup_saved = setting.open, setting.saved
        self.signup_domains = ", ".join(setting.domains)

    def _forget_new_invite(self) -> None:
        self.new_invite_link, self.new_invite_for, self.copied = "", "", False

    @rx.event
    @requires("viewer")
    def on_load(self):
        """Admins get fresh lists and no leftover link; anyone else is sent to the models page."""
        if not role_at_least(current_actor().role, "admin"):
            return rx.redirect(routes.BROWSE, replace=True)
        self._forget_new_invite()
        self.people_error = self.people_notice = self.invite_error = self.invite_notice = ""
        self.signup_error = self.signup_notice = ""
        self.confirm_disable_id = 0
        self._reload()
        self.loaded = True
        return None

    def _change(self, user_id: int, change, done: str) -> None:
        """Apply `change(session, user, actor)` to one person; the outcome lands in the people notices."""
        self.people_error = self.people_notice = ""
        try:
            with session_scope() as session:
                actor = get_user(session=session, user_id=current_actor().id)
                user = get_user(session=session, user_id=int(user_id))
                if user is None:
                    raise IdentityError("That account no longer exists; the list is refreshed.")
                change(session, user, actor)
                email = user.email
        except (IdentityError, ValueError, TypeError) as refused:
            self.people_error = str(refused)
        else:
            self.people_notice = done.format(email=email)
        self.confirm_disable_id = 0
        self._reload()

    @rx.event
    @requires("admin")
    def change_role(self, user_id: int, role: str):
        if role not in ROLES:
            self.people_error = f"Unknown role {role!r}; choose admin, member or viewer."
            return
        self._change(
            user_id,
            lambda session, user, actor: accounts.change_role(
                session=session, user=user, role=role, actor=actor, address=self._address()
            ),
            f"{{email}} is now {role}.",
        )

    @rx.event
    @requires("admin")
    def ask_disable(self, user_id: int):
        self.confirm_disable_id = int(user_id)

    @rx.event
    @requires("admin")
    def cancel_disable(self):
        self.confirm_disable_id = 0

    @rx.event
    @requires("admin")
    def disable_user(self, user_id: int):
        """Disable at once: the person's sessions end and keys are revoked."""
        self._change(
            user_id,
            lambda session, user, actor: accounts.disable_user(
                session=session, user=user, actor=actor, address=self._address()
            ),
            "{email} is disabled: signed out everywhere, their API keys revoked.",
        )

    @rx.event
    @requires("admin")
    def enable_user(self, user_id: int):
        self._change(
            user_id,
            lambda session, user, actor: accounts.enable_user(
                session=session, user=user, actor=actor, address=self._address()
            ),
            "{email} is enabled again; they sign in anew and make new keys.",
        )

    @rx.event
    @requires("admin")
    def create_invite(self, form_data: dict):
        """Make a one-time link; it is shown once, for the admin to copy and send."""
        role = str(form_data.get("role", "member"))
        email = str(form_data.get("email", "")).strip()[:300]
        hours = str(form_data.get("hours", DEFAULT_LIFETIME_HOURS))
        self.invite_error = self.invite_notice = ""
        self._forget_new_invite()
        try:
            lifetime = timedelta(hours=int(hours))
            with session_scope() as session:
                actor = get_user(session=session, user_id=current_actor().id)
                _row, raw = invites.create_invite(
                    session=session, actor=actor, role=role, email=email or None, lifetime=lifetime,
                    address=self._address(),
                )
        except ValueError as refused:  # IdentityError is a ValueError; so is a bad number of hours
            self.invite_error = str(refused) if isinstance(refused, IdentityError) else "Choose how long it lasts."
            return
        self.new_invite_link = invite_link(raw, str(self.router.url or ""))
        self.new_invite_for = f"{email or 'anyone with the link'} as {role}"
        self._reload()

    @rx.event
    @requires("admin")
    def mark_copied(self):
        self.copied = True

    @rx.event
    @requires("admin")
    def dismiss_invite(self):
        self._forget_new_invite()

    @rx.event
    @requires("admin")
    def revoke_invite(self, invite_id: int):
        with session_scope() as session:
            actor = get_user(session=session, user_id=current_actor().id)
            revoked = invites.revoke_invite(session=session, actor=actor, invite_id=int(invite_id),
                                            address=self._address())
        self.invite_error = ""
        self.invite_notice = (
            "Invite withdrawn; its link no longer works." if revoked else "That invite is already closed."
        )
        self._reload()

    @rx.event
    @requires("admin")
    def set_signup_open(self, checked: bool):
        self.signup_open = bool(checked)
        self.signup_notice = ""

    @rx.event
    @requires("admin")
    def set_signup_domains(self, value: str):
        self.signup_domains = str(value)[:2000]
        self.signup_error = self.signup_notice = ""

    @rx.event
    @requires("admin")
    def save_signup(self, form_data: dict):
        """Open sign-up for the listed domains, or close it (the form's fields, else what the page shows)."""
        wanted_open = str(form_data.get("open", self.signup_open)).lower() in ("on", "true", "1", "yes")
        domains = str(form_data.get("domains", self.signup_domains))[:2000]
        self.signup_error = self.signup_notice = ""
        try:
            with session_scope() as session:
                actor = get_user(session=session, user_id=current_actor().id)
                setting = save_signup_setting(
                    session=session, actor=actor, open=wanted_open, domains_text=domains, address=self._address()
                )
        except IdentityError as refused:
            self.signup_error = str(refused)
            self.signup_open, self.signup_domains = wanted_open, domains
            return
        self._reload()
        self.signup_notice = (
            f"Open sign-up is on for {', '.join(setting.domains)}." if setting.open else "Open sign-up is off."
        )
