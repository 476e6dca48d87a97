"""Every route of the app and the URL builders, in one place."""

from __future__ import annotations

from urllib.parse import urlencode

APP_NAME = "AI Model Registry"  # the end of every page title
BROWSE = "/dashboard/ai-settings"
DETAIL = "/dashboard/ai-settings/[slug]"
RUNS = "/dashboard/ai-settings/[slug]/runs"
COMPARE = "/dashboard/ai-settings/compare"
DEVELOPER_SETTINGS = "/dashboard/developer-settings"
TEAM = "/dashboard/team"  # admins: people, roles, invites, open sign-up
AUDIT = "/dashboard/audit"  # admins: the audit log
AUDIT_EXPORT = "/audit.jsonl"  # admins: the audit log as JSON Lines (same filters as the page)
INVITE = "/invite"  # /invite/<token>: accept an invite (a plain HTTP page, signed out)
SIGN_UP = "/sign-up"  # open sign-up (a plain HTTP page), when an admin turned it on
TABS = ("playground", "api", "readme")
DEFAULT_TAB = "playground"


def browse_url(*, category: str = "All", sort: str = "newest", q: str = "") -> str:
    """The gallery URL with only the non-default choices in its query."""
    params = {}
    if category and category != "All":
        params["category"] = category.casefold()
    if sort and sort != "newest":
        params["sort"] = sort
    if q:
        params["q"] = q
    return BROWSE + (f"?{urlencode(params)}" if params else "")


def model_url(slug: str, tab: str = DEFAULT_TAB) -> str:
    """A model's page; the default tab stays out of the URL."""
    base = f"{BROWSE}/{slug}"
    return base if tab == DEFAULT_TAB else f"{base}?tab={tab}"


def runs_url(slug: str, run_id: str | None = None) -> str:
    base = f"{BROWSE}/{slug}/runs"
    return f"{base}?run={run_id}" if run_id else base


def parse_tab(value: str | None) -> str:
    value = (value or "").strip().casefold()
    return value if value in TABS else DEFAULT_TAB


def compare_url(slugs: list[str] | tuple[str, ...] = (), *, session: str = "") -> str:
    """The compare page for these models (in panel order), or a saved comparison by its id."""
    if session:
        return f"{COMPARE}?{urlencode({'session': session})}"
    return f"{COMPARE}?models={','.join(slugs)}" if slugs else COMPARE


USAGE = "/dashboard/usage"
USAGE_CSV = "/usage.csv"  # the usage page's export, for the signed-in browser's session cookie


def invite_path(raw_token: str) -> str:
    return f"{INVITE}/{raw_token}"


def audit_export_url(*, person: str = "", action: str = "") -> str:
    """The JSON Lines export of the audit log with the page's filters."""
    params = {key: value for key, value in (("person", person), ("action", action)) if value}
    return AUDIT_EXPORT + (f"?{urlencode(params)}" if params else "")
