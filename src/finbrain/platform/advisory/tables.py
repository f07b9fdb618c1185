"""Advisory's table: each client's current risk profile (the latest assessment), kept so that a
proposal or a sale is checked against it. ``store.models`` imports it for ``Base.metadata``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class AdvisoryClient(TenantOwned, Base):
    """A client's latest risk assessment: the category it gave, until when, and its decision."""

    __tablename__ = "advisory_clients"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    category: Mapped[str] = mapped_column(String(2))  # C1..C5
    capacity: Mapped[str] = mapped_column(String(2))
    willingness: Mapped[str] = mapped_column(String(2))
    lowest: Mapped[bool] = mapped_column(Boolean)
    needs_review: Mapped[bool] = mapped_column(Boolean)
    capacity_score: Mapped[float] = mapped_column(Float)
    willingness_score: Mapped[float] = mapped_column(Float)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    questionnaire_digest: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision_id: Mapped[str] = mapped_column(String(26))
    assessed_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
