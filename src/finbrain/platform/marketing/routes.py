"""Marketing over HTTP: campaigns as objects, and selecting a campaign's customers (each
customer's outcome a decision on the ledger)."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Path, Request, Response, status

from finbrain.marketing.campaign import Campaign
from finbrain.platform.api.deps import AppSettings, IdempotencyKey, Session, api_router, require
from finbrain.platform.api.schemas import JobOut
from finbrain.platform.marketing import consent, outcomes, queries
from finbrain.platform.marketing import service as marketing
from finbrain.platform.marketing import uplift as uplift_model
from finbrain.platform.marketing.schemas import (
    CampaignList,
    CampaignOut,
    ConsentsIn,
    OutcomesIn,
    RecordedOut,
    SelectIn,
    SelectOut,
    UpliftModelList,
    UpliftModelOut,
)
from finbrain.platform.marketing.tables import MarketingCampaign
from finbrain.platform.tenancy import Caller
from finbrain.platform.workers import jobs

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


@router.post(
    "/campaigns/{campaign_id}/selections",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
)
def select_profiled(
    campaign_id: CampaignId, request: Request, response: Response, background: BackgroundTasks,
    session: Session, caller: Selector, _key: IdempotencyKey,
) -> JobOut:  # fmt: skip
    """Select over every profiled customer of the bank in the background (consent as
    recorded, uplift from the bank's model): one arbitration over the whole base, recorded in
    one transaction; poll the job, whose result is the selection's summary. Refused at once
    without profiled customers or an uplift model that knows every offer's treatment."""
    marketing.check_profiled_selection(session, campaign_id)
    job = jobs.start(
        session, background, request.app.state, caller.tenant_id, "marketing.select",
        {"campaign_id": campaign_id, "requested_by": caller.key_id},
    )  # fmt: skip
    return JobOut.accepted(response, job)


@router.post("/campaigns/{campaign_id}/outcomes", response_model=RecordedOut)
def record_outcomes(
    campaign_id: CampaignId, body: OutcomesIn, session: Session, _caller: Manager,
    _key: IdempotencyKey,
) -> RecordedOut:  # fmt: skip
    """Record whether the customers the campaign contacted or held out responded (every one
    must have an arm in the campaign); answers the campaign's real lift per offer so far.
    The recorded outcomes are what ``POST /v1/marketing/models`` learns from."""
    made = outcomes.record(session, campaign_id, [o.model_dump() for o in body.outcomes])
    return RecordedOut(recorded=made, lift=outcomes.measured(session, campaign_id))


@router.post("/consents", response_model=RecordedOut)
def record_consents(
    body: ConsentsIn, session: Session, caller: Manager, _key: IdempotencyKey
) -> RecordedOut:
    """Record customers' marketing consent (PIPL art. 24): a selection reads it for every
    customer whose own request gives none; a customer with no record counts as opted out."""
    return RecordedOut(
        recorded=consent.record(session, caller, [c.model_dump() for c in body.customers])
    )


@router.post("/models", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train_model(
    request: Request, response: Response, background: BackgroundTasks, session: Session,
    caller: Manager, _key: IdempotencyKey,
) -> JobOut:  # fmt: skip
    """Train the bank's uplift model from its recorded outcomes (treated customers against
    the control groups) in the background, register it and make it champion; poll the job.
    Refused at once when an arm has too few outcomes."""
    uplift_model.check_trainable(uplift_model.training_rows(session))
    job = jobs.start(
        session, background, request.app.state, caller.tenant_id, "marketing.train", {}
    )
    return JobOut.accepted(response, job)


@router.get("/models", response_model=UpliftModelList)
def list_models(session: Session, _caller: Selector) -> UpliftModelList:
    """The bank's uplift model versions, newest first, with their measures."""
    return UpliftModelList(items=[UpliftModelOut.model_validate(r, from_attributes=True)
                                  for r in queries.uplift_models(session)])  # fmt: skip
