"""Model registry: every trained model of a tenant, versioned, with one champion per capability.

Artifacts are stored as text in safe, inspectable formats (JSON scorecards, LightGBM text) with
their SHA-256, which every decision made with them records.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import new_id, utcnow
from finbrain.core.errors import NotFoundError
from finbrain.platform.store.models import ModelVersion


def register(
    session: Session,
    tenant_id: str,
    *,
    capability: str,
    name: str,
    kind: str,
    artifact: str,
    metrics: dict[str, Any],
    report: str | None = None,
) -> ModelVersion:
    latest = session.scalar(
        select(func.max(ModelVersion.version)).where(
            ModelVersion.capability == capability, ModelVersion.name == name
        )
    )
    row = ModelVersion(
        id=new_id(),
        tenant_id=tenant_id,
        capability=capability,
        name=name,
        version=(latest or 0) + 1,
        kind=kind,
        artifact=artifact,
        digest=hashlib.sha256(artifact.encode()).hexdigest(),
        metrics=metrics,
        report=report,
        status="candidate",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def promote(session: Session, model_id: str) -> ModelVersion:
    """Make a version the champion of its capability; the previous champion is retired."""
    row = session.get(ModelVersion, model_id)
    if row is None or row.tenant_id != session.info.get("tenant_id"):
        raise NotFoundError(kind="model")
    for other in session.scalars(
        select(ModelVersion).where(
            ModelVersion.capability == row.capability, ModelVersion.status == "champion"
        )
    ):
        other.status = "retired"
    row.status = "champion"
    session.flush()
    return row


def get(session: Session, capability: str, model_id: str) -> ModelVersion:
    """One version of this tenant's ``capability`` models (404 for another tenant's)."""
    row = session.get(ModelVersion, model_id)
    if (
        row is None
        or row.capability != capability
        or row.tenant_id != session.info.get("tenant_id")
    ):
        raise NotFoundError(kind="model")
    return row


def champion(session: Session, capability: str) -> ModelVersion:
    row = session.scalar(
        select(ModelVersion).where(
            ModelVersion.capability == capability, ModelVersion.status == "champion"
        )
    )
    if row is None:
        raise NotFoundError(f"no champion {capability} model", kind="model")
    return row


def versions(session: Session, capability: str) -> list[ModelVersion]:
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.capability == capability)
            .order_by(ModelVersion.name, ModelVersion.version.desc())
        )
    )
