"""The last merged catalog and source statuses, stored so a restart serves them at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import ValidationError
from sqlalchemy import insert
from sqlmodel import Session, delete, select

from ai_registry.catalog.models import UnifiedAIModel
from ai_registry.store.tables import CatalogModelRow, SourceStatusRow, utcnow


def save_catalog(
    *, session: Session, models: Sequence[UnifiedAIModel], source_facts: Mapping[str, str] | None = None
) -> None:
    """Replace the stored catalog with `models` (kept in their order).

    `source_facts` maps a model id to the JSON of what each upstream source said about it and from
    which API root (see `CatalogModelRow.source_facts`); the aggregator rebuilds from those.
    """
    session.exec(delete(CatalogModelRow))
    now = utcnow()
    facts = source_facts or {}
    rows = [
        {
            "id": m.id, "slug": m.slug, "position": position, "data": m.model_dump_json(), "updated_at": now,
            "source_facts": facts.get(m.id),
        }
        for position, m in enumerate(models)
    ]
    if rows:
        # One executemany: ten thousand ORM objects took seconds; this takes a fraction of one.
        session.execute(insert(CatalogModelRow), rows)


def load_catalog(*, session: Session) -> list[UnifiedAIModel]:
    """The stored catalog; rows that no longer validate are skipped, never fatal."""
    models = []
    for row in session.exec(select(CatalogModelRow).order_by(CatalogModelRow.position)):
        try:
            models.append(UnifiedAIModel.model_validate_json(row.data))
        except ValidationError:
            continue
    return models


def load_source_facts(*, session: Session) -> list[str]:
    """The stored source facts of every model that has some, in catalog order (JSON, unparsed:
    the aggregator validates them and skips what no longer does)."""
    query = (
        select(CatalogModelRow.source_facts)
        .where(CatalogModelRow.source_facts.is_not(None))
        .order_by(CatalogModelRow.position)
    )
    return list(session.exec(query))


def save_source_statuses(*, session: Session, statuses: Iterable[SourceStatusRow]) -> None:
    for status in statuses:
        session.merge(status)


def load_source_statuses(*, session: Session) -> list[SourceStatusRow]:
    return list(session.exec(select(SourceStatusRow).order_by(SourceStatusRow.name)))
