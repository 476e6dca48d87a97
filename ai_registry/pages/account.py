"""The signed-in person's corner of the top bar, bound to `AuthState` (display only)."""

from __future__ import annotations

import reflex as rx

from ai_registry.components.layout import account_menu
from ai_registry.state.auth import AuthState


def account() -> rx.Component:
    return account_menu(
        email=AuthState.email, role=AuthState.role, refusal=AuthState.refusal, on_dismiss=AuthState.dismiss_refusal
    )
