"""Platform tables (SQLAlchemy 2). Every tenant-owned row carries ``tenant_id``.

Isolation has two locks: the session adds ``tenant_id = :current`` to every ORM query on a
``TenantOwned`` table (``tenancy.py``), and on PostgreSQL row-level security enforces the same
rule inside the database, so a query that forgot its filter still sees one tenant only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from finbrain.core.decision import new_id, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: finbrain stores timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
    }


class TenantOwned:
    """Marker mixin: rows that belong to one tenant and must never be seen by another."""

    # Declared here so the automatic tenant filter (a lambda over this mixin) can be analysed;
    # each table re-declares it with its own foreign key and index.
    tenant_id: Mapped[str] = mapped_column(String(26))


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OperatorKey(Base):
    """Keys of the platform operator: manage tenants, never read a tenant's data."""

    __tablename__ = "operator_keys"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiKey(TenantOwned, Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class DecisionRow(TenantOwned, Base):
    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    capability: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    model_id: Mapped[str | None] = mapped_column(String(128))
    model_version: Mapped[str | None] = mapped_column(String(64))
    model_digest: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    input_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    key_id: Mapped[str | None] = mapped_column(String(26))
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_decisions_tenant_id_id", "tenant_id", "id"),
        Index("ix_decisions_tenant_capability", "tenant_id", "capability", "id"),
        Index("ix_decisions_tenant_subject", "tenant_id", "subject_type", "subject_id"),
    )


class IdempotencyRecord(Base):
    """The stored answer to a POST with an Idempotency-Key (per caller, 24 h).

    Carries ``tenant_id`` (NULL for the operator) and is protected by row-level security like the
    tenant tables; looked up by the caller's key id, so two callers never share a key space.
    """

    __tablename__ = "idempotency_records"
    principal_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(26), index=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# -- the verifiable decision ledger: one RFC 9162 log per tenant -------------------------------
class LedgerHead(TenantOwned, Base):
    """Size and root of a tenant's log; its row lock serialises appends on PostgreSQL."""

    __tablename__ = "ledger_heads"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerLeaf(TenantOwned, Base):
    """One entry: the canonical JSON (RFC 8785) committed to, and its leaf hash."""

    __tablename__ = "ledger_leaves"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    decision_id: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_ledger_leaves_decision", "tenant_id", "decision_id"),)


class LedgerNode(TenantOwned, Base):
    """Hash of a perfect subtree (level >= 1), written once when its last leaf arrives."""

    __tablename__ = "ledger_nodes"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(TenantOwned, Base):
    """Signed checkpoints (C2SP note text), at least one a second while entries arrive; kept."""

    __tablename__ = "ledger_checkpoints"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerWitness(TenantOwned, Base):
    """A witness the tenant trusts to co-sign its checkpoints."""

    __tablename__ = "ledger_witnesses"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    vkey: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerCosignature(TenantOwned, Base):
    __tablename__ = "ledger_cosignatures"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(TenantOwned, Base):
    """A trained model of a tenant: inspectable artifact (JSON / LightGBM text), never a pickle."""

    __tablename__ = "model_versions"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), index=True)
    capability: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    artifact: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[str | None] = mapped_column(Text, default=None)  # HTML development report
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_model_versions_name", "tenant_id", "capability", "name", "version", unique=True),
    )


