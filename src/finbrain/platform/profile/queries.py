"""What the API and the console read about profiles: one customer's profile, the latest
build's summary, and the customers of a segment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.errors import NotFoundError
from finbrain.platform.profile.tables import CustomerProfileRow, ProfileBuild

SEGMENT_PAGE = 200  # customers listed on a segment's page


def customer(session: Session, customer_id: str) -> CustomerProfileRow:
    row = session.get(CustomerProfileRow, (session.info.get("tenant_id"), customer_id))
    if row is None:
        raise NotFoundError(kind="customer profile", field="customer_id")
    return row


def latest_build(session: Session) -> ProfileBuild | None:
    """The tenant's latest build (None before the first)."""
    return session.get(ProfileBuild, session.info.get("tenant_id"))


def segment_customers(
    session: Session, segment: int, *, limit: int = SEGMENT_PAGE
) -> tuple[list[CustomerProfileRow], int]:
    """The first ``limit`` customers of a segment (by id) and how many it has."""
    where = CustomerProfileRow.segment == segment
    total = session.scalar(select(func.count()).select_from(CustomerProfileRow).where(where))
    rows = session.scalars(
        select(CustomerProfileRow)
        .where(where)
        .order_by(CustomerProfileRow.customer_id)
        .limit(limit)
    )
    return list(rows), int(total or 0)


def features_of(session: Session, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The latest profile features of these customers (those without a profile are absent)."""
    out: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(customer_ids))
    for start in range(0, len(ids), 1000):  # bounded IN lists
        rows = session.execute(
            select(CustomerProfileRow.customer_id, CustomerProfileRow.body).where(
                CustomerProfileRow.customer_id.in_(ids[start : start + 1000])
            )
        )
        out.update({cid: body.get("features") or {} for cid, body in rows})
    return out


def all_features(session: Session) -> dict[str, dict[str, Any]]:
    """Every profiled customer's features, by customer id."""
    rows = session.execute(select(CustomerProfileRow.customer_id, CustomerProfileRow.body))
    return {cid: body.get("features") or {} for cid, body in rows}


def feature_names(session: Session) -> list[str]:
    """The features of the bank's profiles (those of one profile: a build gives all the same)."""
    body = session.scalar(select(CustomerProfileRow.body).limit(1))
    return sorted((body or {}).get("features") or {})


def customer_ids(session: Session) -> list[str]:
    """Every profiled customer's id, in order."""
    query = select(CustomerProfileRow.customer_id).order_by(CustomerProfileRow.customer_id)
    return list(session.scalars(query))
