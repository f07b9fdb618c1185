"""A campaign's expected lift before it runs (预期增益): the selection the campaign would make
now over every profiled customer of the bank — consent as recorded, the contact cap, the
offers' rules over the profiles, the budget left, the control group — with the bank's uplift
model, nothing recorded. The expected incremental responses of a customer are the uplift of
the offer chosen; the gain curve adds them up in the order the campaign ranks customers
(expected value first), against contacting the same number at random among the customers the
campaign may contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.platform.marketing import service
from finbrain.platform.profile import queries as profile_queries

CURVE_POINTS = 40


@dataclass(frozen=True)
class Expected:
    """``problem``: why there is no estimate (no profiles, no model, an offer the model does
    not know), else the selection's ``summary`` and the expectations."""

    problem: FinbrainError | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    responses: float = 0.0  # expected incremental responses of the customers contacted
    per_offer: dict[str, dict[str, float]] = field(default_factory=dict)
    curve: list[tuple[int, float, float]] = field(default_factory=list)  # n, model, random
    model_version: int | None = None


def expected_lift(session: Session, campaign_id: str) -> Expected:
    ids = profile_queries.customer_ids(session)
    customers: list[dict[str, Any]] = [
        {"customer_id": cid, "opted_out": None, "attributes": {}} for cid in ids
    ]
    try:
        if not customers:
            raise ValidationError(field="customers", rule="profiled_customers")
        ready = service.prepare(session, campaign_id, customers, limit=None, whole_base=True)
        selection = service.arbitrate(session, ready)
    except FinbrainError as exc:
        return Expected(problem=exc)
    table = selection.table
    offered = table[table["outcome"] == "offer"].sort_values(
        "expected_value", ascending=False, kind="stable"
    )
    per_offer = {
        code: {
            "customers": len(rows),
            "responses": round(float(rows["uplift"].sum()), 2),
            "value": round(float(rows["expected_value"].sum()), 2),
        }
        for code, rows in offered.groupby("offer", observed=True)
    }
    reachable = table[table["outcome"].isin(["offer", "control", "no_offer"])]
    mean = (
        float(np.nan_to_num(reachable["uplift"].to_numpy(dtype=float)).mean())
        if len(reachable)
        else 0.0
    )
    gains = np.cumsum(offered["uplift"].to_numpy(dtype=float))
    steps = sorted({round(x) for x in np.linspace(0, len(gains), CURVE_POINTS + 1)})
    curve = [(n, round(float(gains[n - 1]) if n else 0.0, 3), round(n * mean, 3)) for n in steps]
    version = int(ready.model.version) if ready.model is not None else None
    return Expected(
        summary=service.plain(selection.summary),
        responses=round(float(offered["uplift"].sum()), 2),
        per_offer=per_offer,
        curve=curve,
        model_version=version,
    )
