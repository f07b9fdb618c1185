"""Marketing over HTTP: campaigns as objects, and selecting a campaign's customers (each
customer's outcome a decision on the ledger)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response, status

from finbrain.marketing.campaign import Campaign
from finbrain.platform.api.deps import AppSettings, IdempotencyKey, Session, api_router, require
from finbrain.platform.marketing import queries
from finbrain.platform.marketing import service as marketing
from finbrain.platform.marketing.schemas import CampaignList, CampaignOut, SelectIn, SelectOut
from finbrain.platform.marketing.tables import MarketingCampaign
from finbrain.platform.tenancy import Caller

router = api_router("/v1/marketing", "marketing")
Manager = Annotated[Caller, Depends(require("marketing:manage"))]
Selector = Annotated[Caller, Depends(require("marketing:decide"))]
CampaignId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


def _out(session: Session, row: MarketingCampaign) -> CampaignOut:
    return CampaignOut(
        campaign=Campaign.model_validate(row.body),
        created_by=row.created_by,
        created_at=row.created_at,
        spent=f"{marketing.spent(session, row.id):.2f}",
        last_selection=row.last_summary,
        selected_at=row.selected_at,
    )


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignOut)
def create_campaign(
    body: Campaign, response: Response, session: Session, caller: Manager, _key: IdempotencyKey
) -> CampaignOut:
    """Define a campaign: offers (value of one incremental response, cost of one contact,
    eligibility and suitability rules), the budget, an optional contact cap and the share held
    out as a control group."""
    row = marketing.create(session, caller, body)
    response.headers["Location"] = f"/v1/marketing/campaigns/{row.id}"
    return _out(session, row)


@router.get("/campaigns", response_model=CampaignList)
def list_campaigns(session: Session, _caller: Selector) -> CampaignList:
    """The bank's campaigns, newest first (the latest 200)."""
    return CampaignList(items=[_out(session, r) for r in queries.campaigns(session)])


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: CampaignId, session: Session, _caller: Selector) -> CampaignOut:
    return _out(session, marketing.get(session, campaign_id))


@router.post("/campaigns/{campaign_id}/select", response_model=SelectOut)
def select_customers(
    campaign_id: CampaignId,
    body: SelectIn,
    session: Session,
    caller: Selector,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> SelectOut:
    """Choose for each customer the campaign's best offer or none, by expected incremental
    value minus cost, after consent (opted-out customers are never selected), the contact cap,
    the offers' rules and the budget; a seeded share is held out as control. Every outcome is
    a decision on the ledger with its reason in zh and en."""
    summary, made = marketing.select_customers(
        session,
        settings,
        caller,
        campaign_id,
        [c.model_dump() for c in body.customers],
        body.as_of,
    )
    return SelectOut(summary=summary, decisions=made)
