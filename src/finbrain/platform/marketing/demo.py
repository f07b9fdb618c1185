"""The demo bank's marketing: recorded consents, two pilot campaigns with their outcomes, the
uplift model trained from them, and a campaign ready to run, so the campaign builder shows a
real expected lift.

What is real and what is the demo's: the customers and their profiles are the demo's own
(built from the payments the demo's risk engine scored). The bank has no campaign history, so
the pilots are what a bank does first: each of two offers tried on a seeded half of the
consenting customers, half of them held out as control (a randomised test: the selection is
given the same prior uplift for everyone, so everyone eligible is chosen and the control
group is drawn at random). The responses are **simulated** with effects stated below (a real
bank records its customers' real responses through ``POST …/outcomes``); the model, the
expected lift and the measured lift are then computed from them exactly as from real ones.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from typing import Any

import numpy as np
from sqlalchemy import select

from finbrain.core.errors import FinbrainError
from finbrain.platform.store.database import Database
from finbrain.platform.tenancy import Caller

SEED = 17
OPT_OUT_SHARE = 0.08
PRIOR_UPLIFT = 0.05  # what a bank without a model assumes for a pilot: everyone alike
MIN_CUSTOMERS = 100


def _offer(code: str, zh: str, en: str, value: str, cost: str) -> dict[str, Any]:
    return {"code": code, "name": {"zh": zh, "en": en}, "value": value, "cost": cost}


CASHBACK = _offer("cashback", "消费返现", "Cashback", "60", "2")
FEE_WAIVER = _offer("fee-waiver", "年费减免", "Annual fee waiver", "40", "1")
PILOTS: tuple[dict[str, Any], ...] = (
    {
        "id": "pilot-cashback",
        "name": {"zh": "返现试点", "en": "Cashback pilot"},
        "offers": [CASHBACK],
        "budget": "100000",
        "control_share": 0.5,
        "seed": SEED,
    },
    {
        "id": "pilot-fee-waiver",
        "name": {"zh": "年费减免试点", "en": "Fee waiver pilot"},
        "offers": [FEE_WAIVER],
        "budget": "100000",
        "control_share": 0.5,
        "seed": SEED,
    },
)
ACTIVE = {
    "column": "frequency_365d",
    "op": "ge",
    "value": 2,
    "text": {"zh": "近365天交易笔数不低于 2", "en": "Transactions, last 365 days is at least 2"},
}
READY = {
    "id": "spring-rewards",
    "name": {"zh": "春季用卡回馈", "en": "Spring card rewards"},
    "offers": [
        {**CASHBACK, "eligibility": [ACTIVE]},
        FEE_WAIVER,
    ],
    "budget": "300",
    "contact_cap": {"max_contacts": 2, "window_days": 30},
    "control_share": 0.1,
    "seed": SEED,
}


def _half(customer_id: str) -> int:
    return hashlib.sha256(f"{SEED}:{customer_id}".encode()).digest()[0] % 2


def _z(values: np.ndarray) -> np.ndarray:
    logged = np.log1p(np.maximum(np.nan_to_num(values), 0))
    sd = logged.std() or 1.0
    return np.asarray((logged - logged.mean()) / sd)


def simulated_responses(
    features: list[dict[str, Any]], offer: str | None, rng: np.random.Generator
) -> np.ndarray:
    """Seeded responses. Without an offer the chance rises with how often the customer pays.
    Cashback lifts it by up to 30 points for customers who pay at weekends, less for the most
    frequent payers (they respond anyway); the fee waiver by up to 25 points for customers
    with large tickets, little for small ones."""
    column = {
        k: np.array([f.get(k) or 0.0 for f in features], dtype=float)
        for k in ("frequency_365d", "avg_ticket_365d", "share_weekend_365d")
    }
    often, ticket = _z(column["frequency_365d"]), _z(column["avg_ticket_365d"])
    base = 1 / (1 + np.exp(-(-2.0 + 0.4 * often)))
    effect = np.zeros(len(features))
    if offer == "cashback":
        effect = 0.30 * column["share_weekend_365d"] - 0.08 * (often > 1.2)
    elif offer == "fee-waiver":
        effect = 0.25 / (1 + np.exp(-3 * (ticket - 0.3)))
    chance = np.clip(base + effect, 0.01, 0.95)
    return np.asarray(rng.random(len(features)) < chance)


def ensure_demo_marketing(db: Database, tenant_id: str) -> str | None:
    """Consents, the two pilots with their (simulated) outcomes, the trained uplift model and
    a ready campaign (once); a label for the demo's summary, or None with too few profiles."""
    from finbrain.marketing.campaign import parse_campaign as parse
    from finbrain.platform.marketing import consent, outcomes, uplift
    from finbrain.platform.marketing import service as marketing
    from finbrain.platform.marketing.tables import MarketingAssignment, MarketingCampaign
    from finbrain.platform.profile import queries as profiles

    caller = Caller(tenant_id)
    with db.tenant(tenant_id, write=False) as session:
        done = session.scalar(select(MarketingCampaign.id).limit(1)) is not None
        features = profiles.all_features(session)
    if done or len(features) < MIN_CUSTOMERS:
        return _label(db, tenant_id)
    rng = np.random.default_rng(SEED)
    ids = sorted(features)
    opted = rng.random(len(ids)) < OPT_OUT_SHARE
    with db.tenant(tenant_id) as session:
        consent.record(
            session,
            caller,
            [{"customer_id": c, "opted_out": bool(o)} for c, o in zip(ids, opted, strict=True)],
        )
        for half, pilot in enumerate(PILOTS):
            marketing.create(session, caller, parse(pilot))
            chosen = [c for c in ids if _half(c) == half]
            code = pilot["offers"][0]["code"]
            customers = [
                {
                    "customer_id": c,
                    "opted_out": None,
                    "attributes": {},
                    "uplift": {code: PRIOR_UPLIFT},
                }
                for c in chosen
            ]
            marketing.select_customers(session, db.settings, caller, pilot["id"], customers)
        session.flush()
        for pilot in PILOTS:
            arms = list(
                session.scalars(
                    select(MarketingAssignment)
                    .where(MarketingAssignment.campaign_id == pilot["id"])
                    .order_by(MarketingAssignment.customer_id)
                )
            )
            for arm_name in ("offer", "control"):
                group = [a for a in arms if a.arm == arm_name]
                responded = simulated_responses(
                    [a.features for a in group], a_offer(group, arm_name), rng
                )
                outcomes.record(
                    session,
                    pilot["id"],
                    [
                        {"customer_id": a.customer_id, "responded": bool(r)}
                        for a, r in zip(group, responded, strict=True)
                    ],
                )
        marketing.create(session, caller, parse(READY))
    with suppress(FinbrainError):  # too few outcomes in an arm (a very small demo): no model
        uplift.train(db, tenant_id)
    return _label(db, tenant_id)


def a_offer(group: list[Any], arm: str) -> str | None:
    """The offer a group of a pilot was given (None for its control group)."""
    return None if arm == "control" or not group else str(group[0].offer)


def _label(db: Database, tenant_id: str) -> str | None:
    from finbrain.platform.marketing import uplift

    with db.tenant(tenant_id, write=False) as session:
        row = uplift.champion(session)
        if row is None:
            return None
        offers = row.metrics.get("offers", {})
        qini = ", ".join(
            f"{k} Qini {v['qini']:.3f}" for k, v in offers.items() if v.get("qini") is not None
        )
        return f"uplift v{row.version} ({row.metrics.get('rows')} outcomes; {qini})"
