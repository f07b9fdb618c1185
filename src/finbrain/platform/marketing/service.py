"""Marketing on the platform: the bank defines campaigns (offers, budget, rules, contact cap,
control share) and asks for a selection over a list of its customers. Each customer's outcome
(offer, control, no offer, excluded) is a decision on the ledger; each offer made is a contact,
which later selections count against the contact cap (across every campaign of the bank) and
the campaign's budget (``finbrain.marketing`` arbitrates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import BilingualText, Decision, Reason, Subject, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.marketing.campaign import Campaign, parse_campaign
from finbrain.platform import decisions
from finbrain.platform.marketing import consent
from finbrain.platform.marketing import uplift as uplift_model
from finbrain.platform.marketing.tables import (
    MarketingAssignment,
    MarketingCampaign,
    MarketingContact,
)
from finbrain.platform.profile import queries as profile_queries
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


def _frame(
    customers: Sequence[dict[str, Any]],
    campaign: Campaign,
    uplift: pd.DataFrame | None,
    limit: int | None = MAX_CUSTOMERS,
) -> tuple[Any, Any]:
    """The customers as the arbitration reads them, and their uplift per offer label (given
    in each customer's ``uplift``, or ``uplift`` from the bank's model)."""
    if not customers:
        raise ValidationError(field="customers", rule="at_least_one")
    if limit is not None and len(customers) > limit:
        raise ValidationError(field="customers", rule=f"at_most_{limit}")
    rows, given = [], []
    for i, c in enumerate(customers):
        rows.append(
            {**c["attributes"], "customer_id": c["customer_id"], "opted_out": c["opted_out"]}
        )
        if uplift is not None:
            continue
        per_offer = {}
        for offer in campaign.offers:
            value = c["uplift"].get(offer.code)
            if value is None:
                raise ValidationError(
                    field=f"customers.{i}.uplift.{offer.code}", rule="required_per_offer"
                )
            per_offer[offer.label] = float(value)
        given.append(per_offer)
    return pd.DataFrame(rows), uplift if uplift is not None else pd.DataFrame(given)


def _decisions(
    selection: Any, inputs: Sequence[dict[str, Any]], campaign: Campaign, model: Any = None
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
                model=model,
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


def _champion_for(session: Session, campaign: Campaign, *, missing: str) -> Any:
    """The bank's champion uplift model, refused (naming ``missing``) when there is none or
    when it has not learnt one of the campaign's treatments."""
    row = uplift_model.champion(session)
    if row is None:
        raise ValidationError(field=missing, rule="required_without_a_trained_model")
    known = uplift_model.loaded(row).treatments_
    for k, offer in enumerate(campaign.offers):
        if offer.label not in known:
            raise ValidationError(field=f"offers.{k}.treatment", rule="known_to_the_uplift_model")
    return row


def _model_uplift(
    session: Session, campaign: Campaign, features: list[dict[str, Any]]
) -> tuple[pd.DataFrame, Any]:
    """Each customer's uplift per offer label from the bank's champion uplift model."""
    row = _champion_for(session, campaign, missing="customers.0.uplift")
    predicted, labels = uplift_model.predict(row, features)
    return pd.DataFrame(predicted, columns=labels), uplift_model.reference(row)


@dataclass(frozen=True)
class Prepared:
    """What a selection arbitrates: the campaign, the customers (with their consent and the
    profile features their rules and the model read), their uplift and where it came from."""

    row: MarketingCampaign
    campaign: Campaign
    customers: list[dict[str, Any]]
    features: list[dict[str, Any]]
    frame: pd.DataFrame
    uplift: pd.DataFrame
    model: Any
    history: pd.DataFrame | None
    now: datetime


def prepare(
    session: Session,
    campaign_id: str,
    customers: Sequence[dict[str, Any]],
    as_of: datetime | None = None,
    *,
    limit: int | None = MAX_CUSTOMERS,
    whole_base: bool = False,
) -> Prepared:
    """Everything a selection needs, read once: a customer's consent is the request's, else
    the bank's record (none: opted out); a rule reads the request's attributes, else the
    customer's profile features; uplift is every customer's own, or none's (then the bank's
    uplift model scores their profiles). ``whole_base``: ``customers`` are every profiled
    customer of the bank, so the consents are read whole, once."""
    row = get(session, campaign_id)
    campaign = parse_campaign(row.body)
    now = as_of or utcnow()
    ids = [c["customer_id"] for c in customers]
    if len(set(ids)) != len(ids):
        raise ValidationError(field="customers.customer_id", rule="unique")
    with_uplift = [c.get("uplift") is not None for c in customers]
    if any(with_uplift) and not all(with_uplift):
        first = with_uplift.index(False)
        raise ValidationError(field=f"customers.{first}.uplift", rule="all_or_none")
    if whole_base:  # every consent in one read: 2.5x faster than IN lists at 100,000
        recorded = consent.stored(session)
    else:
        recorded = consent.stored(
            session, [c["customer_id"] for c in customers if c.get("opted_out") is None]
        )
    profiles = profile_queries.features_of(session, ids)  # a whole read is no faster
    features = [profiles.get(cid, {}) for cid in ids]
    merged = [
        {
            **c,
            "opted_out": c["opted_out"]
            if c.get("opted_out") is not None
            else recorded.get(c["customer_id"]),
            "attributes": {**f, **(c.get("attributes") or {})},
        }
        for c, f in zip(customers, features, strict=True)
    ]
    model, uplift = None, None
    if customers and not any(with_uplift):
        uplift, model = _model_uplift(session, campaign, features)
    frame, uplift = _frame(merged, campaign, uplift, limit)
    history = None
    if campaign.contact_cap is not None:
        history = _history(session, ids, now, campaign.contact_cap.window_days)
    return Prepared(row, campaign, list(customers), features, frame, uplift, model, history, now)


