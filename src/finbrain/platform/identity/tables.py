"""Identity's tables: the customers a bank screens (re-screened when a list changes) and the
allow decisions people record for false positives. ``store.models`` imports them, so
``Base.metadata`` (and Alembic) sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class ScreenedCustomer(TenantOwned, Base):
    """A customer the bank screens: kept so that a new list version re-screens them."""

    __tablename__ = "screened_customers"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
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


class ScreeningAllow(TenantOwned, Base):
    """A person's decision that a screened name is not a listed entry (a false positive), on the
    ledger as ``decision_id``; it lapses when the listed entry changes (``entry_digest``)."""

    __tablename__ = "screening_allows"
    __table_args__ = (Index("ix_screening_allows_entry", "tenant_id", "list_id", "entry_id"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str] = mapped_column(String(500))
    list_id: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(64))
    entry_digest: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(String(2000))
    decision_id: Mapped[str] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
