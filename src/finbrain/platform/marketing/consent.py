"""Marketing consent (营销同意, PIPL art. 24): whether each customer opted out of automated
marketing, as the bank last recorded it. A customer with no record counts as opted out, and a
selection request's own ``opted_out`` wins over the record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.core.errors import ValidationError
from finbrain.platform.marketing.tables import MarketingConsent


def record(session: Session, caller: Any, customers: Sequence[dict[str, Any]]) -> int:
    """Record each customer's choice (the latest one counts); returns how many."""
    ids = [c["customer_id"] for c in customers]
    if len(set(ids)) != len(ids):
        raise ValidationError(field="customers.customer_id", rule="unique")
    known = {
        r.customer_id: r
        for r in session.scalars(
            select(MarketingConsent).where(MarketingConsent.customer_id.in_(ids))
        )
    }
    now = utcnow()
    for c in customers:
        row = known.get(c["customer_id"])
        if row is None:
            session.add(
                MarketingConsent(
                    tenant_id=caller.tenant_id,
                    customer_id=c["customer_id"],
                    opted_out=bool(c["opted_out"]),
                    updated_at=now,
                )
            )
        else:
            row.opted_out, row.updated_at = bool(c["opted_out"]), now
    session.flush()
    return len(customers)


def stored(session: Session, ids: Sequence[str] | None = None) -> dict[str, bool]:
    """The recorded choice of these customers (all the bank's when ``ids`` is None)."""
    query = select(MarketingConsent.customer_id, MarketingConsent.opted_out)
    if ids is None:
        return {cid: bool(o) for cid, o in session.execute(query)}
    out: dict[str, bool] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 1000):
        part = unique[start : start + 1000]
        out.update(
            {
                cid: bool(o)
                for cid, o in session.execute(query.where(MarketingConsent.customer_id.in_(part)))
            }
        )
    return out
