"""The house style's class strings, defined once (Tailwind)."""

FOCUS = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
# A card-like panel inside a page; `PAGE_PANEL` is the model page's roomier one.
PANEL = "rounded-xl border border-slate-200 bg-white p-4 sm:p-5"
PAGE_PANEL = "rounded-xl border border-slate-200 bg-white p-4 sm:p-6"
BUTTON_PRIMARY = (
    "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-700 px-4 py-2 text-sm font-semibold "
    f"text-white hover:bg-indigo-800 disabled:cursor-not-allowed disabled:bg-slate-400 {FOCUS}"
)
BUTTON_SECONDARY = (
    "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 "
    f"text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-50 {FOCUS}"
)
LINK = f"font-medium text-indigo-700 hover:underline {FOCUS}"


def scroll_region(label: str) -> dict[str, object]:
    """Props for a box that may scroll (code, JSON, a wide table): a named region the keyboard can
    reach, with a visible focus ring, so its hidden part can be scrolled into view (WCAG 2.1.1)."""
    return {"tab_index": 0, "role": "group", "aria_label": label}
