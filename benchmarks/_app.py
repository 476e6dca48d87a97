"""Start the real app for a benchmark the way the end-to-end harness does (tests/e2e/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.e2e.conftest import (
    ROOT,
    STARTUP_TIMEOUT_S,
    RunningApp,
    _stop,
    _wait_ready,
    free_port,
)

__all__ = ["RunningApp", "start_app", "stop_app"]


def start_app(
    *, upstream_url: str, upstream_key: str, data_dir: Path, log_path: Path, extra_env: Mapping[str, str] = ()
) -> RunningApp:
    """`reflex run --env prod` on a free loopback port with its own data folder, pointed at `upstream_url`."""
    env = {
        **os.environ,
        "AI_REGISTRY_DATA_DIR": str(data_dir),
        "AINATIVE_API_BASE": upstream_url,
        "AINATIVE_API_KEY": upstream_key,
        "AI_REGISTRY_MAX_SOURCE_BYTES": "50000000",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}"
        f"{os.pathsep}{os.environ.get('PATH', '')}",
        **dict(extra_env),
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "ai_registry", "migrate"], cwd=ROOT, env=env, check=True)
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod",
                "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", process, log_path, data_dir)
    try:
        _wait_ready(app.url, process, time.monotonic() + STARTUP_TIMEOUT_S)
    except RuntimeError as exc:
        _stop(process)
        raise RuntimeError(f"{exc}\n--- app log ---\n{app.log_tail()}") from None
    return app


def stop_app(app: RunningApp) -> None:
    _stop(app.process)
