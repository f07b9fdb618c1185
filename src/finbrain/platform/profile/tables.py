"""Profiling's table: each customer's latest profile (customer-360 features, the tags that
hold with their reasons, the segment and its persona), as the last build left it.
``store.models`` imports it for ``Base.metadata``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
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