def arbitrate(session: Session, ready: Prepared) -> Any:
    """The library's selection over the prepared customers (nothing recorded)."""
    from finbrain.marketing import select as choose

    return choose(
        ready.campaign,
        ready.frame,
        ready.uplift,
        history=ready.history,
        as_of=ready.now,
        spent=spent(session, ready.campaign.id),
    )


def select_customers(
    session: Session,
    settings: Settings,
    caller: Caller,
    campaign_id: str,
    customers: Sequence[dict[str, Any]],
    as_of: datetime | None = None,
    *,
    limit: int | None = MAX_CUSTOMERS,
    whole_base: bool = False,
) -> tuple[dict[str, Any], list[Decision]]:
    """Arbitrate the campaign over ``customers``; record every decision, every offer made as
    a contact and every customer's arm (offer or control, with the profile they were chosen
    on); keep the summary (expected incremental value, spend) on the campaign."""
    ready = prepare(session, campaign_id, customers, as_of, limit=limit, whole_base=whole_base)
    campaign, now = ready.campaign, ready.now
    selection = arbitrate(session, ready)
    inputs = ready.customers
    if ready.model is not None:  # the uplift the model gave is part of what was decided on
        inputs = [
            {**c, "uplift": dict(zip(ready.uplift.columns, map(float, u), strict=True))}
            for c, u in zip(ready.customers, ready.uplift.to_numpy(), strict=True)
        ]
    made = _decisions(selection, inputs, campaign, ready.model)
    stamped = [d.for_tenant(caller.tenant_id) for d in made]
    recorded = decisions.record_many(session, stamped, settings=settings, caller=caller)
    costs = {o.code: int(o.cost * 100) for o in campaign.offers}
    labels = {o.code: o.label for o in campaign.offers}
    assigned = set(
        session.scalars(
            select(MarketingAssignment.customer_id).where(
                MarketingAssignment.campaign_id == campaign.id,
                MarketingAssignment.customer_id.in_([c["customer_id"] for c in inputs]),
            )
        )
    )
    table = selection.table.itertuples(index=False)
    for decision, r, f in zip(recorded, table, ready.features, strict=True):
        if r.outcome not in ("offer", "control"):
            continue
        cid, offer = str(r.customer_id), str(r.offer)
        if r.outcome == "offer":
            session.add(
                MarketingContact(
                    tenant_id=caller.tenant_id,
                    campaign_id=campaign.id,
                    customer_id=cid,
                    offer=offer,
                    cost_minor=costs[offer],
                    decision_id=decision.id,
                    contacted_at=now,
                )
            )
        if cid not in assigned:  # a customer's first arm in the campaign is the one measured
            session.add(
                MarketingAssignment(
                    tenant_id=caller.tenant_id,
                    campaign_id=campaign.id,
                    customer_id=cid,
                    arm="control" if r.outcome == "control" else "offer",
                    offer=offer,
                    treatment=labels[offer],
                    uplift=_number(r.uplift),
                    expected_value=_number(r.expected_value),
                    features=f,
                    decision_id=decision.id,
                    assigned_at=now,
                )
            )
    summary = plain(selection.summary)
    ready.row.last_summary, ready.row.selected_at = summary, utcnow()
    session.flush()
    return summary, recorded


def check_profiled_selection(session: Session, campaign_id: str) -> list[str]:
    """Refuse at once what a selection over every profiled customer would fail on later: an
    unknown campaign (404), no profiled customer, no uplift model for the campaign's offers.
    Answers the profiled customers' ids."""
    campaign = parse_campaign(get(session, campaign_id).body)
    ids = profile_queries.customer_ids(session)
    if not ids:
        raise ValidationError(field="customers", rule="profiled_customers")
    _champion_for(session, campaign, missing="uplift_model")
    return ids


def select_profiled(
    session: Session, settings: Settings, caller: Caller, campaign_id: str
) -> dict[str, Any]:
    """Select over every profiled customer of the bank (consent as recorded, uplift from the
    bank's model): one arbitration over all of them, so the budget goes to the best customers
    of the whole base, not of whichever list came first."""
    customers: list[dict[str, Any]] = [
        {"customer_id": c, "opted_out": None, "attributes": {}}
        for c in check_profiled_selection(session, campaign_id)
    ]
    summary, _ = select_customers(
        session, settings, caller, campaign_id, customers, limit=None, whole_base=True
    )
    return summary


def selection_work(context: Any) -> Any:
    """The ``marketing.select`` job: a selection over the whole profiled base, which takes
    longer than a request should (about a thousand customers a second, recorded on the
    ledger), in one transaction: it lands whole or not at all."""

    def work(params: dict[str, Any], progress: Any) -> dict[str, Any]:
        progress(5, "selecting over every profiled customer")
        caller = Caller(context.tenant_id, params.get("requested_by"))
        with context.db.tenant(context.tenant_id) as session:
            return select_profiled(session, context.state.settings, caller, params["campaign_id"])

    return work


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)


def plain(value: Any) -> Any:
    """The summary as JSON: money as decimal strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value
