"""Identity's table: the customers a bank screens, kept so that a new list version re-screens
them. ``store.models`` imports it, so ``Base.metadata`` (and Alembic) sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import utcnow
from finbrain.platform.store.base import Base, TenantOwned


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
