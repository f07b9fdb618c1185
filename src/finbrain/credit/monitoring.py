"""Population and characteristic stability (PSI for the score, CSI for each feature).

PSI = sum over bins of (actual% - expected%) * ln(actual% / expected%). The usual reading, used
as the flags here: < 0.10 stable, 0.10-0.25 drifting (watch), > 0.25 shifted (act).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

WATCH, ACT = 0.10, 0.25
EPS = 1e-4  # empty bins: a floor so one empty bin does not make PSI infinite


def flag(value: float) -> str:
    return "stable" if value < WATCH else "drift" if value <= ACT else "shift"


def psi_from_counts(expected: np.ndarray, actual: np.ndarray) -> float:
    if expected.shape != actual.shape or expected.sum() <= 0 or actual.sum() <= 0:
        raise ValidationError(field="counts", rule="same_bins_non_empty")
    e = np.maximum(expected / expected.sum(), EPS)
    a = np.maximum(actual / actual.sum(), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def score_psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """PSI of a score between a reference and a current sample (reference deciles)."""
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    return psi_from_counts(e.astype(float), a.astype(float))


@dataclass(frozen=True)
class StabilityRow:
    period: Any
    name: str
    value: float
    flag: str


def stability_report(
    scorecard: Any, reference: pd.DataFrame, current: pd.DataFrame, period_column: str | None = None
) -> pd.DataFrame:
    """PSI of the score and CSI of every scorecard feature (its bins), per period if given."""
    ref_score = scorecard.points(reference)
    groups = [(None, current)] if period_column is None else list(current.groupby(period_column))
    rows: list[StabilityRow] = []
    for period, frame in groups:
        value = score_psi(ref_score, scorecard.points(frame))
        rows.append(StabilityRow(period, "score", value, flag(value)))
        for name, cf in scorecard.compiled_.items():
            ref_points = scorecard._feature_points(cf, reference[name])
            cur_points = scorecard._feature_points(cf, frame[name])
            keys = np.union1d(ref_points, cur_points)
            e = np.array([(ref_points == k).sum() for k in keys], dtype=float)
            a = np.array([(cur_points == k).sum() for k in keys], dtype=float)
            csi = psi_from_counts(e, a)
            rows.append(StabilityRow(period, name, csi, flag(csi)))
    return pd.DataFrame([r.__dict__ for r in rows])
