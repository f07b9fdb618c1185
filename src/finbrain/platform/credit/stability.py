"""Counting scored applicants into the champion's development bins, feature by feature, in the
scoring transaction: one row per (model, day, feature, bin) whose count grows, so the
dashboard's characteristic stability (CSI) per day is a sum over a few hundred rows whatever the
number of decisions, and the applications themselves are never stored (only their digest is).

The decision's ledger append already holds the tenant's ledger head for the rest of the
transaction, so these counters add no new lock order: writers of one tenant are serial there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision
from finbrain.credit.monitoring import record_bins
from finbrain.platform.credit.tables import CreditFeatureDay
from finbrain.platform.store.models import ModelVersion
from finbrain.platform.store.upsert import insert_for

TABLE = cast(Table, CreditFeatureDay.__table__)


def count_applicants(
    session: Session,
    model: ModelVersion,
    scored: Sequence[tuple[Decision, Mapping[str, Any]]],
) -> int:
    """Add each (decision, applicant record) to its day's bins; returns the rows touched. A model
    trained before references were recorded counts nothing."""
    reference = (model.metrics or {}).get("feature_reference")
    if not reference or not scored:
        return 0
    tally: Counter[tuple[str, str, int]] = Counter()
    for decision, record in scored:
        day = decision.created_at.astimezone(UTC).strftime("%Y-%m-%d")
        for entry, index in zip(reference, record_bins(reference, record), strict=True):
            tally[(day, entry["name"], index)] += 1
    tenant_id = scored[0][0].tenant_id
    rows = [
        {"tenant_id": tenant_id, "model_digest": model.digest, "day": day, "feature": feature,
         "bin": index, "applicants": n}
        for (day, feature, index), n in sorted(tally.items())  # one lock order for every writer
    ]  # fmt: skip
    connection = session.connection()
    upsert = insert_for(connection)
    statement = upsert(TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "model_digest", "day", "feature", "bin"],
        set_={"applicants": TABLE.c.applicants + statement.excluded.applicants},
    )
    connection.execute(statement, rows)
    return len(rows)
