"""How a newcomer gets in: when no active administrator exists, the console says which command makes one."""

from __future__ import annotations

from sqlmodel import Session

from ai_registry.store.users import count_active_admins

FIRST_ADMIN_COMMAND = (
    "python -m ai_registry users create --role admin --email you@example.com --password-file FILE"
)


def first_admin_hint(*, session: Session) -> str | None:
    """The message to print at startup while nobody can administer the server; None once someone can."""
    if count_active_admins(session=session) > 0:
        return None
    return (
        "No administrator exists yet, so nobody can sign in. Create the first one with\n"
        f"    {FIRST_ADMIN_COMMAND}\n"
        "(leave out --password-file to type the password at a prompt), then sign in at /sign-in."
    )


def startup_hint() -> str | None:
    """`first_admin_hint` on the configured database (blocking); a database not yet migrated says so."""
    from sqlalchemy.exc import SQLAlchemyError

    from ai_registry.store.db import session_scope

    try:
        with session_scope() as session:
            return first_admin_hint(session=session)
    except SQLAlchemyError:
        return "The database has no accounts table yet: run `python -m ai_registry migrate`, then\n" + (
            f"    {FIRST_ADMIN_COMMAND}"
        )
