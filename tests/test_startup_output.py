"""What `make run` prints must agree with the README: no "Run `uv run reflex run`", no Node warning
(the frontend is built with bun, which Reflex runs with `--bun`, so Node 20 suffices)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.app_process import ROOT

EMIT = """
import logging
from reflex_base.constants import LogLevel
from reflex_base.utils import console, log
console.set_log_level(LogLevel.INFO)
log.configure()
import rxconfig  # what `reflex run` imports first
logging.getLogger("reflex.reflex").log(
    log.SUCCESS, "Initialized ai_registry. Run `uv run reflex run` to start the app.")
logging.getLogger("reflex.utils.js_runtimes").warning(
    "Your version (20.20.2) of Node.js is out of date. Upgrade to 22.22.0 or higher.")
from reflex.utils import js_runtimes
js_runtimes.is_outdated_nodejs_installed()
logging.getLogger("reflex.utils.js_runtimes").warning("Other warnings still show.")
"""


def test_start_up_lines_agree_with_the_readme() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EMIT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    out = done.stdout + done.stderr
    assert "Initialized ai_registry. Start it with `make run`." in out
    assert "uv run" not in out
    assert "Node.js is out of date" not in out
    assert "Other warnings still show." in out
    readme = (ROOT / "README.md").read_text()
    assert "Node 20" in readme and "--bun" in readme
