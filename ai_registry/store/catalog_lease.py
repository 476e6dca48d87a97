"""The lease of the shared catalog refresh: one row, taken and released by atomic conditional UPDATEs.

Every web process on the database asks here before fetching the upstream sources. Taking the lease
is one UPDATE that succeeds only while nobody holds an unexpired lease and the stored catalog is
older than the caller can use: on PostgreSQL the row lock makes a second UPDATE wait and then see
the first one's values (its WHERE no longer matches); on SQLite the writer lock does the same. So
exactly one process refreshes; the others read what it stored. A holder that dies leaves a lease
that simply expires. Times are wall-clock Unix seconds (hosts keep NTP time).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ai_registry.store.db import get_engine
from ai_registry.store.tables import CatalogRefresh

ROW = "catalog"
_T = CatalogRefresh.__table__


@dataclass(frozen=True)
class RefreshState:
    """The shared refresh as the row says now."""

    generation: int = 0
    refreshed_at: float | None = None
    holder: str | None = None
    lease_until: float | None = None


def _read(connection: Connection) -> RefreshState | None:
    row = connection.execute(
        select(_T.c.generation, _T.c.refreshed_at, _T.c.holder, _T.c.lease_until).where(_T.c.name == ROW)
    ).first()
    return None if row is None else RefreshState(row.generation, row.refreshed_at, row.holder, row.lease_until)


def read_state() -> RefreshState:
    """The row (an empty state before the first refresh of this database)."""
    with get_engine().connect() as connection:
        return _read(connection) or RefreshState()


def try_take(*, holder: str, now: float, lease_s: float, older_than: float) -> RefreshState | None:
    """Take the lease for `lease_s` seconds when it is free (never taken, released or expired) and the
    stored catalog was refreshed before `older_than` (or never). Returns the state with the lease
    held by `holder`, or None when another process holds it or refreshed since."""
    engine = get_engine()
    with engine.begin() as connection:
        taken = connection.execute(
            update(_T)
            .where(_T.c.name == ROW)
            .where(or_(_T.c.lease_until.is_(None), _T.c.lease_until <= now))
            .where(or_(_T.c.refreshed_at.is_(None), _T.c.refreshed_at < older_than))
            .values(holder=holder, lease_until=now + lease_s)
        )
        if taken.rowcount == 1:
            return _read(connection)
        if _read(connection) is not None:
            return None
    try:  # the first refresh of this database: the primary key lets one INSERT win
        with engine.begin() as connection:
            connection.execute(insert(_T).values(name=ROW, holder=holder, lease_until=now + lease_s, generation=0))
            return _read(connection)
    except IntegrityError:
        return None


def finish(*, holder: str, now: float) -> int:
    """Record a refresh stored at `now`, release `holder`'s lease (if it still holds it) and return
    the new generation."""
    mine = _T.c.holder == holder
    with get_engine().begin() as connection:
        connection.execute(
            update(_T)
            .where(_T.c.name == ROW)
            .values(
                generation=_T.c.generation + 1,
                refreshed_at=now,
                holder=case((mine, None), else_=_T.c.holder),
                lease_until=case((mine, None), else_=_T.c.lease_until),
            )
        )
        state = _read(connection)
    return state.generation if state is not None else 0


def release(*, holder: str) -> None:
    """Give the lease up without a stored refresh (the refresh failed or was cancelled)."""
    with get_engine().begin() as connection:
        connection.execute(
            update(_T).where(_T.c.name == ROW, _T.c.holder == holder).values(holder=None, lease_until=None)
        )


def forget() -> None:
    """Delete the row (tests and operators starting over)."""
    with get_engine().begin() as connection:
        connection.execute(_T.delete())
