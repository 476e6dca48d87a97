"""The three roles, from most to least trusted."""

from __future__ import annotations

from typing import Literal

from ai_registry.identity.errors import AccountError

Role = Literal["admin", "member", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "member", "viewer")
_RANK = {role: len(ROLES) - position for position, role in enumerate(ROLES)}


def parse_role(value: str) -> Role:
    """`value` as a role (any case, trimmed), or AccountError naming the choices."""
    role = (value or "").strip().lower()
    if role not in ROLES:
        raise AccountError(f"Unknown role {value!r}; choose admin, member or viewer.")
    return role  # type: ignore[return-value]


def role_at_least(role: str | None, minimum: Role) -> bool:
    """True when `role` is `minimum` or more trusted (admin > member > viewer); unknown roles never are."""
    return _RANK.get(role or "", 0) >= _RANK[minimum]
