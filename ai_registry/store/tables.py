"""The tables. SQLite by default, PostgreSQL through `DATABASE_URL`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Index, UniqueConstraint
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


class CatalogRefresh(SQLModel, table=True):
    """Who refreshes the catalog from the upstream now, and when it was last refreshed: one row shared
    by every web process on this database, so N processes fetch the sources once per TTL, not N times
    (`store/catalog_lease.py`, `aggregator/shared_refresh.py`). Times are Unix seconds."""

    __tablename__ = "catalog_refresh"

    name: str = Field(primary_key=True, max_length=50)
    holder: str | None = Field(default=None, max_length=200)  # the process refreshing now, while its lease runs
    lease_until: float | None = None
    refreshed_at: float | None = None  # when the stored catalog was last refreshed from the upstream
    generation: int = 0  # counts stored refreshes: a process whose copy is older reads the stored one


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
    # The person the key acts for; None for keys made before accounts existed.
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)


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
    # running | succeeded | failed | cancelled | interrupted (its process stopped before it finished)
    status: str = Field(default="running", max_length=20)
    inputs_json: str = "{}"
    request_json: str | None = None
    response_json: str | None = None
    error: str | None = None
    output_path: str | None = None
    output_kind: str | None = None  # an OutputKind: chat | image | video | audio | text | embeddings | json
    cost_usd: float | None = None
    duration_ms: int | None = None
    # Who ran it (None: made before accounts existed, seen by administrators only).
    owner_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # The process executing the run, `host:pid:start` (see inference/interrupted.py), so that a run
    # left `running` by a process that died can be told apart from one still in flight.
    worker: str | None = Field(default=None, max_length=300)
    # A run executed as a job (scaled mode): the text streamed so far, so any web worker can show it,
    # and whether someone pressed Stop (the job worker polls it).
    output_text: str | None = None
    cancel_requested: bool = False
    # The runs API (`api/runs_api.py`, migration 0010): "api" for a run started there (None: the
    # playground), the key that started it, the base URL it was asked at (for absolute links), and
    # its webhook: the URL, pending | delivering | delivered | failed, and why the last try failed.
    source: str | None = Field(default=None, max_length=20)
    key_id: int | None = None
    origin: str | None = Field(default=None, max_length=300)
    webhook_url: str | None = Field(default=None, max_length=2000)
    webhook_state: str | None = Field(default=None, max_length=20)
    webhook_error: str | None = None


class RateSend(SQLModel, table=True):
    """One run counted against a model's rate limit, shared by every process on this database.

    A sliding log: rows older than the window are deleted as new sends are counted
    (`store/rate_sends.py`); `sent_at` is Unix time in seconds.
    """

    __tablename__ = "rate_send"
    __table_args__ = (Index("ix_rate_send_key_sent_at", "key", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)
    sent_at: float


# -- identity: people, their sign-in sessions, invites, throttling and the audit log ---------------------


class User(SQLModel, table=True):
    """A person who may sign in. The email is stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    display_name: str = Field(default="", max_length=100)
    role: str = Field(default="member", max_length=20)  # admin | member | viewer
    active: bool = True
    # None for people who only sign in through single sign-on.
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its token is stored; the token lives in the cookie."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class Invite(SQLModel, table=True):
    """A one-time, expiring invitation to join with a role. Only the SHA-256 of its token is stored."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=20)
    # When set, only this address may accept the invite.
    email: str | None = Field(default=None, max_length=254)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = None


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, counted per account (`email`) and per address to slow guessing."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_scope_subject_at", "scope", "subject", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10)  # account | address
    subject: str = Field(max_length=254)
    at: datetime = Field(default_factory=utcnow, index=True)


class AuditEvent(SQLModel, table=True):
    """One entry of the append-only audit log: who did what, when, from where."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=64)
    action: str = Field(index=True, max_length=50)
    target: str | None = Field(default=None, max_length=300)
    details_json: str = "{}"


