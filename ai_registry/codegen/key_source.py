"""Which key a snippet needs and where a person gets it: the comment at the top of every snippet and
the one line the API tab shows above it.

Two kinds of keys exist until one gateway serves every model: an AINative key for models that run
upstream (this server reads its own from `AINATIVE_API_KEY`), and keys this server mints in
Developer settings, which open only its local engine and `/api/models`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_registry.kinds import RequestSpec

DEVELOPER_SETTINGS_PATH = "/dashboard/developer-settings"
UPSTREAM_ENV_VAR = "AINATIVE_API_KEY"


@dataclass(frozen=True)
class KeySource:
    """The key a snippet's `YOUR_API_KEY` stands for."""

    what: str  # "an AINative API key"
    env_var: str  # the environment variable that holds such a key, or "" when none does
    where: str  # where to get one, in words
    link: str  # the page of this app that makes one or holds the registry's own
    link_label: str  # what the API tab's link says
    not_this: str  # the other kind of key, which does not work here

    other: str = ""  # the API tab's short word on the key that does not work

    @property
    def sentence(self) -> str:
        """One line for the API tab: which key, and which one it is not (its link says where)."""
        env = f" ({self.env_var})" if self.env_var else ""
        return f"This snippet needs {self.what}{env}; {self.other}."

    def comment_lines(self, *, inserted: bool = False) -> list[str]:
        """What the snippet's comment says about its key (without the comment marker)."""
        env = f" (the value of {self.env_var})" if self.env_var else ""
        which = "The key in this snippet" if inserted else "YOUR_API_KEY"
        return [f"{which}: {self.what}{env}, {self.where}.", self.not_this]


UPSTREAM_KEY = KeySource(
    what="an AINative API key",
    env_var=UPSTREAM_ENV_VAR,
    where="from your AINative account",
    link=f"{DEVELOPER_SETTINGS_PATH}#upstream-key-section",
    link_label="The registry's own AINative key",
    not_this="Keys created in this registry's Developer settings do not work here.",
    other="keys from this registry's Developer settings do not work here",
)


def local_key(origin: str) -> KeySource:
    """The key for this server's local engine at `origin` (e.g. "http://localhost:3000")."""
    return KeySource(
        what="an API key of this server",
        env_var="",
        where=f"from Developer settings, Create an API Key ({origin.rstrip('/')}{DEVELOPER_SETTINGS_PATH})",
        link=f"{DEVELOPER_SETTINGS_PATH}#api-keys-section",
        link_label="Create one in Developer settings",
        not_this=f"An AINative key ({UPSTREAM_ENV_VAR}) does not work here.",
        other=f"an AINative key ({UPSTREAM_ENV_VAR}) does not",
    )


def file_comment_lines(spec: RequestSpec) -> list[str]:
    """One line per local file the request sends: the snippet reads it from its working folder."""
    lines = []
    for part in spec.files:
        if part.url is None:
            what = part.content_type.split("/", 1)[0]
            lines.append(f"{part.filename}: your own {what} file, in the folder you run this from.")
    return lines


def comment_block(key_source: KeySource, spec: RequestSpec, marker: str, *, api_key: str | None) -> list[str]:
    """The snippet's opening comment lines with `marker` ("#" or "//")."""
    lines = [*key_source.comment_lines(inserted=bool((api_key or "").strip())), *file_comment_lines(spec)]
    return [f"{marker} {line}" for line in lines]
