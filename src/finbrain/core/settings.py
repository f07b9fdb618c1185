"""All configuration in one place, read from ``FINBRAIN_*`` environment variables (or a ``.env``).

Defaults give the embedded set-up: state under ``./var`` (SQLite in WAL mode), the real public data
under ``../shared/data`` when this is a checkout of the project, the server on 127.0.0.1:8000.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout (tests and the demo in this repo), if present."""
    candidates = [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]
    for base in candidates:
        probe = base.parent / "shared" / "data"
        if (probe / "SHA256SUMS").is_file():
            return probe
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINBRAIN_", env_file=".env", extra="ignore", validate_default=True
    )

    home: Path = Field(default=Path("var"), description="Folder for embedded state and artifacts.")
    data_dir: Path | None = Field(
        default_factory=_default_data_dir,
        description="Folder holding the real public data (with its SHA256SUMS).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in FINBRAIN_HOME. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    # Row-level security only binds roles that are neither superuser nor BYPASSRLS. When the
    # connecting user is such a role (a developer's local superuser), the app switches to this
    # role for every transaction, so isolation holds whoever connects.
    postgres_app_role: str = "finbrain_app"
    sqlite_synchronous: str = Field(
        default="FULL", description="SQLite synchronous pragma: FULL survives power loss."
    )
    sqlite_cache_mb: int = Field(
        default=64,
        ge=2,
        le=65536,
        description="SQLite page cache per connection, in MB (SQLite's own default is 2 MB, "
        "too small for the platform's indexes once they grow).",
    )
    redis_url: str | None = Field(default=None, description="redis://host:6379/0 for scale-out.")
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    rate_limit_per_second: float = Field(default=50.0, gt=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    request_slots: int = Field(
        default=10,
        ge=1,
        le=32,
        description="API requests at work at once, each with at most one pooled database "
        "connection; the rest wait on the event loop without a thread or a connection. The "
        "pool keeps this many connections (plus 10 for the risk writers, jobs and console); "
        "at most 32, well under the 40 worker threads.",
    )
    tenant_request_slots: int = Field(
        default=5,
        ge=1,
        description="Of those, at most this many for one tenant: its burst waits for its own "
        "turns and leaves the other slots to other tenants.",
    )
    request_queue_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a request may wait for a slot before it is answered 503 with "
        "Retry-After (nothing done).",
    )
    tenant_request_queue: int = Field(
        default=100,
        ge=0,
        description="Requests of one tenant that may wait for a slot; the next is answered 503 "
        "with Retry-After at once.",
    )
    secret_key: str | None = Field(
        default=None, description="Signs console sessions; generated into FINBRAIN_HOME if unset."
    )
    ledger_origin: str = Field(
        default="finbrain.local/ledger",
        description="Prefix of every tenant log's origin line: <prefix>/<tenant id>.",
    )
    ledger_secret: str | None = Field(
        default=None,
        description="Master secret the per-tenant ledger signing keys derive from; generated "
        "into FINBRAIN_HOME if unset. Every API process of one platform needs the same one.",
    )
    ledger_witness_quorum: int = Field(default=1, ge=1)
    risk_snapshot_every: int = Field(
        default=20_000,
        ge=1,
        description="Scored events between snapshots of a tenant's risk windows: bounds the "
        "replay after a restart.",
    )
    risk_snapshot_in_background: bool = Field(
        default=True,
        description="Build the periodic snapshots in a separate process from the event log "
        "(the live engine never pauses); off takes them on the engine's own thread.",
    )
    risk_max_clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        description="How far in the future an event's occurred_at may be (client clock skew) "
        "before it is refused. Lateness is judged against the server's clock, so an event "
        "ahead of it by less than this cannot make other clients' events late.",
    )
    risk_fast_lane: bool = Field(
        default=True,
        description="Score POST /v1/risk/events in the lean ASGI lane (same checks and answers, "
        "a fraction of the framework's CPU); off sends it through the full application.",
    )
    risk_write_on_event_loop: bool = Field(
        default=True,
        description="Write scoring requests' group commits on the server's event loop (no "
        "thread hand-over per group); off hands every group to the tenant's writer thread.",
    )
    risk_gc_freeze_every: int = Field(
        default=0,
        ge=0,
        description="For a dedicated scoring server: scored events between freezes of the "
        "process's surviving objects out of Python's cyclic collector (no 100 ms full "
        "collections; objects that die in a reference cycle after a freeze are never freed, so "
        "watch the memory). 0, the default, leaves the collector alone.",
    )
    risk_group_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=50,
        description="How long a scoring request waits on the event loop for others to share its "
        "group commit (more per commit: less CPU per decision at the same rate).",
    )
    gil_switch_interval_ms: float = Field(
        default=0.5,
        gt=0,
        le=100,
        description="How often (ms) a busy thread must hand the interpreter lock to a waiting "
        "one, for the server process. Python's 5 ms default lets request handling starve the "
        "risk writer: each database call it makes waits up to 5 ms to get the lock back.",
    )
    display_time_zone: str = Field(
        default="Asia/Shanghai",
        description="The time zone the console shows times in (an IANA name); UTC on hover.",
    )
    screening_policy: Literal["name_decides", "attribute_weighted"] = Field(
        default="name_decides",
        description="How a screening's outcome is reached (docs/screening.md). name_decides, the "
        "safe default: a name at or above the threshold is never cleared by a missing or "
        "conflicting birth date or nationality, only by a person's recorded allow decision. "
        "attribute_weighted lets conflicting attributes lower a name below the threshold.",
    )
    warm_sanctions_index: bool = Field(
        default=True,
        description="Build the sanctions index in the background at start-up (seconds), so the "
        "first screening does not wait for it.",
    )
    log_level: str = "INFO"
    default_language: str = Field(
        default="zh",
        description="The console's language when the browser asks for neither zh nor en.",
    )
    api_language: str = Field(
        default="en",
        description="The API's language (problem titles, details and field messages) when a "
        "client sends no Accept-Language (or asks for neither zh nor en): one language per "
        "answer. English, as the texts the code writes into a problem's detail are.",
    )

    @model_validator(mode="after")
    def _slots(self) -> Settings:
        if self.tenant_request_slots > self.request_slots:
            raise ValueError("tenant_request_slots must be at most request_slots")
        return self

    @field_validator("display_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, e.g. Asia/Shanghai)"
            ) from None
        return value

    @field_validator("sqlite_synchronous")
    @classmethod
    def _sync_mode(cls, value: str) -> str:
        value = value.upper()
        if value not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError("must be one of OFF, NORMAL, FULL, EXTRA")
        return value

    @field_validator("postgres_app_role")
    @classmethod
    def _role(cls, value: str) -> str:
        # Interpolated into DDL (role names cannot be bound parameters): identifiers only.
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
            raise ValueError("must be a lower-case SQL identifier")
        return value

    @field_validator("default_language", "api_language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in {"zh", "en"}:
            raise ValueError("must be zh or en")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'finbrain.db').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.effective_database_url.startswith("postgresql")

    def effective_secret_key(self) -> str:
        """The console signing key: configured, or generated once into the home folder (0600)."""
        return self.secret_key or self._home_secret("secret_key")

    def effective_ledger_secret(self) -> str:
        if self.ledger_secret is None:  # read the file once, not on every signature
            object.__setattr__(self, "ledger_secret", self._home_secret("ledger_secret"))
        assert self.ledger_secret is not None
        return self.ledger_secret

    def _home_secret(self, name: str) -> str:
        path = self.home / name
        if path.is_file():
            return path.read_text().strip()
        self.home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
