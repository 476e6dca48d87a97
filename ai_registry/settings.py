"""All configuration in one place, read lazily from the environment and an optional `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Settings of the registry. Secrets are `SecretStr`, so they never print in logs or reprs."""

    model_config = SettingsConfigDict(
        env_prefix="AI_REGISTRY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # The upstream (AINative-style) API. Unset: the built-in catalog and local engine are the sources.
    api_base: str | None = Field(default=None, validation_alias=AliasChoices("AINATIVE_API_BASE"))
    api_prefix: str = Field(default="/v1", validation_alias=AliasChoices("AINATIVE_API_PREFIX"))
    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("AINATIVE_API_KEY"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))

    data_dir: Path = PROJECT_ROOT / "data"
    source_timeout_s: float = 5.0
    cache_ttl_s: float = 300.0
    max_source_bytes: int = 5_000_000
    public_api_base: str = "https://api.ainative.studio"
    learn_more_url: str = "https://docs.ainative.studio/models"
    request_model_url: str = "https://docs.ainative.studio/models/request"
    # Where generated media and uploads live; served by the backend under /_upload.
    upload_max_bytes: int = 25_000_000
    # Hosts and networks (comma-separated, e.g. "127.0.0.1,10.1.0.0/16") the server may fetch user URLs
    # from although they are not public; empty: only public addresses (see ai_registry.netguard).
    fetch_allow_hosts: str = ""
    # The address people open (e.g. https://models.example.com): session cookies get `Secure` when it is
    # https, and browser requests from any other origin are refused. Unset: the request's own host only.
    public_url: str | None = None
    # Identity. Unset secret key: a generated key file (mode 0600) in the data folder encrypts saved secrets.
    secret_key: SecretStr | None = None
    # Open sign-up: off while empty; `example.com,example.org` lets those exact domains register.
    signup_domains: Annotated[tuple[str, ...], NoDecode] = ()
    signup_role: Literal["member", "viewer"] = "member"
    # Single sign-on (OpenID Connect), off unless the issuer and client id are both set. The redirect
    # URI to register at the provider is `<public URL>/auth/sso/callback`.
    sso_issuer: str | None = None
    sso_client_id: str | None = None
    sso_client_secret: SecretStr | None = None
    # Email domains SSO may sign in (`example.com,example.org`); empty: any address the provider verified.
    sso_domains: Annotated[tuple[str, ...], NoDecode] = ()
    # The role of an account SSO creates on first sign-in; `admin` only when set so on purpose.
    sso_role: Literal["admin", "member", "viewer"] = "member"
    # The provider's name on the sign-in button: "Sign in with <label>".
    sso_label: str = "single sign-on"
    # Whether SSO may sign in to an account that already has a password (matched by the provider's
    # verified email). Off: such an account keeps signing in with its password only, so a provider
    # that vouches for an address cannot take over a local administrator (Open WebUI's default too).
    sso_merge_by_email: bool = False
    # The local engine as its own service (`python -m ai_registry engine`): its base URL, without
    # `/v1`. Unset: the engine runs in this process. The key is a secret shared with the engine.
    engine_url: str | None = None
    engine_key: SecretStr | None = None
    # Redis for the scaled mode: AI_REGISTRY_REDIS_URL, else the one Reflex keeps its state in.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AI_REGISTRY_REDIS_URL", "REFLEX_REDIS_URL")
    )
    # Where runs are counted against rate limits. auto: Redis when configured, else the database when
    # DATABASE_URL is set, else this process (the embedded default, one process).
    rate_limits: Literal["auto", "process", "database", "redis"] = "auto"
    # How the catalog is refreshed from the upstream. auto: shared when DATABASE_URL or Redis is set
    # (the scaled mode: one process fetches per TTL, the others read what it stored), else in this
    # process alone (the embedded default). A refresh lease lasts `catalog_lease_s` at most.
    catalog_refresh: Literal["auto", "process", "shared"] = "auto"
    catalog_lease_s: float = Field(default=60.0, gt=0, le=3600)
    # How runs are executed. inline: inside the web process (the embedded default); procrastinate:
    # as jobs in PostgreSQL (DATABASE_URL) that `python -m ai_registry worker` processes execute.
    queue: Literal["inline", "procrastinate"] = "inline"
    # Runs one job worker executes at once.
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    # Webhooks of the runs API (`inference/webhooks.py`): tries per delivery, the first wait between
    # tries (doubled each time), each try's time limit, and whether a webhook may point at a private or
    # loopback address (off: refused when the run is asked for and again when it is delivered).
    webhook_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_s: float = Field(default=2.0, ge=0.0, le=600.0)
    webhook_timeout_s: float = Field(default=10.0, gt=0.0, le=120.0)
    webhook_allow_private: bool = False
    # The gateway (`/v1/...` for every catalog model): seconds a call may wait for its backend (unset:
    # the route's own, video 180, image and audio 120, else 60), requests per minute per key (0: no
    # limit), and the role premium models need.
    gateway_timeout_s: float | None = Field(default=None, gt=0)
    gateway_key_rate_limit: int = Field(default=0, ge=0)
    gateway_premium_role: Literal["member", "admin"] = "member"

    @field_validator("signup_domains", "sso_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower().lstrip("@") for part in value.split(",") if part.strip())
        return value

    @property
    def sso_enabled(self) -> bool:
        """Single sign-on is offered when both the issuer URL and the client id are set."""
        return bool((self.sso_issuer or "").strip() and (self.sso_client_id or "").strip())

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL: `DATABASE_URL`, or a SQLite file in the data folder."""
        if self.database_url:
            url = self.database_url
            # Plain postgres URLs mean psycopg 3, the driver we ship.
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.data_dir / 'registry.db'}"

    @property
    def rate_limit_store(self) -> Literal["process", "database", "redis"]:
        """Where rate limits are counted, with `auto` resolved."""
        if self.rate_limits != "auto":
            return self.rate_limits
        if self.redis_url:
            return "redis"
        return "database" if self.database_url else "process"

    @property
    def shared_catalog(self) -> bool:
        """Whether the catalog refresh is shared through the database, with `auto` resolved."""
        if self.catalog_refresh != "auto":
            return self.catalog_refresh == "shared"
        return bool(self.database_url or self.redis_url)

    @property
    def api_root(self) -> str | None:
        """Base URL plus prefix, without a trailing slash, or None when no upstream is set."""
        if not self.api_base:
            return None
        prefix = "/" + self.api_prefix.strip("/") if self.api_prefix.strip("/") else ""
        return self.api_base.rstrip("/") + prefix


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings()
