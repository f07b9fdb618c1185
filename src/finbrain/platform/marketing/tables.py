"""Marketing's tables: the tenant's campaigns (definitions as data, with the last selection's
summary); every marketing contact made, which caps contact frequency across campaigns and
counts each campaign's spend; the customers' marketing consent; and each customer's arm in a
campaign (the offer made, or the control group) with the features it was chosen on and the
response the bank recorded, which the uplift model learns from. ``store.models`` imports them
for ``Base.metadata``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class MarketingCampaign(TenantOwned, Base):
    """A campaign as the bank defined it (``finbrain.marketing.Campaign``, as JSON)."""

    __tablename__ = "marketing_campaigns"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    selected_at: Mapped[datetime | None] = mapped_column(default=None)


class MarketingContact(TenantOwned, Base):
    """One customer contacted with one offer of a campaign (its decision on the ledger)."""

    __tablename__ = "marketing_contacts"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    campaign_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(128))
    offer: Mapped[str] = mapped_column(String(64))
    cost_minor: Mapped[int] = mapped_column(BigInteger)
    decision_id: Mapped[str] = mapped_column(String(26))
    contacted_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_marketing_contacts_customer", "tenant_id", "customer_id", "contacted_at"),
        Index("ix_marketing_contacts_campaign", "tenant_id", "campaign_id"),
    )


class MarketingConsent(TenantOwned, Base):
    """Whether a customer opted out of marketing (PIPL art. 24); no row counts as opted out."""

    __tablename__ = "marketing_consents"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarketingAssignment(TenantOwned, Base):
    """A customer's arm in a campaign: ``arm`` "offer" (contacted with ``offer``) or "control"
    (held out; ``offer`` is what they would have got). ``features``: the profile the choice
    was made on (point in time: what the uplift model trains on); ``responded``: the outcome
    the bank recorded (None until then). A customer's first assignment in a campaign counts."""

    __tablename__ = "marketing_assignments"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    campaign_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(128))
    arm: Mapped[str] = mapped_column(String(16))
    offer: Mapped[str] = mapped_column(String(64))
    treatment: Mapped[str] = mapped_column(String(128))
    uplift: Mapped[float | None] = mapped_column(Float, default=None)
    expected_value: Mapped[float | None] = mapped_column(Float, default=None)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision_id: Mapped[str] = mapped_column(String(26))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded: Mapped[bool | None] = mapped_column(Boolean, default=None)
    responded_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_marketing_assignments_customer", "tenant_id", "campaign_id", "customer_id",
              unique=True),
    )  # fmt: skip
