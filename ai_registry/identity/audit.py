"""What the audit log records, and one call to record it with the acting person."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ai_registry.store.audit_log import write_audit_event
from ai_registry.store.curation import CURATION_CHANGED, CURATION_IMPORTED
from ai_registry.store.tables import AuditEvent, User

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
USER_CREATED = "user_created"
USER_DISABLED = "user_disabled"
USER_ENABLED = "user_enabled"
ROLE_CHANGED = "role_changed"
PASSWORD_RESET = "password_reset"
INVITE_CREATED = "invite_created"
INVITE_ACCEPTED = "invite_accepted"
INVITE_REVOKED = "invite_revoked"
SIGNED_UP = "signed_up"
KEY_CREATED = "key_created"
KEY_REVOKED = "key_revoked"
UPSTREAM_KEY_SET = "upstream_key_set"
UPSTREAM_KEY_REMOVED = "upstream_key_removed"
SOURCES_CHANGED = "sources_changed"
EXAMPLE_PINNED = "example_pinned"
EXAMPLE_UNPINNED = "example_unpinned"

ACTIONS = (
    SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, USER_CREATED, USER_DISABLED, USER_ENABLED, ROLE_CHANGED,
    PASSWORD_RESET, INVITE_CREATED, INVITE_ACCEPTED, INVITE_REVOKED, SIGNED_UP, KEY_CREATED,
    KEY_REVOKED, UPSTREAM_KEY_SET, UPSTREAM_KEY_REMOVED, SOURCES_CHANGED, CURATION_CHANGED, CURATION_IMPORTED,
    EXAMPLE_PINNED, EXAMPLE_UNPINNED,
)


def record(
    *,
    session: Session,
    action: str,
    actor: User | None = None,
    address: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event done by `actor` (None: the command line or an anonymous caller)."""
    return write_audit_event(
        session=session,
        action=action,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        address=address,
        target=target,
        details=details,
    )
