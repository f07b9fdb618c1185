"""What the API and the console read about marketing: campaigns, their arms, the uplift
models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.platform import registry
from finbrain.platform.decisions.service import to_decision
from finbrain.platform.marketing.tables import MarketingAssignment, MarketingCampaign
from finbrain.platform.store.models import DecisionRow, Job, ModelVersion


def campaigns(session: Session, *, limit: int = 200) -> list[MarketingCampaign]:
    """The bank's newest ``limit`` campaigns, newest first."""
    query = select(MarketingCampaign).order_by(
        MarketingCampaign.created_at.desc(), MarketingCampaign.id
    )
    return list(session.scalars(query.limit(limit)))


def uplift_models(session: Session) -> list[ModelVersion]:
    """The bank's uplift model versions, newest first."""
    return sorted(registry.versions(session, "marketing"), key=lambda r: -r.version)


def arms(session: Session, campaign_id: str, arm: str, *, limit: int = 100) -> list[Any]:
    """The campaign's customers in one arm (``offer`` or ``control``), best expected value
    first, each with its decision (the reasons)."""
    rows = list(session.scalars(
        select(MarketingAssignment)
        .where(MarketingAssignment.campaign_id == campaign_id, MarketingAssignment.arm == arm)
        .order_by(MarketingAssignment.expected_value.desc(), MarketingAssignment.customer_id)
        .limit(limit)
    ))  # fmt: skip
    made = {r.id: to_decision(r) for r in session.scalars(
        select(DecisionRow).where(DecisionRow.id.in_([a.decision_id for a in rows])))}  # fmt: skip
    return [(a, made.get(a.decision_id)) for a in rows]


def selection_job(session: Session, campaign_id: str) -> Job | None:
    """The latest background selection of this campaign (the job's params name it; a bank
    runs few, so the newest fifty are enough to find it)."""
    query = (
        select(Job)
        .where(Job.kind == "marketing.select")
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(50)
    )
    return next((j for j in session.scalars(query) if j.params.get("campaign_id") == campaign_id),
                None)  # fmt: skip