class CompareSession(SQLModel, table=True):
    """One comparison: its models in panel order, the shared input and settings, the runs, the winner."""

    __tablename__ = "compare_session"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(default="", max_length=20)
    models_json: str = "[]"  # slugs in panel order; a slug may appear twice (one model, two settings)
    inputs_json: str = "{}"  # {"shared": {role: value}, "settings": [{name: text}], "same_settings": bool}
    run_ids_json: str = "[]"  # one run id per panel ("" for a panel that did not run)
    results_json: str = "[]"  # per panel what the run rows do not keep: {latency, first_token, units, cost}
    winner_panel: int | None = None  # the voted panel's index
    winner_slug: str | None = Field(default=None, index=True, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class ShareLink(SQLModel, table=True):
    """A revocable link that shows one run to anyone holding it. Only the SHA-256 of its token is stored."""

    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    run_id: str = Field(foreign_key="run.id", index=True, max_length=40)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


# -- metering: one row per model call, from the playground, the compare page or the gateway --------------


class UsageRecord(SQLModel, table=True):
    """One call of a model and what it used (issue 13): who, with which key, how much, how long.

    Units are the model kind's own (tokens for chat, images, seconds of video, characters of speech,
    minutes of audio); those that do not apply stay None. `credits` and `usd` are the upstream's
    figures when it reports them (`credits_used`), else the catalog price's estimate, and
    `estimated` says which.
    """

    __tablename__ = "usage_record"
    __table_args__ = (Index("ix_usage_record_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    key_id: int | None = Field(default=None, index=True)  # None: the call came from a signed-in page
    model_slug: str = Field(index=True, max_length=300)
    kind: str = Field(default="", max_length=20)  # chat | image | video | audio | embedding
    source: str = Field(default="api", max_length=20)  # api | runs-api | playground | compare
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    images: int | None = None
    video_seconds: float | None = None
    characters: int | None = None
    audio_minutes: float | None = None
    credits: float | None = None
    usd: float | None = None
    estimated: bool = True
    latency_ms: int | None = None
    ttft_ms: int | None = None  # time to first token, streams only
    status: str = Field(default="ok", max_length=20)  # ok | error | refused | canceled
    http_status: int | None = None
    request_id: str | None = Field(default=None, max_length=100)
    run_id: str | None = Field(default=None, max_length=40)


# -- curation: what admins decide about the merged catalog (issue 15) --------------------------------


class CurationRow(SQLModel, table=True):
    """One model's curation (see `catalog.curation.Curation`), applied after every merge.

    Keyed by the model's id (casefolded), which a refresh never changes. Lists are JSON arrays.
    """

    __tablename__ = "curation"

    model_id: str = Field(primary_key=True, max_length=300)
    hidden: bool = False
    is_default: bool = False
    premium: bool | None = None  # None: as the merged catalog says
    featured: bool = False
    name: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    readme: str | None = None
    tags: str = Field(default="[]", max_length=2000)
    aliases: str = Field(default="[]", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = None


class CurationRevision(SQLModel, table=True):
    """One row (id 1) whose `revision` grows with every curation change: each process compares it
    with the revision it applied, so a change made in one process reaches all of them."""

    __tablename__ = "curation_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


# -- examples: real runs pinned to a model's page and card (issue 15) ------------------------------------


class Example(SQLModel, table=True):
    """A successful run pinned as an example of its model.

    `scope` "team": pinned by an admin, shown to everyone signed in; "owner": pinned by the run's
    owner, shown to that person only. At most one example per model and scope (and owner) is
    `featured`: its output is the model card's thumbnail.
    """

    __tablename__ = "example"
    __table_args__ = (UniqueConstraint("run_id", "scope", name="uq_example_run_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True, max_length=40)
    model_slug: str = Field(index=True, max_length=300)
    pinned_by: int | None = Field(default=None, foreign_key="user.id")
    scope: str = Field(default="team", max_length=10)  # team | owner
    featured: bool = False
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


# -- budgets: spend limits per person, per key and per role, and the counters they are checked against ---


class Budget(SQLModel, table=True):
    """A spend limit: `scope` user (subject = user id), key (subject = key id) or role (subject = the
    role's name: the default for every person of that role without a budget of their own), in USD or
    credits, per UTC day or month. A hard budget refuses calls (402); a soft one only warns."""

    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("scope", "subject", "unit", "period", name="uq_budget_target"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10)  # user | key | role
    subject: str = Field(max_length=100)
    unit: str = Field(max_length=10)  # usd | credits
    period: str = Field(max_length=10)  # day | month
    limit_amount: float
    hard: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class BudgetSpend(SQLModel, table=True):
    """What one person or key spent in one period, in one unit: reserved before a call, settled after.

    `counter` is `user:<id>:usd:day` (or `key:<id>:...`); rows of past periods are history."""

    __tablename__ = "budget_spend"
    __table_args__ = (UniqueConstraint("counter", "period_start", name="uq_budget_spend_period"),)

    id: int | None = Field(default=None, primary_key=True)
    counter: str = Field(max_length=200)
    period_start: datetime
    spent: float = 0.0
