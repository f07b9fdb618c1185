"""Platform tables (SQLAlchemy 2). Every tenant-owned row carries ``tenant_id``.

Isolation has two locks: the session adds ``tenant_id = :current`` to every ORM query on a
``TenantOwned`` table (``tenancy.py``), and on PostgreSQL row-level security enforces the same
rule inside the database, so a query that forgot its filter still sees one tenant only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import NAMING as NAMING
from finbrain.platform.store.base import Base as Base
from finbrain.platform.store.base import TenantOwned as TenantOwned
from finbrain.platform.store.base import UtcDateTime as UtcDateTime
from finbrain.platform.store.base import tenant_column


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
    tenant_id: Mapped[str] = tenant_column(index=True)
    label: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class DecisionRow(TenantOwned, Base):
    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
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
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerLeaf(TenantOwned, Base):
    """One entry: the canonical JSON (RFC 8785) committed to, and its leaf hash."""

    __tablename__ = "ledger_leaves"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    decision_id: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_ledger_leaves_decision", "tenant_id", "decision_id"),)


class LedgerNode(TenantOwned, Base):
    """Hash of a perfect subtree (level >= 1), written once when its last leaf arrives."""

    __tablename__ = "ledger_nodes"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(TenantOwned, Base):
    """Signed checkpoints (C2SP note text), at least one a second while entries arrive; kept."""

    __tablename__ = "ledger_checkpoints"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerWitness(TenantOwned, Base):
    """A witness the tenant trusts to co-sign its checkpoints."""

    __tablename__ = "ledger_witnesses"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    vkey: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerCosignature(TenantOwned, Base):
    __tablename__ = "ledger_cosignatures"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(TenantOwned, Base):
    """A trained model of a tenant: inspectable artifact (JSON / LightGBM text), never a pickle."""

    __tablename__ = "model_versions"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column(index=True)
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
    tenant_id: Mapped[str] = tenant_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- capabilities' tables: defined beside their capability, imported here so Base.metadata sees
# them and ``from finbrain.platform.store.models import RiskEvent`` keeps working.
from finbrain.platform.advisory.tables import AdvisoryClient as AdvisoryClient  # noqa: E402
from finbrain.platform.advisory.tables import AdvisoryPrice as AdvisoryPrice  # noqa: E402
from finbrain.platform.advisory.tables import AdvisoryProduct as AdvisoryProduct  # noqa: E402
from finbrain.platform.advisory.tables import AdvisoryProposal as AdvisoryProposal  # noqa: E402
from finbrain.platform.advisory.tables import AdvisoryShelf as AdvisoryShelf  # noqa: E402
from finbrain.platform.assistant.tables import AssistantAccount as AssistantAccount  # noqa: E402
from finbrain.platform.assistant.tables import AssistantAction as AssistantAction  # noqa: E402
from finbrain.platform.assistant.tables import AssistantCard as AssistantCard  # noqa: E402
from finbrain.platform.assistant.tables import AssistantFaq as AssistantFaq  # noqa: E402
from finbrain.platform.assistant.tables import AssistantKnowledge as AssistantKnowledge  # noqa: E402
from finbrain.platform.assistant.tables import AssistantSession as AssistantSession  # noqa: E402
from finbrain.platform.assistant.tables import AssistantTicket as AssistantTicket  # noqa: E402
from finbrain.platform.assistant.tables import AssistantTransfer as AssistantTransfer  # noqa: E402
from finbrain.platform.credit.tables import CreditFeatureDay as CreditFeatureDay  # noqa: E402
from finbrain.platform.identity.tables import ScreenedCustomer as ScreenedCustomer  # noqa: E402
from finbrain.platform.identity.tables import ScreeningAllow as ScreeningAllow  # noqa: E402
from finbrain.platform.journeys.tables import CardApplication as CardApplication  # noqa: E402
from finbrain.platform.marketing.tables import MarketingAssignment as MarketingAssignment  # noqa: E402
from finbrain.platform.marketing.tables import MarketingCampaign as MarketingCampaign  # noqa: E402
from finbrain.platform.marketing.tables import MarketingConsent as MarketingConsent  # noqa: E402
from finbrain.platform.marketing.tables import MarketingContact as MarketingContact  # noqa: E402
from finbrain.platform.match.tables import MatchInteraction as MatchInteraction  # noqa: E402
from finbrain.platform.profile.tables import CustomerProfileRow as CustomerProfileRow  # noqa: E402
from finbrain.platform.profile.tables import ProfileBuild as ProfileBuild  # noqa: E402
from finbrain.platform.risk.tables import RiskAlert as RiskAlert  # noqa: E402
from finbrain.platform.risk.tables import RiskCase as RiskCase  # noqa: E402
from finbrain.platform.risk.tables import RiskCaseNote as RiskCaseNote  # noqa: E402
from finbrain.platform.risk.tables import RiskEvent as RiskEvent  # noqa: E402
from finbrain.platform.risk.tables import RiskLabel as RiskLabel  # noqa: E402
from finbrain.platform.risk.tables import RiskRuleSet as RiskRuleSet  # noqa: E402
from finbrain.platform.risk.tables import RiskSnapshot as RiskSnapshot  # noqa: E402
