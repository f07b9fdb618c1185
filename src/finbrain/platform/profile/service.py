"""Profiling on the platform (客户画像): a build reads the bank's own transaction log (the
payments its risk engine scored), computes every customer's customer-360 features with
``finbrain.profile``, evaluates the tags, fits the segments with their personas, and keeps each
customer's profile for ``GET /v1/profile/customers/{id}``. Builds run as a background job, as
a bank's T+1 batch does; a profile says the time it is as of."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.profile.tables import CustomerProfileRow, ProfileBuild
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
        out.append(
            {
                "customer_id": str(event["customer_id"]),
                "ts": occurred_at,
                "amount": float(event.get("amount") or 0),
                "category": category_of(event.get("mcc")),
                "channel": CHANNEL.get(channel or "", channel) or "other",
            }
        )
    frame = pd.DataFrame(out, columns=["customer_id", "ts", "amount", "category", "channel"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def segment_summary(frame: pd.DataFrame, segmenter: Any, catalog: Any) -> dict[str, Any]:
    """What the dashboard shows of the segments: each persona (size, share, name and traits
    in zh/en), and for every segmentation feature its label, each segment's median and the
    segment's effect against the other customers in standard deviations of the model's scaled
    space (the measure the personas pick their traits by)."""
    scaled = segmenter.transform(frame)
    labels = segmenter.labels_
    sd = scaled.std(axis=0)
    sd[sd == 0] = 1.0
    features = []
    for j, name in enumerate(segmenter.features_):
        effects, medians = [], []
        for s in range(segmenter.n_segments_):
            rows = labels == s
            rest = scaled[~rows].mean(axis=0) if (~rows).any() else scaled.mean(axis=0)
            effects.append(round(float((scaled[rows, j].mean() - rest[j]) / sd[j]), 4))
            median = frame.loc[rows, name].median()
            medians.append(None if pd.isna(median) else round(float(median), 4))
        overall = frame[name].median()
        features.append(
            {
                "name": name,
                "label": catalog.label(name).model_dump(),
                "effects": effects,
                "medians": medians,
                "overall": None if pd.isna(overall) else round(float(overall), 4),
            }
        )
    return {
        "criterion": segmenter.criterion_,
        "scores": {str(k): round(float(v), 4) for k, v in segmenter.scores_.items()},
        "personas": [p.to_dict() for p in segmenter.personas_],
        "features": features,
    }


def build(db: Database, tenant_id: str, as_of: datetime | None = None) -> dict[str, Any]:
    """Build every customer's profile from the transaction log and replace the stored ones,
    with the build's summary (segments, personas, tag counts) beside them."""
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
    rows: list[dict[str, Any]] = []
    for cid in built.frame.index:
        body = profile_of(built, cid, tags=tags, segmenter=segmenter).to_dict()
        segment = body["segment"]["id"] if body["segment"] else None
        rows.append(
            {
                "tenant_id": tenant_id,
                "customer_id": str(cid),
                "as_of": when,
                "body": body,
                "built_at": now,
                "segment": segment,
            }
        )
    counts = Counter(tag["id"] for row in rows for tag in row["body"]["tags"])
    summary = {
        "segments": None
        if segmenter is None
        else segment_summary(built.frame, segmenter, built.catalog),
        "tags": [
            {"id": t.id, "name": t.name.model_dump(), "customers": counts.get(t.id, 0)}
            for t in tags.tags
        ],
    }
    with db.tenant(tenant_id) as session:
        session.execute(delete(CustomerProfileRow))
        for start in range(0, len(rows), 2000):
            session.execute(insert(CustomerProfileRow), rows[start : start + 2000])
        latest = session.get(ProfileBuild, tenant_id)
        if latest is None:
            latest = ProfileBuild(tenant_id=tenant_id, version=0)
            session.add(latest)
        latest.version += 1  # with the profiles, in one transaction
        latest.as_of, latest.built_at, latest.summary = when, now, summary
        latest.customers, latest.transactions = len(rows), len(frame)
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
