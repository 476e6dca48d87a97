"""The guarded fetcher: every URL the server fetches on a user's behalf goes through here.

- `guarded_stream(url, *, max_bytes, timeout_s, ...)`: an async context manager yielding a
  `GuardedResponse` whose body is read with `aiter_bytes()` under the byte cap.
- `fetch_to_file(url, target, *, max_bytes, timeout_s, ...) -> FetchedFile`: the body written to a file.
- `FetchRefused`: the one error, with a message for the person (`.message`) that never holds the body.
- `AllowList`: hosts and networks allowed although not public (`AI_REGISTRY_FETCH_ALLOW_HOSTS`).

Pure Python and httpx; no reflex.
"""

from ai_registry.netguard.addresses import AllowList, address_problem, parse_address
from ai_registry.netguard.errors import FetchRefused, display_url
from ai_registry.netguard.fetch import (
    MAX_REDIRECTS,
    FetchedFile,
    GuardedResponse,
    default_client,
    fetch_to_file,
    guarded_stream,
    system_resolver,
)

__all__ = [
    "MAX_REDIRECTS",
    "AllowList",
    "FetchRefused",
    "FetchedFile",
    "GuardedResponse",
    "address_problem",
    "default_client",
    "display_url",
    "fetch_to_file",
    "guarded_stream",
    "parse_address",
    "system_resolver",
]
