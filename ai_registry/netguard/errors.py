"""The one error a guarded fetch raises: what was refused or failed, and why, in words for the person."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

# Kinds that are the guard's own decision (the URL was refused) rather than the far end failing.
POLICY_KINDS = frozenset({"url", "scheme", "address", "redirect", "size", "encoding"})
_MAX_SHOWN_URL = 200


def display_url(url: object) -> str:
    """The URL as an error message shows it: without user name or password, at most 200 characters."""
    text = str(url)
    try:
        parts = urlsplit(text)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        text = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        pass
    return text if len(text) <= _MAX_SHOWN_URL else text[: _MAX_SHOWN_URL - 1] + "…"


def format_limit(limit: int) -> str:
    """25 MB for 25,000,000 or 26,214,400 bytes; 1,500 bytes when the limit is not whole megabytes."""
    for unit in (1_000_000, 1 << 20):
        if limit >= unit and limit % unit == 0:
            return f"{limit // unit} MB"
    return f"{limit:,} bytes"


class FetchRefused(Exception):
    """A URL the server was asked to fetch was refused (its scheme, its address, a redirect, its size)
    or could not be fetched (time limit, connection, an error status).

    `reason` is a short clause ("it resolves to a private address (10.0.0.5)"); `kind` is one of
    url, scheme, resolve, address, redirect, size, encoding, timeout, connect, status; `status` is the
    HTTP status for kind "status". The message never contains the fetched body.
    """

    def __init__(self, url: object, reason: str, *, kind: str, status: int | None = None) -> None:
        self.url = display_url(url)
        self.reason = reason
        self.kind = kind
        self.status = status
        super().__init__(self.message)

    @property
    def refused(self) -> bool:
        """True when the guard itself said no, False when the far end failed or was too slow."""
        return self.kind in POLICY_KINDS or self.kind == "timeout"

    @property
    def message(self) -> str:
        """`The URL http://10.0.0.5/x was refused: it resolves to a private address (10.0.0.5).`"""
        verb = "was refused" if self.refused else "could not be fetched"
        return f"The URL {self.url} {verb}: {self.reason}."
