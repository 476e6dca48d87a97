"""What a playground substate may override: the base state calls these at each step of its work.

A plain mixin of the base `PlaygroundState`; the defaults suit a kind with nothing of its own.
"""

from __future__ import annotations

from typing import Any

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.inference.result import RunResult
from ai_registry.store import runs as run_store


class KindHooks:
    """The `_kind_*` hooks with their defaults. Subclasses are Reflex states with the base's vars."""

    def _kind_setup(self, model: UnifiedAIModel) -> None:
        """Reset what the kind keeps when another model opens."""
        self._kind_reset()

    def _kind_defaults(self, model: UnifiedAIModel) -> None:
        """Put the kind's example inputs in the fresh form (on open and on Reset)."""

    def _kind_reset(self) -> None:
        """Clear the kind's part of a shown result."""

    def _kind_values(self, raw: dict[str, Any]) -> None:
        """Add the values the kind's own widgets hold to the raw form values."""

    def _kind_errors(self, errors: dict[str, str]) -> None:
        """Drop errors of fields the kind's own widgets check themselves."""

    def _kind_before_run(self) -> bool:
        """Take the kind's input for the run; False (with an error shown) stops it."""
        return True

    def _kind_run_refused(self) -> None:
        """Undo what `_kind_before_run` took when the run does not start."""

    def _kind_result(self, result: RunResult) -> None:
        """Show the parts of a result only this kind shows."""
        self.output_text = result.text or ""

    def _kind_load(self, name: str, value: Any) -> bool:
        """Put one stored input back into the kind's widgets; True when it was the kind's."""
        return False

    def _kind_loaded_result(self, row: Any) -> None:
        """Show a stored run's result in the kind's widgets."""
        self.output_text = run_store.run_text(row)
