"""Marketing on the platform: the bank defines campaigns (offers, budget, rules, contact cap,
control share) and asks for a selection over a list of its customers. Each customer's outcome
(offer, control, no offer, excluded) is a decision on the ledger; each offer made is a contact,
which later selections count against the contact cap (across every campaign of the bank) and
the campaign's budget (``finbrain.marketing`` arbitrates)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import BilingualText, Decision, Reason, Subject, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.marketing.campaign import Campaign
from finbrain.platform import decisions
from finbrain.platform.marketing.tables import MarketingCampaign, MarketingContact
from finbrain.platform.tenancy import Caller

MAX_CUSTOMERS = 10_000  # per selection request; larger lists go in several calls


def create(session: Session, caller: Caller, campaign: Campaign) -> MarketingCampaign:
    """Store a new campaign (a campaign id is used once per bank: 409 when taken)."""
    if session.get(MarketingCampaign, (caller.tenant_id, campaign.id)) is not None:
        raise ConflictError(field="id", rule="campaign_id_unused")
    row = MarketingCampaign(
        tenant_id=caller.tenant_id,
        id=campaign.id,
        body=campaign.model_dump(mode="json"),
        created_by=caller.author,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, campaign_id: str) -> MarketingCampaign:
    row = session.get(MarketingCampaign, (session.info.get("tenant_id"), campaign_id))
    if row is None:
        raise NotFoundError(kind="campaign", field="campaign_id")
    return row


def spent(session: Session, campaign_id: str) -> Decimal:
    """What the campaign's contacts so far have cost."""
    total = session.scalar(
        select(func.coalesce(func.sum(MarketingContact.cost_minor), 0)).where(
            MarketingContact.campaign_id == campaign_id
        )
    )
    return Decimal(int(total or 0)) / 100


def _history(session: Session, ids: Sequence[str], as_of: datetime, days: int) -> pd.DataFrame:
    """The bank's marketing contacts of these customers in the cap's window, every campaign."""
    rows = session.execute(
        select(MarketingContact.customer_id, MarketingContact.contacted_at).where(
            MarketingContact.customer_id.in_(list(ids)),
            MarketingContact.contacted_at > as_of - timedelta(days=days),
        )
    ).all()
    return pd.DataFrame(rows, columns=["customer_id", "contacted_at"])


def _frame(customers: Sequence[dict[str, Any]], campaign: Campaign) -> tuple[Any, Any]:
    """The customers as the arbitration reads them, and their uplift per offer label."""
    if not customers:
        raise ValidationError(field="customers", rule="at_least_one")
    if len(customers) > MAX_CUSTOMERS:
        raise ValidationError(field="customers", rule=f"at_most_{MAX_CUSTOMERS}")
    rows, uplift = [], []
    for i, c in enumerate(customers):
        rows.append(
            {**c["attributes"], "customer_id": c["customer_id"], "opted_out": c["opted_out"]}
        )
        per_offer = {}
        for offer in campaign.offers:
            value = c["uplift"].get(offer.code)
            if value is None:
                raise ValidationError(
                    field=f"customers.{i}.uplift.{offer.code}", rule="required_per_offer"
                )
            per_offer[offer.label] = float(value)
        uplift.append(per_offer)
    return pd.DataFrame(rows), pd.DataFrame(uplift)


def _decisions(
    selection: Any, inputs: Sequence[dict[str, Any]], campaign: Campaign
) -> list[Decision]:
    """One decision per customer: the verdict (offer, control, no offer, excluded) and why."""
    made = []
    for row, customer in zip(selection.table.itertuples(index=False), inputs, strict=True):
        value = None if pd.isna(row.expected_value) else round(float(row.expected_value), 6)
        offer = row.offer if isinstance(row.offer, str) else None
        made.append(
            Decision.for_input(
                {"campaign": campaign.id, "customer": customer},
                capability="marketing",
                action="select",
                subject=Subject(type="customer", id=str(row.customer_id)),
                outcome=str(row.outcome),
                score=value,
                reasons=[
                    Reason(
                        code=str(row.reason_code),
                        text=BilingualText(zh=row.reason_zh, en=row.reason_en),
                        feature="offer" if offer else None,
                        value=offer,
                        contribution=value or 0.0,
                    )
                ],
            )
        )
    return made


def select_customers(
    session: Session,
    settings: Settings,
    caller: Caller,
    campaign_id: str,
    customers: Sequence[dict[str, Any]],
    as_of: datetime | None = None,
) -> tuple[dict[str, Any], list[Decision]]:
    """Arbitrate the campaign over ``customers``; record every decision and every offer made
    as a contact; keep the summary (expected incremental value, spend) on the campaign."""
    from finbrain.marketing import parse_campaign
    from finbrain.marketing import select as arbitrate

    row = get(session, campaign_id)
    campaign = parse_campaign(row.body)
    now = as_of or utcnow()
    frame, uplift = _frame(customers, campaign)
    if frame["customer_id"].duplicated().any():
        raise ValidationError(field="customers.customer_id", rule="unique")
    history = None
    if campaign.contact_cap is not None:
        history = _history(
            session, list(frame["customer_id"]), now, campaign.contact_cap.window_days
        )
    selection = arbitrate(campaign, frame, uplift, history=history, as_of=now,
                          spent=spent(session, campaign.id))  # fmt: skip
    made = _decisions(selection, customers, campaign)
    stamped = [d.for_tenant(caller.tenant_id) for d in made]
    recorded = decisions.record_many(session, stamped, settings=settings, caller=caller)
    costs = {o.code: int(o.cost * 100) for o in campaign.offers}
    for decision, r in zip(recorded, selection.table.itertuples(index=False), strict=True):
        if r.outcome == "offer":
            session.add(MarketingContact(
                tenant_id=caller.tenant_id, campaign_id=campaign.id, customer_id=str(r.customer_id),
                offer=str(r.offer), cost_minor=costs[str(r.offer)], decision_id=decision.id,
                contacted_at=now,
            ))  # fmt: skip
    summary = _plain(selection.summary)
    row.last_summary, row.selected_at = summary, utcnow()
    session.flush()
    return summary, recorded


def _plain(value: Any) -> Any:
    """The summary as JSON: money as decimal strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value
