"""Each source's last good records, kept beside the stored catalog model they describe.

(The health route's answer is not about one model: it is kept on its status row, see
`health_json` and `health_from_json`.)

A row of the stored catalog carries `{source: {"api_root": url, "facts": [...]}}`: what each
upstream source said about that model and from which address. At the next start the aggregator
rebuilds every source's records from these rows and keeps only those of sources configured now,
at the same address (`Aggregator.seed`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from ai_registry.aggregator.normalize import Health, UpstreamFacts
from ai_registry.aggregator.service import StoredSource
from ai_registry.catalog.models import UnifiedAIModel

log = logging.getLogger(__name__)


def _fact_json(fact: UpstreamFacts) -> dict:
    # Only what the source stated: the merge tells a stated price figure from a default by it.
    return fact.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def facts_by_model(sources: Sequence[StoredSource], models: Sequence[UnifiedAIModel]) -> dict[str, str]:
    """Model id -> the JSON of what each source said about it; models no source spoke of are left out."""
    ids = {m.id.casefold(): m.id for m in models}
    grouped: dict[str, dict[str, dict]] = {}
    for source in sources:
        for fact in source.facts:
            model_id = ids.get(fact.id.casefold())
            if model_id is None:  # every record becomes a model; this guards against a caller's mix-up
                continue
            entry = grouped.setdefault(model_id, {}).setdefault(source.name, {"api_root": source.api_root, "facts": []})
            entry["facts"].append(_fact_json(fact))
    return {model_id: json.dumps(entry, separators=(",", ":")) for model_id, entry in grouped.items()}


def sources_from_rows(rows: Iterable[str]) -> list[StoredSource]:
    """The stored records of each (source, address), in catalog order; a row or record that no
    longer reads is skipped, never fatal."""
    grouped: dict[tuple[str, str], list[UpstreamFacts]] = {}
    skipped = 0
    for text in rows:
        try:
            data = json.loads(text)
        except ValueError:
            skipped += 1
            continue
        if not isinstance(data, dict):
            skipped += 1
            continue
        for name, entry in data.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("api_root"), str):
                skipped += 1
                continue
            records = grouped.setdefault((name, entry["api_root"]), [])
            for raw in entry.get("facts") if isinstance(entry.get("facts"), list) else []:
                try:
                    records.append(UpstreamFacts.model_validate(raw))
                except ValidationError:
                    skipped += 1
    if skipped:
        log.warning("skipped %d stored source records that no longer read", skipped)
    return [StoredSource(name, root, facts) for (name, root), facts in grouped.items() if facts]


def health_json(health: Health) -> str:
    """The health answer as the status row keeps it."""
    return json.dumps({"status": health.status, "services": health.services}, separators=(",", ":"))


def health_from_json(name: str, api_root: str | None, text: str | None) -> StoredSource | None:
    """The stored health answer of the status row `name`, or None when there is none that reads."""
    if not api_root or not text:
        return None
    try:
        data = json.loads(text)
        services = {str(k): v for k, v in data["services"].items() if isinstance(v, bool)}
        return StoredSource(name, api_root, health=Health(status=str(data["status"]), services=services))
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("skipped the stored answer of %s: it no longer reads", name)
        return None
