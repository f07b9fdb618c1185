"""Population and characteristic stability (PSI for the score, CSI for each feature).

PSI = sum over bins of (actual% - expected%) * ln(actual% / expected%). The usual reading, used
as the flags here: < 0.10 stable, 0.10-0.25 drifting (watch), > 0.25 shifted (act).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.credit.categories import category_key, category_keys

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


# -- characteristic stability in production ----------------------------------------------------
# A model card records, for each feature the model reads, how the development sample fell into
# fixed bins; production then only counts applicants per bin (a handful of integers per day), so
# CSI over time is a sum in SQL, never a re-read of old applications.

FEATURE_BINS = 10  # deciles of a number's development values
MAX_LEVELS = 20  # a category's most frequent levels keep their own bin; the rest share "other"


def feature_reference(
    X: pd.DataFrame,  # noqa: N803
    features: Sequence[str],
    *,
    bins: int = FEATURE_BINS,
    max_levels: int = MAX_LEVELS,
) -> list[dict[str, Any]]:
    """Each feature's bins and the development sample's count in each, in ``features`` order
    (the caller's order of importance). A number: decile ``edges`` (a value lands in
    ``searchsorted(edges, v, "right")``), then one bin for missing. A category: its ``levels``
    (most frequent first), then "other", then missing."""
    out: list[dict[str, Any]] = []
    for name in features:
        if name not in X.columns:
            raise ValidationError(field=name, rule="required_feature")
        column = X[name]
        if _is_number(column):
            present = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=float)
            cuts = np.linspace(0, 1, bins + 1)[1:-1]
            quantiles = np.quantile(present, cuts) if len(present) else []
            entry: dict[str, Any] = {
                "name": name,
                "kind": "number",
                "edges": [float(e) for e in np.unique(np.round(quantiles, 6))],
            }
        else:
            counted = category_keys(column).dropna().value_counts()
            ranked = sorted(counted.items(), key=lambda item: (-int(item[1]), str(item[0])))
            entry = {
                "name": name,
                "kind": "category",
                "levels": [str(level) for level, _ in ranked[:max_levels]],
            }
        entry["counts"] = [int(c) for c in _bin_counts(entry, column)]
        out.append(entry)
    return out


def feature_bin_counts(
    reference: Sequence[Mapping[str, Any]],
    X: pd.DataFrame,  # noqa: N803
) -> list[np.ndarray]:
    """How many rows of ``X`` fall in each reference bin, per feature (a feature the rows do
    not carry counts as missing)."""
    return [
        _bin_counts(entry, X[entry["name"]] if entry["name"] in X.columns else None, len(X))
        for entry in reference
    ]


def record_bins(reference: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> list[int]:
    """The bin of each reference feature one applicant falls in: the same bins as
    :func:`feature_bin_counts`, without pandas (the online path scores one record at a time)."""
    out: list[int] = []
    for entry in reference:
        value = record.get(entry["name"])
        if entry["kind"] == "number":
            number = _as_number(value)
            edges = entry["edges"]
            out.append(len(edges) + 1 if number is None else bisect.bisect_right(edges, number))
        else:
            levels = entry["levels"]
            if _missing(value):
                out.append(len(levels) + 1)
            else:
                key = category_key(value)
                out.append(levels.index(key) if key in levels else len(levels))
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _as_number(value: Any) -> float | None:
    """A value as pandas' ``to_numeric(errors="coerce")`` reads it (None when it cannot)."""
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def bin_labels(entry: Mapping[str, Any]) -> list[str]:
    """Readable names of a reference entry's bins (for tables and tooltips)."""
    if entry["kind"] == "number":
        edges = [f"{e:g}" for e in entry["edges"]]
        if not edges:
            return ["all", "missing"]
        inner = [f"[{a}, {b})" for a, b in itertools.pairwise(edges)]
        return [f"< {edges[0]}", *inner, f">= {edges[-1]}", "missing"]
    return [*entry["levels"], "other", "missing"]


def _is_number(column: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(column.dtype)
        and not pd.api.types.is_bool_dtype(column.dtype)
        and not isinstance(column.dtype, pd.CategoricalDtype)
    )


def _bin_counts(entry: Mapping[str, Any], column: pd.Series | None, rows: int = 0) -> np.ndarray:
    if entry["kind"] == "number":
        size = len(entry["edges"]) + 2
        if column is None:
            return np.bincount([size - 1] * rows, minlength=size)
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        index = np.searchsorted(np.asarray(entry["edges"], dtype=float), values, side="right")
        index[np.isnan(values)] = size - 1
    else:
        levels = {level: i for i, level in enumerate(entry["levels"])}
        size = len(levels) + 2
        if column is None:
            return np.bincount([size - 1] * rows, minlength=size)
        keys = category_keys(column)
        index = np.array(
            [size - 1 if pd.isna(k) else levels.get(k, size - 2) for k in keys], dtype=np.int64
        )
    return np.bincount(index, minlength=size)
