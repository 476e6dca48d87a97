"""Failed sign-ins slow guessing, per account and per address, counted in the database across workers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from ai_registry.store.sign_in_failures import clear_failures, failures_since, prune_failures, record_failure
from ai_registry.store.users import normalize_email

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most `account_limit` failures per account and `address_limit` per address within `window`.

    Past a limit, attempts are refused until the earliest counted failure is older than `window`.
    """

    account_limit: int = 5
    address_limit: int = 20
    window: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


def retry_after(
    *, session: Session, email: str, address: str | None, policy: ThrottlePolicy = DEFAULT_POLICY, now: datetime
) -> timedelta | None:
    """How long until a sign-in to `email` from `address` may be tried again; None when it may be now."""
    since = now - policy.window
    waits = []
    checks = [(ACCOUNT, normalize_email(email), policy.account_limit)]
    if address:
        checks.append((ADDRESS, address, policy.address_limit))
    for scope, subject, limit in checks:
        count, earliest = failures_since(session=session, scope=scope, subject=subject, since=since)
        if count >= limit and earliest is not None:
            waits.append(earliest + policy.window - now)
    return max(waits) if waits else None


def record_sign_in_failure(
    *, session: Session, email: str, address: str | None, policy: ThrottlePolicy = DEFAULT_POLICY, now: datetime
) -> None:
    """Count a failure against the account and the address, and drop failures that no longer count."""
    record_failure(session=session, scope=ACCOUNT, subject=normalize_email(email), at=now)
    if address:
        record_failure(session=session, scope=ADDRESS, subject=address, at=now)
    prune_failures(session=session, before=now - policy.window)


def clear_account_failures(*, session: Session, email: str) -> None:
    """After a good sign-in the account starts afresh; the address does not (it may be guessing others)."""
    clear_failures(session=session, scope=ACCOUNT, subject=normalize_email(email))


def minutes_label(wait: timedelta) -> str:
    """`1 minute`, `14 minutes`: a wait rounded up to whole minutes."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")
