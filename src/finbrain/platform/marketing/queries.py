"""What the API and the console read about marketing campaigns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.platform.marketing.tables import MarketingCampaign


def campaigns(session: Session, *, limit: int = 200) -> list[MarketingCampaign]:
    """The bank's newest ``limit`` campaigns, newest first."""
    query = select(MarketingCampaign).order_by(
        MarketingCampaign.created_at.desc(), MarketingCampaign.id
    )
    return list(session.scalars(query.limit(limit)))
