"""Match's table: what the bank tells the platform its customers bought, hold or looked at
(implicit feedback for the recommender; proposals' holdings and orders are read from
advisory's table). ``store.models`` imports it for ``Base.metadata``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class MatchInteraction(TenantOwned, Base):
    """One customer's purchase, holding or view of one product, with its weight (a
    confidence: a purchase counts more than a look)."""

    __tablename__ = "match_interactions"
    __table_args__ = (Index("ix_match_interactions_customer", "tenant_id", "customer", "id"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    customer: Mapped[str] = mapped_column(String(128))
    product: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # purchase | holding | view
    weight: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
