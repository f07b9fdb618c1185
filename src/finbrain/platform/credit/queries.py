"""What the credit dashboard reads, counted in SQL: the scores of recent decisions and their
outcomes per day, the score's stability (PSI) per day against the champion's development
sample, and the champion beside its latest challenger."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.decisions.service import daily_outcomes, utc_day
from finbrain.platform.store.models import DecisionRow, ModelVersion

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


def score_psi_per_day(
    session: Session, champion: ModelVersion, *, days: int = RECENT_DAYS
) -> list[tuple[str, float, int]]:
    """(UTC day, PSI of that day's scores against the development sample, applicants) for the
    champion's decisions; the scores are counted per development decile in SQL. Days with
    fewer than ten applicants are left out (PSI of a handful means nothing)."""
    from finbrain.credit.monitoring import psi_from_counts

    reference = (champion.metrics or {}).get("score_reference")
    if not reference:
        return []
    edges = reference["edges"]
    # The decile a score falls in, as the reference counts it (searchsorted, side="right").
    decile = case(
        *[(DecisionRow.score < edge, i) for i, edge in enumerate(edges)], else_=len(edges)
    )
    day = utc_day(session, DecisionRow.created_at)
    rows = session.execute(
        select(day, decile, func.count())
        .where(
            DecisionRow.capability == "credit",
            DecisionRow.action == "score",
            DecisionRow.model_digest == champion.digest,
            DecisionRow.score.is_not(None),
            DecisionRow.created_at >= utcnow() - timedelta(days=days),
        )
        .group_by(day, decile)
    )
    per_day: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(edges) + 1))
    for when, bucket, count in rows:
        per_day[str(when)][int(bucket)] += int(count)
    expected = np.asarray(reference["counts"], dtype=float)
    return [
        (d, round(psi_from_counts(expected, counts), 4), int(counts.sum()))
        for d, counts in sorted(per_day.items())
        if counts.sum() >= 10
    ]


def champion_and_challenger(session: Session) -> tuple[ModelVersion | None, ModelVersion | None]:
    """The credit champion and the newest other credit model (the challenger), either may be
    missing."""
    models = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.capability == "credit")
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
    ).all()
    champion = next((m for m in models if m.status == "champion"), None)
    challenger = next((m for m in models if m is not champion), None)
    return champion, challenger
