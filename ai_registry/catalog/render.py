"""Markdown to safe HTML: readmes may come from an upstream, so they are untrusted text."""

from __future__ import annotations

import markdown
import nh3

_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "div",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    "th": {"align"},
    "td": {"align"},
}


# Code blocks and tables scroll sideways when wide: each is a named, focusable region, so a keyboard
# reaches it and scrolls it (WCAG 2.1.1). Set by the sanitizer itself, after cleaning.
_SCROLLABLE = {
    "pre": {"tabindex": "0", "role": "group", "aria-label": "Code"},
    "table": {"tabindex": "0", "role": "group", "aria-label": "Table"},
}


def sanitize_html(html: str) -> str:
    """Keep structure and links; drop scripts, event handlers, styles and `javascript:` URLs (Ammonia)."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values=_SCROLLABLE,
    )


def render_markdown(text: str) -> str:
    """Headings, lists, tables and fenced code as sanitized HTML."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    return sanitize_html(html)
