"""What the credit dashboard reads, counted in SQL: the scores of recent decisions and their
outcomes per day, the score's stability (PSI) per day against the champion's development
sample, and the champion beside its latest challenger."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
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


TOP_FEATURES = 5  # the strongest features the dashboard follows
WINDOW_DAYS = 7  # CSI per day over the trailing week: one day's few applicants are mostly noise
MIN_WINDOW = 30  # fewer applicants than this in a window: no point drawn


def feature_csi_per_day(
    session: Session,
    champion: ModelVersion,
    *,
    days: int = RECENT_DAYS,
    top: int = TOP_FEATURES,
) -> tuple[list[str], dict[str, list[float | None]]]:
    """For the champion's ``top`` features (strongest first): per UTC day, the characteristic
    stability (CSI, a PSI over the feature's development bins) of the applicants scored in the
    ``WINDOW_DAYS`` up to that day. Sums the per-day bin counts in SQL; a window with fewer than
    ``MIN_WINDOW`` applicants gets None."""
    from finbrain.credit.monitoring import psi_from_counts
    from finbrain.platform.credit.tables import CreditFeatureDay as Day

    tracked = ((champion.metrics or {}).get("feature_reference") or [])[:top]
    if not tracked:
        return [], {}
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    since = (first - timedelta(days=WINDOW_DAYS - 1)).isoformat()
    rows = session.execute(
        select(Day.day, Day.feature, Day.bin, func.sum(Day.applicants))
        .where(
            Day.model_digest == champion.digest,
            Day.day >= since,
            Day.feature.in_([e["name"] for e in tracked]),
        )
        .group_by(Day.day, Day.feature, Day.bin)
    )
    counts: dict[tuple[str, str], np.ndarray] = {}
    size = {e["name"]: len(e["counts"]) for e in tracked}
    for day, feature, index, n in rows:
        per = counts.setdefault((str(day), feature), np.zeros(size[feature]))
        if 0 <= int(index) < len(per):  # a bin outside the reference cannot come from it
            per[int(index)] += int(n)
    seen = sorted({d for d, _ in counts if d >= first.isoformat()})
    series: dict[str, list[float | None]] = {}
    for entry in tracked:
        expected = np.asarray(entry["counts"], dtype=float)
        values: list[float | None] = []
        for day in seen:
            end = date.fromisoformat(day)
            window = sum(
                (counts.get(((end - timedelta(days=k)).isoformat(), entry["name"]),
                            np.zeros(len(expected))) for k in range(WINDOW_DAYS)),
                np.zeros(len(expected)),
            )  # fmt: skip
            values.append(
                round(psi_from_counts(expected, window), 4) if window.sum() >= MIN_WINDOW else None
            )
        series[entry["name"]] = values
    return seen, series


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
