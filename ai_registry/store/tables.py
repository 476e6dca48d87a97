"""The tables. SQLite by default, PostgreSQL through `DATABASE_URL`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class CatalogModelRow(SQLModel, table=True):
    """One model of the last merged catalog, as JSON, so a restart serves it at once."""

    __tablename__ = "catalog_model"

    id: str = Field(primary_key=True, max_length=300)
    slug: str = Field(index=True, unique=True, max_length=300)
    position: int = 0
    data: str  # UnifiedAIModel as JSON
    updated_at: datetime = Field(default_factory=utcnow)
    # What each upstream source said about this model, and the API root it said it from:
    # {source: {"api_root": url, "facts": [...]}}. A restart rebuilds the catalog from these, so a
    # source that is no longer configured feeds nothing (issue 17). NULL: no upstream source.
    source_facts: str | None = None


class SourceStatusRow(SQLModel, table=True):
    """The last known health of one upstream source."""

    __tablename__ = "source_status"

    name: str = Field(primary_key=True, max_length=100)
    url: str | None = None
    state: str = "ok"  # ok | stale | failed
    error: str | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    model_count: int = 0
    # The last good answer of a source whose data is not per model (the health route), as JSON;
    # it counts only while the source is configured at `url`.
    last_good: str | None = None


class ApiKey(SQLModel, table=True):
    """A key for the app's own API. Only its SHA-256 is stored; the full key is shown once."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(index=True, max_length=20)
    key_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AppSetting(SQLModel, table=True):
    """Server-side settings changed from the UI, such as the upstream API key."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str
    updated_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One playground run: what was sent, what came back, what it cost."""

    __tablename__ = "run"

    id: str = Field(primary_key=True, max_length=40)
    model_slug: str = Field(index=True, max_length=300)
    status: str = Field(default="running", max_length=20)  # running | succeeded | failed | cancelled
    inputs_json: str = "{}"
    request_json: str | None = None
    response_json: str | None = None
    error: str | None = None
    output_path: str | None = None
    output_kind: str | None = None  # image | video | audio | text | json
    cost_usd: float | None = None
    duration_ms: int | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
