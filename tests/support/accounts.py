"""People for tests: an account of a role and a live session token, made through the identity backend."""

from __future__ import annotations

from ai_registry.identity.accounts import create_user
from ai_registry.identity.sessions import create_session
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.db import session_scope
from ai_registry.store.users import get_user_by_email

PASSWORD = "correct horse battery staple"


def session_token(role: str, email: str | None = None) -> str:
    """A raw session token for `email` (created with `role` if missing; default `<role>@example.org`)."""
    email = email or f"{role}@example.org"
    with session_scope() as session:
        user = get_user_by_email(session=session, email=email)
        if user is None:
            user = create_user(session=session, email=email, password=PASSWORD, role=role)
        _row, token = create_session(session=session, user=user)
        return token


def sign_in_state(state, role: str = "admin", *, email: str | None = None, path: str = "/") -> str:
    """Give a state tree the handshake cookie of a signed-in browser, as the websocket would; returns the token."""
    from reflex.istate.data import RouterData

    token = session_token(role, email)
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": f"other=1; {SESSION_COOKIE}={token}"}, "pathname": path, "asPath": path}
    )
    return token
