"""Whether open sign-up is on, and for which email domains: an admin's choice saved in the app settings.

Until an admin saves a choice, `AI_REGISTRY_SIGNUP_DOMAINS` decides (on when it lists domains).
Saving "off" closes sign-up even when that variable lists domains; the admin's choice wins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlmodel import Session

from ai_registry.identity import audit
from ai_registry.identity.errors import SignUpRefused
from ai_registry.settings import get_settings
from ai_registry.store.app_settings import get_app_setting, set_app_setting
from ai_registry.store.tables import User

OPEN_SIGNUP_SETTING = "open_signup"
SIGNUP_CHANGED = "signup_changed"
MAX_DOMAINS = 20
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


@dataclass(frozen=True)
class SignUpSetting:
    """Open sign-up as it stands: on or off, the domains, and whether an admin saved it (else: environment)."""

    open: bool
    domains: tuple[str, ...]
    saved: bool

    @property
    def domains_in_force(self) -> tuple[str, ...]:
        """The domains people may sign up with now; empty when sign-up is off."""
        return self.domains if self.open else ()


def parse_domains(text: str) -> tuple[str, ...]:
    """Domains from a comma-, space- or line-separated list (`@` and case ignored); SignUpRefused if one is bad."""
    found: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        domain = part.strip().lower().lstrip("@")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise SignUpRefused(f"{part.strip()!r} is not an email domain (expected something like example.com).")
        if domain not in found:
            found.append(domain)
    if len(found) > MAX_DOMAINS:
        raise SignUpRefused(f"That is {len(found)} domains; at most {MAX_DOMAINS} fit.")
    return tuple(found)


def read_signup_setting(*, session: Session) -> SignUpSetting:
    """The saved choice, else what the environment says."""
    stored = get_app_setting(session=session, key=OPEN_SIGNUP_SETTING)
    if stored:
        try:
            value = json.loads(stored)
            domains = tuple(str(d) for d in value.get("domains", ()))
            return SignUpSetting(open=bool(value.get("open")) and bool(domains), domains=domains, saved=True)
        except (ValueError, AttributeError, TypeError):
            pass  # an unreadable value is treated as never saved: the environment decides
    domains = tuple(get_settings().signup_domains)
    return SignUpSetting(open=bool(domains), domains=domains, saved=False)


def save_signup_setting(
    *, session: Session, actor: User, open: bool, domains_text: str, address: str | None = None
) -> SignUpSetting:
    """Turn open sign-up on (for the listed domains) or off; audit-logged. SignUpRefused on bad input."""
    if actor is None or not actor.active or actor.role != "admin":
        raise SignUpRefused("Only an administrator can change sign-up.")
    domains = parse_domains(domains_text)
    if open and not domains:
        raise SignUpRefused("List at least one email domain (like example.com) to open sign-up.")
    before = read_signup_setting(session=session)
    set_app_setting(session=session, key=OPEN_SIGNUP_SETTING, value=json.dumps({"open": open, "domains": domains}))
    audit.record(
        session=session, action=SIGNUP_CHANGED, actor=actor, address=address,
        details={"open": open, "domains": list(domains), "was_open": before.open, "was_domains": list(before.domains)},
    )
    return SignUpSetting(open=open, domains=domains, saved=True)
