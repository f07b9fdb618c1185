"""Advisory's tables: each client's current risk profile (the latest assessment), the bank's
product shelf with its price histories, and the proposals made on it. ``store.models`` imports
them for ``Base.metadata``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import utcnow
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


class AdvisoryProduct(TenantOwned, Base):
    """A product on the bank's shelf: ``terms`` is ``finbrain.advisory.Product.to_dict()``
    (amounts and rates as decimal strings); kind, level and currency are columns to list by."""

    __tablename__ = "advisory_products"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    risk: Mapped[str] = mapped_column(String(2))  # R1..R5
    currency: Mapped[str] = mapped_column(String(3))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the bank took it off sale (下架; final): never bought or recommended after."""


class AdvisoryPrice(TenantOwned, Base):
    """A product's price (a fund's NAV, an ETF's close) on one day. Prices estimate returns
    and risk (floats, as the optimiser reads them); orders' money stays ``Decimal``."""

    __tablename__ = "advisory_prices"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    price: Mapped[float] = mapped_column(Float)


class AdvisoryShelf(TenantOwned, Base):
    """The shelf's version (bumped by every change to its products or prices: a proposal
    records the version it was made on, and caches key on it) and what it holds."""

    __tablename__ = "advisory_shelves"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    products: Mapped[int] = mapped_column(Integer)
    prices: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvisoryProposal(TenantOwned, Base):
    """A proposal made for a client (its decision on the ledger has the same id): what went in
    (cash, holdings, method, the shelf's version) and what came out (weights, orders, figures)."""

    __tablename__ = "advisory_proposals"
    __table_args__ = (Index("ix_advisory_proposals_client", "tenant_id", "client_id", "id"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(2))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)  # ClientProfile.to_json() as used
    method: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    cash: Mapped[str] = mapped_column(String(32))  # a decimal string
    holdings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    orders: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    shelf_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
