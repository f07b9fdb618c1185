"""The journeys' table: one row per online card application (信用卡线上开卡). ``store.models``
imports it, so ``Base.metadata`` (and Alembic) sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class CardApplication(TenantOwned, Base):
    """One online credit-card application: the automated outcome, the human review, the trail.

    Identity numbers, phones and devices are kept only as keyed hashes (HMAC with a tenant key),
    enough to find the same person or device across applications, never to read them back.
    """

    __tablename__ = "card_applications"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    reference: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # approved | referred | declined
    outcome: Mapped[str] = mapped_column(String(16))  # the automated outcome, never rewritten
    limit_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    thin_file: Mapped[bool] = mapped_column(default=False)
    decision_id: Mapped[str] = mapped_column(String(26))
    step_decisions: Mapped[list[str]] = mapped_column(JSON)
    id_hash: Mapped[str] = mapped_column(String(64))
    phone_hash: Mapped[str] = mapped_column(String(64))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)  # masked facts for the reviewer
    review_status: Mapped[str | None] = mapped_column(String(16))  # pending | approved | declined
    reviewer: Mapped[str | None] = mapped_column(String(128))
    review_note: Mapped[str | None] = mapped_column(Text)
    review_decision_id: Mapped[str | None] = mapped_column(String(26))
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_card_applications_tenant_id_id", "tenant_id", "id"),
        Index("ix_card_applications_reference", "tenant_id", "reference", unique=True),
        Index("ix_card_applications_id_hash", "tenant_id", "id_hash", "created_at"),
        Index("ix_card_applications_phone_hash", "tenant_id", "phone_hash", "created_at"),
        Index("ix_card_applications_device_hash", "tenant_id", "device_hash", "created_at"),
        Index("ix_card_applications_review", "tenant_id", "review_status", "id"),
    )
