"""A comparison's panels run at once: each an ordinary run (the run service, its request log, its
owner), streamed side by side into the compare state and cancellable one by one."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from ai_registry.inference.jobs import run_and_record
from ai_registry.state.compare_views import outcome, show_result

STREAM_FLUSH_S = 0.08  # streamed text reaches the browser about 12 times a second
PROGRESS_TICK_S = 0.5


async def run_panels(
    state: Any, jobs: list[tuple[int, Any, dict[str, Any], str]], *, owner_id: int | None
) -> dict[int, dict]:
    """Run each panel's job at once as an ordinary run of `owner_id`, streaming text and progress
    into `state`'s panels (a background event's state: locked only to read or write them), each
    cancellable on its own; the measures of each finished panel by index."""
    cancels = {i: asyncio.Event() for i, *_ in jobs}
    pending: dict[int, list[str]] = {i: [] for i, *_ in jobs}

    def collector(index: int):
        async def on_text(delta: str) -> None:
            pending[index].append(delta)

        return on_text

    tasks = {
        i: asyncio.create_task(
            run_and_record(
                m, v, run_id=r, owner_id=owner_id, source="compare", on_text=collector(i), cancel=cancels[i]
            )
        )
        for i, m, v, r in jobs
    }
    models = {i: (m, v) for i, m, v, _ in jobs}
    found: dict[int, dict] = {}
    started = last_tick = time.monotonic()
    while len(found) < len(tasks):
        open_tasks = [t for i, t in tasks.items() if i not in found]
        done, _ = await asyncio.wait(open_tasks, timeout=STREAM_FLUSH_S)
        now = time.monotonic()
        if not done and not any(pending.values()) and now - last_tick < PROGRESS_TICK_S:
            continue
        last_tick = now
        async with state:
            panels = copy.deepcopy(list(state.panels))
            for i, task in tasks.items():
                if i in found:
                    continue
                panel = panels[i]
                if pending[i]:
                    panel.text += "".join(pending[i])
                    pending[i].clear()
                elapsed = now - started
                panel.progress = min(99, int(100 * elapsed / max(panel.expected_seconds, 0.1)))
                panel.elapsed_text = f"{elapsed:.0f} s of about {panel.expected_seconds:.0f} s"
                if panel.cancelling:
                    cancels[i].set()
                if task.done():
                    model, values = models[i]
                    found[i] = show_result(panel, model, values, outcome(task, model))
            state.panels = panels
    return found
