"""The README tells the truth: its settings table is the `Settings` class, it links only inside the
repository, and its first screen gives the two commands."""

from __future__ import annotations

import re

from pydantic import AliasChoices

from ai_registry.settings import Settings
from tests.support.app_process import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# Settings that are not fields of `Settings`: the Makefile's port and the local engine's own class.
NOT_IN_SETTINGS = {"PORT", "AI_REGISTRY_LOCAL_*"}


def env_names() -> dict[str, object]:
    """Each field's environment variable and its default."""
    prefix = Settings.model_config["env_prefix"]
    names = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        env = alias.choices[0] if isinstance(alias, AliasChoices) else prefix + name
        names[str(env).upper()] = info.default
    return names


def settings_table() -> dict[str, str]:
    """name -> default column of the table under "## Settings"."""
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_*]+)` \| ([^|]*) \|", section, re.M)
    return {name: default.strip() for name, default in rows}


def shown(default: object) -> str | None:
    """How the README writes a default, or None when it describes it in words."""
    if default is None:
        return "unset"
    if default in ("", ()):
        return "empty"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    if isinstance(default, int | str):
        return f"`{default}`"
    return None


def test_settings_table_is_the_settings_class() -> None:
    table, fields = settings_table(), env_names()
    assert set(table) - NOT_IN_SETTINGS == set(fields), "README's settings table and Settings differ"
    assert NOT_IN_SETTINGS <= set(table)
    for name, default in fields.items():
        expected = shown(default)
        if expected is not None:
            assert table[name] == expected, (name, table[name], expected)
    assert table["PORT"] == "`3000`" and "PORT ?= 3000" in (ROOT / "Makefile").read_text()


def test_no_link_points_outside_the_repository() -> None:
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    assert not re.findall(r"https?://", prose), "a bare URL is a link on GitHub"
    for target in re.findall(r"\]\(([^)]+)\)", README):
        assert not re.match(r"[a-z]+:", target), target
        assert (ROOT / target.split("#")[0]).exists(), target


def test_first_screen_gives_make_run_and_make_test() -> None:
    first_screen = "\n".join(README.splitlines()[:12])
    block = re.search(r"```bash\n(.*?)```", first_screen, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_readme_documents_what_issue_10_asked_for() -> None:
    for words in ("## Two kinds of API keys", "## Who can do what today", "## Behind a reverse proxy",
                  "proxy_set_header Upgrade", "REFLEX_API_URL", "## Data, backups and pruning",
                  "prune --older-than 30d --dry-run", "## Adding a model to the built-in catalog",
                  "## Adding another upstream", "Node 20"):
        assert words in README, words
