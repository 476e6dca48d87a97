"""Request snippets (curl, raw HTTP, Python, JavaScript) built from a model and the current form values."""

from ai_registry.codegen.snippets import (
    FORMAT_LABELS,
    FORMATS,
    curl_snippet,
    http_snippet,
    javascript_snippet,
    python_snippet,
    snippet,
)

__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "curl_snippet",
    "http_snippet",
    "javascript_snippet",
    "python_snippet",
    "snippet",
]
