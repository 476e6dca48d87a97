"""A tiny ASGI app served by granian with the cluster's respawning server, for tests/cluster.

`python -m tests.support.respawn_app PORT`: two workers; each answers GET / with its pid.
"""

from __future__ import annotations

import os
import sys


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    from granian.constants import Interfaces

    from ai_registry.web_server import install_respawning_granian

    install_respawning_granian()
    from granian.server import Server

    Server(target="tests.support.respawn_app:app", address="127.0.0.1", port=int(sys.argv[1]),
           interface=Interfaces.ASGI, workers=2).serve()  # fmt: skip
