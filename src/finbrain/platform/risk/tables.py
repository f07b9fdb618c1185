"""Risk's tables: the append-only event log, labels, snapshots, rule sets, cases, alerts and
case notes. ``store.models`` imports them, so ``Base.metadata`` (and Alembic) sees them."""

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
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class RiskEvent(TenantOwned, Base):
    """The append-only event log: the engine's state is a snapshot plus a replay of this table.

    ``event_id`` is unique per tenant, so a retried or replayed event is answered, never counted
    twice; ``seq`` is the order the engine applied events in.
    """

    __tablename__ = "risk_events"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = tenant_column()
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
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    is_fraud: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskSnapshot(TenantOwned, Base):
    """The engine's window state after event ``seq``: restart = latest snapshot + replay."""

    __tablename__ = "risk_snapshots"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    features_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskRuleSet(TenantOwned, Base):
    """A published version of a tenant's rules; the newest is live (hot-reloaded)."""

    __tablename__ = "risk_rule_sets"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskCase(TenantOwned, Base):
    """Alerts on one customer or card grouped for an investigator."""

    __tablename__ = "risk_cases"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
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
    tenant_id: Mapped[str] = tenant_column()
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
    tenant_id: Mapped[str] = tenant_column()
    case_id: Mapped[str] = mapped_column(String(26))
    author: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # comment | assign | close
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_risk_case_notes_case", "tenant_id", "case_id", "created_at"),)