class Job(TenantOwned, Base):
    """Long work (training a model) run in the background; clients poll its progress."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- identity and the online card application (信用卡线上开卡) --------------------------------
class CardApplication(TenantOwned, Base):
    """One online credit-card application: the automated outcome, the human review, the trail.

    Identity numbers, phones and devices are kept only as keyed hashes (HMAC with a tenant key),
    enough to find the same person or device across applications, never to read them back.
    """

    __tablename__ = "card_applications"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    reference: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # approved | referred | declined
    outcome: Mapped[str] = mapped_column(String(16))  # the automated outcome, never rewritten
    limit_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    thin_file: Mapped[bool] = mapped_column(default=False)
    decision_id: Mapped[str] = mapped_column(String(26))
    step_decisions: Mapped[list[str]] = mapped_column(JSON)
    id_hash: Mapped[str] = mapped_column(String(64))
    phone_hash: Mapped[str] = mapped_column(String(64))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)  # masked facts for the reviewer
    review_status: Mapped[str | None] = mapped_column(String(16))  # pending | approved | declined
    reviewer: Mapped[str | None] = mapped_column(String(128))
    review_note: Mapped[str | None] = mapped_column(Text)
    review_decision_id: Mapped[str | None] = mapped_column(String(26))
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_card_applications_tenant_id_id", "tenant_id", "id"),
        Index("ix_card_applications_reference", "tenant_id", "reference", unique=True),
        Index("ix_card_applications_id_hash", "tenant_id", "id_hash", "created_at"),
        Index("ix_card_applications_phone_hash", "tenant_id", "phone_hash", "created_at"),
        Index("ix_card_applications_device_hash", "tenant_id", "device_hash", "created_at"),
        Index("ix_card_applications_review", "tenant_id", "review_status", "id"),
    )


class ScreenedCustomer(TenantOwned, Base):
    """A customer the bank screens: kept so that a new list version re-screens them."""

    __tablename__ = "screened_customers"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    nationality: Mapped[str | None] = mapped_column(String(64))
    list_version: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    best_score: Mapped[float] = mapped_column(Float)
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- real-time risk monitoring (风险监控) ---------------------------------------------------
class RiskEvent(TenantOwned, Base):
    """The append-only event log: the engine's state is a snapshot plus a replay of this table.

    ``event_id`` is unique per tenant, so a retried or replayed event is answered, never counted
    twice; ``seq`` is the order the engine applied events in.
    """

    __tablename__ = "risk_events"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column()
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision_id: Mapped[str] = mapped_column(String(26))
    outcome: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_risk_events_event_id", "tenant_id", "event_id", unique=True),
        Index("ix_risk_events_tenant_seq", "tenant_id", "seq"),
    )


class RiskLabel(TenantOwned, Base):
    """Fraud / not-fraud labels, from case dispositions or the bank's chargeback feed."""

    __tablename__ = "risk_labels"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    is_fraud: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskSnapshot(TenantOwned, Base):
    """The engine's window state after event ``seq``: restart = latest snapshot + replay."""

    __tablename__ = "risk_snapshots"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    features_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskRuleSet(TenantOwned, Base):
    """A published version of a tenant's rules; the newest is live (hot-reloaded)."""

    __tablename__ = "risk_rule_sets"
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskCase(TenantOwned, Base):
    """Alerts on one customer or card grouped for an investigator."""

    __tablename__ = "risk_cases"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    assignee: Mapped[str | None] = mapped_column(String(128))
    disposition: Mapped[str | None] = mapped_column(String(16))  # fraud | not_fraud
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_risk_cases_tenant_status", "tenant_id", "status", "id"),
        Index("ix_risk_cases_entity", "tenant_id", "entity_type", "entity_id", "status"),
    )


class RiskAlert(TenantOwned, Base):
    __tablename__ = "risk_alerts"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    case_id: Mapped[str] = mapped_column(String(26))
    event_id: Mapped[str] = mapped_column(String(128))
    decision_id: Mapped[str] = mapped_column(String(26))
    action: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    rules: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_risk_alerts_tenant_id_id", "tenant_id", "id"),
        Index("ix_risk_alerts_case", "tenant_id", "case_id"),
    )


class RiskCaseNote(TenantOwned, Base):
    """The case's history: comments, assignments and the closing disposition."""

    __tablename__ = "risk_case_notes"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(26), ForeignKey("tenants.id"))
    case_id: Mapped[str] = mapped_column(String(26))
    author: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # comment | assign | close
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_risk_case_notes_case", "tenant_id", "case_id", "created_at"),)
