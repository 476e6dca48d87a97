"""Which key a snippet needs and where a person gets it: the comment at the top of every snippet and
the one line the API tab shows above it.

By default every snippet calls this registry (its public URL) with a key of this registry, made in
Developer settings or with the API tab's "Create a key for this snippet": the registry serves every
model's routes and forwards upstream calls with its own AINative key. The API tab's "Direct to
AINative" form calls the upstream itself with the person's own AINative key (`AINATIVE_API_KEY`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_registry.kinds import RequestSpec

DEVELOPER_SETTINGS_PATH = "/dashboard/developer-settings"
UPSTREAM_ENV_VAR = "AINATIVE_API_KEY"
# What a snippet holds until the person puts a key in: the placeholder names where the key comes from.
API_KEY_PLACEHOLDER = "YOUR_API_KEY"  # the direct form's: the person's own AINative key
REGISTRY_KEY_PLACEHOLDER = "YOUR_KEY_FROM_DEVELOPER_SETTINGS"  # the default: a key of this registry


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
    placeholder: str = API_KEY_PLACEHOLDER  # what the snippet holds until a key is put in

    @property
    def sentence(self) -> str:
        """One line for the API tab: which key, and which one it is not (its link says where)."""
        env = f" ({self.env_var})" if self.env_var else ""
        return f"This snippet needs {self.what}{env}; {self.other}."

    def comment_lines(self, *, inserted: bool = False) -> list[str]:
        """What the snippet's comment says about its key (without the comment marker)."""
        env = f" (the value of {self.env_var})" if self.env_var else ""
        which = "The key in this snippet" if inserted else self.placeholder
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


def registry_key(origin: str) -> KeySource:
    """A key of this registry at `origin` (e.g. "https://models.example.com"), the default for every snippet."""
    settings = f"{origin.rstrip('/')}{DEVELOPER_SETTINGS_PATH}"
    return KeySource(
        what="an API key of this registry",
        env_var="",
        where=(
            f"from Developer settings, Create an API Key ({settings}), or the API tab's Create a key for this snippet"
        ),
        link=f"{DEVELOPER_SETTINGS_PATH}#api-keys-section",
        link_label="Create one in Developer settings",
        not_this=(
            f"An AINative key ({UPSTREAM_ENV_VAR}) does not work here; the API tab's Direct to AINative form takes one."
        ),
        other=f"an AINative key ({UPSTREAM_ENV_VAR}) does not",
        placeholder=REGISTRY_KEY_PLACEHOLDER,
    )


# The local engine's routes are the registry's own: the same key opens them.
local_key = registry_key


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
