"""Campaign outcomes (营销效果): the bank records whether each contacted or held-out customer
responded; the campaign's real lift is the offer arm's response rate minus the control
group's, per offer, and the recorded outcomes are what the uplift model learns from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.core.errors import ValidationError
from finbrain.platform.marketing.service import get
from finbrain.platform.marketing.tables import MarketingAssignment


def record(session: Session, campaign_id: str, outcomes: Sequence[dict[str, Any]]) -> int:
    """Record each customer's response (a later record replaces an earlier one). Every
    customer must have an arm in the campaign (an offer or the control group): otherwise
    nothing is recorded and the first stranger is named."""
    get(session, campaign_id)
    ids = [o["customer_id"] for o in outcomes]
    if len(set(ids)) != len(ids):
        raise ValidationError(field="outcomes.customer_id", rule="unique")
    arms = {
        a.customer_id: a
        for a in session.scalars(
            select(MarketingAssignment).where(
                MarketingAssignment.campaign_id == campaign_id,
                MarketingAssignment.customer_id.in_(ids),
            )
        )
    }
    for i, cid in enumerate(ids):
        if cid not in arms:
            raise ValidationError(
                field=f"outcomes.{i}.customer_id", rule="offered_or_held_out_in_the_campaign"
            )
    now = utcnow()
    for o in outcomes:
        arm = arms[o["customer_id"]]
        arm.responded, arm.responded_at = bool(o["responded"]), now
    session.flush()
    return len(outcomes)


def measured(session: Session, campaign_id: str) -> dict[str, Any]:
    """Per offer: customers contacted and held out, outcomes recorded, response rates and the
    real lift (offer arm minus its control group), None where an arm has no outcome yet."""
    rows = _counts(session, campaign_id)
    out: dict[str, Any] = {}
    for offer, arm, assigned, recorded, responders in rows:
        entry = out.setdefault(offer, {})
        entry[arm] = {
            "customers": assigned,
            "outcomes": recorded,
            "rate": None if not recorded else round(responders / recorded, 4),
        }
    for entry in out.values():
        treated, control = entry.get("offer", {}).get("rate"), entry.get("control", {}).get("rate")
        entry["lift"] = None if treated is None or control is None else round(treated - control, 4)
    return out


def _counts(session: Session, campaign_id: str) -> list[Any]:
    """(offer, arm, customers, outcomes recorded, responders) per offer and arm."""
    arm = MarketingAssignment
    responders = func.coalesce(func.sum(case((arm.responded.is_(True), 1), else_=0)), 0)
    return list(
        session.execute(
            select(arm.offer, arm.arm, func.count(), func.count(arm.responded), responders)
            .where(arm.campaign_id == campaign_id)
            .group_by(arm.offer, arm.arm)
            .order_by(arm.offer, arm.arm)
        ).all()
    )
