"""One way to build the playground's states for a test: the real state tree, a substate picked out."""

from __future__ import annotations

from typing import TypeVar

import reflex as rx
from reflex.state import State

import ai_registry.ai_registry  # noqa: F401  (registers every page's states)

S = TypeVar("S", bound=rx.State)


def build_states() -> State:
    """A fresh root state with every substate, as one browser tab gets it."""
    return State(_reflex_internal_init=True)


def substate(root: State, cls: type[S]) -> S:
    """The instance of `cls` in the tree under `root`."""
    found = [root]
    while found:
        state = found.pop()
        if type(state) is cls:
            return state  # type: ignore[return-value]
        found.extend(state.substates.values())
    raise LookupError(cls.__name__)
