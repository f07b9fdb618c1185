"""Profiling on the platform (客户画像): a build reads the bank's own transaction log (the
payments its risk engine scored), computes every customer's customer-360 features with
``finbrain.profile``, evaluates the tags, fits the segments with their personas, and keeps each
customer's profile for ``GET /v1/profile/customers/{id}``. Builds run as a background job, as
a bank's T+1 batch does; a profile says the time it is as of."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.core.errors import NotFoundError
from finbrain.platform.profile.tables import CustomerProfileRow
from finbrain.platform.risk.tables import RiskEvent
from finbrain.platform.store.database import Database

HISTORY_DAYS = 365  # the longest window the default features read
MIN_TO_SEGMENT = 50  # fewer customers than this: no segments (personas of a handful mislead)
CHANNEL = {"ecom": "online"}  # the risk engine's channel names where the profile's differ


@cache
def _mcc_ranges() -> list[tuple[int, int, str]]:
    raw = json.loads(resources.files("finbrain.platform.profile").joinpath("mcc.json").read_text())
    return [(lo, hi, cat) for cat, spans in raw.items() if cat != "_about" for lo, hi in spans]


def category_of(mcc: str | None) -> str:
    """The spending category of a merchant category code (``other`` when none matches)."""
    if not mcc or not str(mcc).isdigit():
        return "other"
    code = int(mcc)
    return next((cat for lo, hi, cat in _mcc_ranges() if lo <= code <= hi), "other")


def transactions(session: Session, as_of: datetime) -> pd.DataFrame:
    """The tenant's scored payments of the last ``HISTORY_DAYS`` days before ``as_of``, as the
    profile's transactions (customer, time, amount, category, channel)."""
    rows = session.execute(
        select(RiskEvent.occurred_at, RiskEvent.body).where(
            RiskEvent.occurred_at >= as_of - timedelta(days=HISTORY_DAYS),
            RiskEvent.occurred_at < as_of,
        )
    )
    out = []
    for occurred_at, body in rows:
        event = body.get("event") or {}
        if not event.get("customer_id"):
            continue
        channel = event.get("channel")
        out.append({
            "customer_id": str(event["customer_id"]),
            "ts": occurred_at,
            "amount": float(event.get("amount") or 0),
            "category": category_of(event.get("mcc")),
            "channel": CHANNEL.get(channel or "", channel) or "other",
        })  # fmt: skip
    frame = pd.DataFrame(out, columns=["customer_id", "ts", "amount", "category", "channel"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def build(db: Database, tenant_id: str, as_of: datetime | None = None) -> dict[str, Any]:
    """Build every customer's profile from the transaction log and replace the stored ones."""
    from finbrain.profile import (
        SEGMENT_FEATURES,
        Segmenter,
        build_features,
        default_tags,
        profile_of,
    )

    when = as_of or utcnow()
    with db.tenant(tenant_id, write=False) as session:
        frame = transactions(session, when)
    if frame.empty:
        return {"as_of": when.isoformat(), "customers": 0, "transactions": 0, "segments": 0}
    built = build_features(frame, as_of=when, utc_offset_hours=8)
    tags = default_tags().available(built.frame.columns)
    segmenter = None
    if len(built.frame) >= MIN_TO_SEGMENT:
        usable = [f for f in SEGMENT_FEATURES if f in built.frame.columns]
        segmenter = Segmenter(features=usable, random_state=0).fit(built.frame)
    now = utcnow()
    rows = [
        {
            "tenant_id": tenant_id,
            "customer_id": str(cid),
            "as_of": when,
            "body": profile_of(built, cid, tags=tags, segmenter=segmenter).to_dict(),
            "built_at": now,
        }
        for cid in built.frame.index
    ]
    with db.tenant(tenant_id) as session:
        session.execute(delete(CustomerProfileRow))
        for start in range(0, len(rows), 2000):
            session.execute(insert(CustomerProfileRow), rows[start : start + 2000])
    return {
        "as_of": when.isoformat(),
        "customers": len(rows),
        "transactions": len(frame),
        "segments": 0 if segmenter is None else int(segmenter.n_segments_),
    }


def build_work(context: Any) -> Any:
    """The ``profile.build`` job: one build for the tenant, its summary as the job's result."""

    def work(params: dict[str, Any], progress: Any) -> dict[str, Any]:
        progress(10, "reading the transaction log")
        return build(context.db, context.tenant_id)

    return work


def customer(session: Session, customer_id: str) -> CustomerProfileRow:
    row = session.get(CustomerProfileRow, (session.info.get("tenant_id"), customer_id))
    if row is None:
        raise NotFoundError(kind="customer profile", field="customer_id")
    return row
