"""Syntax highlighting of snippets, rendered server-side with Pygments (no JavaScript highlighter)."""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import BashLexer, HttpLexer, JavascriptLexer, PythonLexer

_LEXERS: dict[str, type[Lexer]] = {
    "curl": BashLexer,
    "http": HttpLexer,
    "python": PythonLexer,
    "javascript": JavascriptLexer,
}
CSS_CLASS = "snippet-code"


def highlight_html(code: str, fmt: str, *, css_class: str = CSS_CLASS) -> str:
    """`code` as highlighted HTML (`<div class="snippet-code"><pre>...`); the text itself is escaped."""
    lexer = _LEXERS.get(fmt, BashLexer)()
    html = highlight(code, lexer, HtmlFormatter(cssclass=css_class))
    # A long line scrolls the block sideways: it is a named, focusable region a keyboard can scroll.
    return html.replace("<pre>", '<pre tabindex="0" role="group" aria-label="Code">', 1)


def highlight_css(style: str = "github-dark", *, css_class: str = CSS_CLASS) -> str:
    """The stylesheet for `highlight_html` output in a Pygments style."""
    return HtmlFormatter(style=style, cssclass=css_class).get_style_defs(f".{css_class}")
