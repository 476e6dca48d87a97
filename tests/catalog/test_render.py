"""Readme markdown to HTML: untrusted text stays inert, and wide blocks are keyboard-reachable groups."""

from __future__ import annotations

import re

from ai_registry.catalog.render import render_markdown

README = """# Title

```python
print("a very long line " * 20)
```

| a | b |
|---|---|
| 1 | 2 |

<pre onfocus="alert(1)" tabindex="-1" role="button">raw</pre>
<script>window.__pwned = 1</script>
[click](javascript:alert(1))
"""


def opening_tags(html: str, tag: str) -> list[dict[str, str]]:
    """The attributes of each `<tag ...>` in `html`, in any order."""
    return [dict(re.findall(r'([a-z-]+)="([^"]*)"', attrs)) for attrs in re.findall(rf"<{tag}\b([^>]*)>", html)]


def test_code_blocks_and_tables_are_named_focusable_regions() -> None:
    html = render_markdown(README)
    assert opening_tags(html, "pre") == [{"tabindex": "0", "role": "group", "aria-label": "Code"}] * 2
    assert opening_tags(html, "table") == [{"tabindex": "0", "role": "group", "aria-label": "Table"}]


def test_hostile_markup_stays_inert_and_cannot_override_the_region_attributes() -> None:
    html = render_markdown(README)
    assert "<script" not in html and "onfocus" not in html and "javascript:" not in html
    assert 'tabindex="-1"' not in html and 'role="button"' not in html
