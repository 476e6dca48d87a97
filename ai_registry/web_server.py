"""`python -m ai_registry web`: the Reflex app in production mode (`reflex run --env prod`, frontend
and backend on one port) whose granian workers are respawned when one dies.

Reflex 0.10.1 starts granian without `respawn_failed_workers`, so one worker killed ends the whole
app. Here granian's own respawn is switched on (a subclass that only changes that default, installed
before Reflex imports the class); everything else is Reflex's own start-up. The cluster's supervisor
(`ai_registry/supervisor.py`) still restarts this whole command if it exits.
"""

from __future__ import annotations

import os
import sys

RESPAWN_INTERVAL_S = 1.0


def install_respawning_granian() -> None:
    """Make granian's Server respawn failed workers (Reflex constructs it without that option)."""
    import granian.server

    base = granian.server.Server
    if getattr(base, "_ai_registry_respawn", False):
        return

    class RespawningServer(base):  # type: ignore[misc, valid-type]
        _ai_registry_respawn = True

        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("respawn_failed_workers", True)
            kwargs.setdefault("respawn_interval", RESPAWN_INTERVAL_S)
            super().__init__(*args, **kwargs)

    granian.server.Server = RespawningServer


def serve_web(*, port: int, workers: int, host: str = "127.0.0.1") -> None:
    """Build the frontend and serve the app on `host:port` with `workers` granian workers (blocking).
    Loopback by default: a reverse proxy in front serves other hosts."""
    os.environ["GRANIAN_WORKERS"] = str(workers)
    install_respawning_granian()
    from reflex.reflex import cli

    sys.argv = ["reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port),
                "--backend-host", host]  # fmt: skip
    cli()
