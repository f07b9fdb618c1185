"""An independent re-check of a selection (稽核): every contacted or held-out customer is
checked against consent, the contact cap, each rule of their offer, and the budget, with plain
per-customer code that shares nothing with the vectorised selection but the rule's meaning.
Zero everywhere is the only acceptable answer."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from finbrain.marketing.arbitration import Selection
from finbrain.marketing.rules import holds

__all__ = ["violations"]


def violations(
    selection: Selection, customers: pd.DataFrame, contacts: np.ndarray | None = None
) -> dict[str, int]:
    """Counts of broken rules: ``consent`` (an opted-out or unknown-consent customer offered
    or held out), ``contact_cap`` (``contacts``: per customer, in ``customers`` order),
    ``eligibility`` (a rule of the offer fails), ``budget`` (1 if the contacted customers'
    costs exceed it)."""
    campaign = selection.campaign
    offers = {o.code: o for o in campaign.offers}
    by_id = customers.set_index(customers["customer_id"].astype(str), drop=False)
    position = {str(c): i for i, c in enumerate(customers["customer_id"])}
    table = selection.table
    picked = table[table["outcome"].isin(["offer", "control"])]
    counts = {"consent": 0, "contact_cap": 0, "eligibility": 0, "budget": 0}
    spend = Decimal(0)
    cap = campaign.contact_cap
    for customer_id, code, outcome in zip(picked["customer_id"], picked["offer"],
                                          picked["outcome"], strict=True):  # fmt: skip
        record = by_id.loc[customer_id]
        opted = record["opted_out"]
        if opted is None or pd.isna(opted) or bool(opted):
            counts["consent"] += 1
        if (
            cap is not None
            and contacts is not None
            and contacts[position[customer_id]] >= cap.max_contacts
        ):
            counts["contact_cap"] += 1
        offer = offers[code]
        if not all(holds(r, record[r.column]) for r in (*offer.eligibility, *offer.suitability)):
            counts["eligibility"] += 1
        if outcome == "offer":
            spend += offer.cost
    if spend > campaign.budget:
        counts["budget"] = 1
    return counts
