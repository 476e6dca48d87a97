"""What every local model shares: load once per process (thread-safe), run in its own worker thread.

Inference never runs on the event loop: `ModelRunner.run` hands the blocking call to the model's own
single-thread executor, so one slow model neither blocks the loop nor starves the loop's default
executor (which Reflex and FastAPI use for their own work).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

from ai_registry.local.config import LocalEngineSettings
from ai_registry.local.model_files import ModelFilesMissing

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


def onnx_session(path: Path, threads: int) -> Any:
    """An onnxruntime CPU session whose idle threads sleep instead of spinning.

    Spinning threads would take the few cores from the event loop and the other models.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def lower_thread_priority(nice: int) -> None:
    """Raise the calling thread's nice value (Linux: per thread), so the event loop wins the CPU.

    The models still use every idle cycle; they only yield when anything else has work.
    """
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    # SCHED_IDLE: run only on cycles nothing else wants, so a busy model never delays a click.
    # Threads the libraries start from this thread inherit it.
    if hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))


class ModelUnavailable(Exception):
    """The model cannot run here (package or file missing, or it failed to load)."""


@dataclass(frozen=True)
class RunnerStatus:
    """What a model card and the health route say about one local model."""

    available: bool
    loaded: bool
    note: str


class ModelRunner(ABC, Generic[T]):
    """A lazily loaded model with an executor of its own: one thread, or one per request the model
    serves at once (`workers`)."""

    #: The `model` value clients send, e.g. "all-minilm-l6-v2".
    model_id: str = ""
    #: The registry slug of its card, e.g. "local-all-minilm-l6-v2".
    slug: str = ""
    #: Plain words for status notes, e.g. "Chat".
    kind: str = ""

    def __init__(self, settings: LocalEngineSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._model: T | None = None
        self._load_error: str | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=self.workers(),
            thread_name_prefix=f"local-{self.model_id}",
            initializer=self._start_worker,
        )
        self._worker_idents: set[int] = set()

    def workers(self) -> int:
        """Requests this model serves at once; each waits in a worker thread of its own. One by default."""
        return 1

    def _start_worker(self) -> None:
        self._worker_idents.add(threading.get_ident())
        lower_thread_priority(self.settings.worker_nice)

    @abstractmethod
    def check_files(self) -> None:
        """Raise `ModelFilesMissing` when a package or file this model needs is absent (cheap, no import)."""

    @abstractmethod
    def weights(self) -> Path:
        """The weights file (or folder) this model loads; raises `ModelFilesMissing`."""

    @abstractmethod
    def _load(self) -> T:
        """Import the runtime library and load the weights (blocking, runs once)."""

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory."""
        return self._model is not None

    def status(self) -> RunnerStatus:
        """Availability and a one-line note for the model's card, without loading anything."""
        if not self.settings.enabled:
            return RunnerStatus(False, False, "Off: the local engine is disabled (AI_REGISTRY_LOCAL_ENABLED)")
        if self._load_error:
            return RunnerStatus(False, False, f"Failed to load: {self._load_error}")
        try:
            self.check_files()
        except ModelFilesMissing as exc:
            return RunnerStatus(False, False, f"Unavailable: {exc}")
        if self.loaded:
            return RunnerStatus(True, True, "Ready: runs on this server (loaded)")
        return RunnerStatus(True, False, "Ready: runs on this server (loads on first use)")

    def model(self) -> T:
        """The loaded model, loading it on first call. Blocking: call it from a worker thread.

        Loading always happens in this model's worker thread, so the threads a library starts
        then (llama.cpp's loop, onnxruntime's pool) inherit its lower scheduling priority.
        """
        if self._model is not None:
            return self._model
        if threading.get_ident() not in self._worker_idents:
            return self._executor.submit(self._load_in_worker).result()
        return self._load_in_worker()

    def _load_in_worker(self) -> T:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
            status = self.status()
            if not status.available:
                raise ModelUnavailable(f"{self.kind} model {self.model_id!r} is unavailable. {status.note}")
            try:
                self._model = self._load()
            except Exception as exc:  # any loader failure turns the model off, with its reason
                self._load_error = f"{type(exc).__name__}: {exc}"
                raise ModelUnavailable(
                    f"{self.kind} model {self.model_id!r} failed to load: {self._load_error}"
                ) from exc
            return self._model

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a blocking call in one of this model's worker threads and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def warm_up(self) -> None:
        """Load the model now (in its worker thread) instead of on the first request."""
        await self.run(self.model)

    def close(self) -> None:
        """Stop the worker thread once queued work is done."""
        self._executor.shutdown(wait=False, cancel_futures=True)
