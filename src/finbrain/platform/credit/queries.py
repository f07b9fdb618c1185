"""What the credit dashboard reads, counted in SQL: the scores of recent decisions and their
outcomes per day."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.decisions.service import daily_outcomes
from finbrain.platform.store.models import DecisionRow

RECENT_DAYS = 30
BUCKET = 20  # points per bar: the scale's PDO, so each bar is one doubling of the odds


def score_buckets(session: Session, *, days: int = RECENT_DAYS) -> dict[int, int]:
    """Applicants per ``BUCKET``-point band of the credit score, over the last ``days``."""
    from datetime import timedelta

    points = func.round(DecisionRow.score)
    rows = session.execute(
        select(points, func.count())
        .where(
            DecisionRow.capability == "credit",
            DecisionRow.action == "score",
            DecisionRow.score.is_not(None),
            DecisionRow.created_at >= utcnow() - timedelta(days=days),
        )
        .group_by(points)
    )
    bands: Counter[int] = Counter()
    for value, count in rows:
        bands[int(float(value) // BUCKET * BUCKET)] += int(count)
    return dict(sorted(bands.items()))


def outcomes_per_day(session: Session, *, days: int = RECENT_DAYS) -> dict[str, Counter[str]]:
    return daily_outcomes(session, days=days, capability="credit")


def cutoff_points(policy: dict[str, Any] | None) -> tuple[float, float]:
    """The policy's PD cut-offs on the points scale (approve above the first, decline below
    the second)."""
    from finbrain.credit.policy import DEFAULT_POLICY, points_of

    cut = {**DEFAULT_POLICY, **(policy or {})}
    return points_of(cut["approve_below_pd"]), points_of(cut["decline_from_pd"])
