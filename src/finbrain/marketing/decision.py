"""One customer's marketing decision online (实时营销决策): the same arbitration as a batch
selection, on one row, returned as a tenant-less :class:`~finbrain.core.decision.Decision`.

Outcomes: ``offer`` (contact with the offer), ``control`` (held out to measure lift),
``no_offer`` (nothing worth its cost, no eligible offer, or the budget is spent) and
``excluded`` (opted out, or at the contact cap). The first reason is the verdict; for an offer
the runner-up offer follows. ``score`` is the expected incremental value of the offer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.canonical import check_canonical
from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject
from finbrain.core.errors import ValidationError
from finbrain.marketing._table import table
from finbrain.marketing.arbitration import arbitrate
from finbrain.marketing.campaign import Campaign, parse_campaign
from finbrain.marketing.reasons import reason

__all__ = ["decide"]

CUSTOMER_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # the bank's own reference, never a name


def _uplift_row(campaign: Campaign, uplift: Any) -> Any:
    if isinstance(uplift, Mapping):
        row = {}
        for offer in campaign.offers:
            value = uplift.get(offer.label, uplift.get(offer.code))
            if value is None:
                raise ValidationError(field=f"uplift.{offer.code}", rule="required_per_offer")
            row[offer.label] = float(value)
        return pd.DataFrame([row])
    return uplift  # a fitted uplift model


def decide(
    campaign: Campaign | dict[str, Any],
    customer: Mapping[str, Any],
    uplift: Mapping[str, float] | Any,
    *,
    customer_id: str,
    history: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    spent: Decimal = Decimal(0),
    model: ModelRef | None = None,
) -> Decision:
    """The decision for one customer: ``customer`` holds ``opted_out`` and the columns the
    rules (and an uplift model) read; ``uplift`` is offer code or label -> uplift, or a fitted
    uplift model; ``spent``: the campaign's budget already used."""
    if not isinstance(customer_id, str) or not CUSTOMER_ID.fullmatch(customer_id):
        raise ValidationError(field="customer_id", rule="bank_reference_1_to_128")
    if not isinstance(customer, Mapping):
        raise ValidationError(field="customer", rule="a_mapping")
    check_canonical(dict(customer), "customer")
    campaign = parse_campaign(campaign)
    frame = pd.DataFrame([{**customer, "customer_id": customer_id}])
    campaign, result = arbitrate(campaign, frame, _uplift_row(campaign, uplift),
                                 history=history, as_of=as_of, spent=spent)  # fmt: skip
    row = table(campaign, result).iloc[0]
    score = None if pd.isna(row["expected_value"]) else round(float(row["expected_value"]), 6)
    offer = row["offer"] if isinstance(row["offer"], str) else None
    reasons = [
        Reason(
            code=str(row["reason_code"]),
            text=BilingualText(zh=row["reason_zh"], en=row["reason_en"]),
            feature="offer" if offer else None,
            value=offer,
            contribution=score or 0.0,
        )
    ]
    if row["outcome"] in ("offer", "control"):
        reasons += _runner_up(campaign, result.net[0], int(result.choice[0]))
    return Decision.for_input(
        {"campaign": campaign.id, "customer_id": customer_id, "customer": dict(customer),
         "uplift": {o.code: float(result.uplift[0, k]) for k, o in enumerate(campaign.offers)},
         "spent": str(spent)},
        capability="marketing",
        action="select",
        subject=Subject(type="customer", id=customer_id),
        model=model,
        outcome=str(row["outcome"]),
        score=score,
        reasons=reasons,
    )  # fmt: skip


def _runner_up(campaign: Campaign, net: np.ndarray, chosen: int) -> list[Reason]:
    others = [(float(v), k) for k, v in enumerate(net) if k != chosen and np.isfinite(v)]
    if not others:
        return []
    value, k = max(others)
    offer = campaign.offers[k]
    return [reason("MK-RUNNER-UP", feature="offer", value=offer.code,
                   contribution=round(value, 6), offer=offer.name, net=f"{value:.2f}")]  # fmt: skip
