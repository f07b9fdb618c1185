"""Credit's table: applicants counted per day into the champion's development bins, feature by
feature — the characteristic stability (CSI) the dashboard draws is a sum over these rows.
Counting at scoring time keeps the read a few hundred rows however many decisions there are.
``store.models`` imports it for ``Base.metadata``."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class CreditFeatureDay(TenantOwned, Base):
    """How many applicants a model scored on ``day`` (UTC) fell in bin ``bin`` of ``feature``
    (the bins of ``model_versions.metrics.feature_reference``)."""

    __tablename__ = "credit_feature_days"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    model_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    feature: Mapped[str] = mapped_column(String(128), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    applicants: Mapped[int] = mapped_column(Integer)
