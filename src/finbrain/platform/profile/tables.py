"""Profiling's tables: each customer's latest profile (customer-360 features, the tags that
hold with their reasons, the segment and its persona), as the last build left it, and that
build's summary (the segments with their personas and what sets them apart, the tag counts).
``store.models`` imports them for ``Base.metadata``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class CustomerProfileRow(TenantOwned, Base):
    """A customer's profile (``finbrain.profile.CustomerProfile`` as JSON) as of a build."""

    __tablename__ = "profile_customers"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    as_of: Mapped[datetime] = mapped_column()
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    built_at: Mapped[datetime] = mapped_column()
    segment: Mapped[int | None] = mapped_column(Integer, default=None)

    __table_args__ = (Index("ix_profile_customers_segment", "tenant_id", "segment", "customer_id"),)


class ProfileBuild(TenantOwned, Base):
    """The tenant's latest build: when, how many customers, and its summary (segments with
    personas, sizes and each feature's effect; tag counts). ``version`` goes up with every
    build, in the same transaction as the profiles (what caches key on)."""

    __tablename__ = "profile_builds"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column()
    built_at: Mapped[datetime] = mapped_column()
    customers: Mapped[int] = mapped_column(Integer)
    transactions: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
