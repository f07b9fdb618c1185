"""From scores to probabilities of default, and from PDs to grades (the rating master scale).

Calibration maps the score to an observed default rate: isotonic (monotone, non-parametric) or
Platt (a logistic curve in the score). The master scale cuts PD into grades whose ranges the
credit policy refers to; ``master_scale_table`` shows each grade's observed default rate so a
validator can see the grades are ordered and honest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from finbrain.core.errors import ValidationError

DEFAULT_SCALE: tuple[tuple[str, float], ...] = (
    ("A", 0.02),
    ("B", 0.05),
    ("C", 0.10),
    ("D", 0.20),
    ("E", 0.35),
    ("F", 1.0),
)


def _scores(score: Any) -> np.ndarray:
    """Scores as a vector: a 1-D array, or the one column of a 2-D one (as a Pipeline passes)."""
    s = np.asarray(score, dtype=float)
    if s.ndim == 2 and s.shape[1] == 1:
        return s[:, 0]
    if s.ndim != 1:
        raise ValidationError(field="score", rule="one_column")
    return s


class Calibrator(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Score -> probability of default, a scikit-learn classifier on the score: ``fit(score,
    y)``, ``predict_proba(score)`` (column 1: the PD; ``classes_`` [0, 1]), ``predict``."""

    def __init__(self, method: str = "isotonic") -> None:
        self.method = method
        self._check_method()

    def _check_method(self) -> None:
        if self.method not in {"isotonic", "platt"}:
            raise ValidationError(field="method", rule="isotonic_or_platt")

    def fit(self, score: Any, y: Any) -> Calibrator:
        self._check_method()  # again: set_params may have changed it
        s = _scores(score)
        target = np.asarray(y, dtype=float)
        if len(s) != len(target) or not set(np.unique(target)) <= {0.0, 1.0}:
            raise ValidationError(field="y", rule="binary_target_same_length")
        if self.method == "isotonic":  # higher score, lower risk: decreasing in the score
            self.model_: Any = IsotonicRegression(
                increasing=False, out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4
            ).fit(s, target)
        else:
            self.model_ = LogisticRegression().fit(s.reshape(-1, 1), target)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, score: Any) -> np.ndarray:
        """P(good), P(bad) for each score."""
        s = _scores(score)
        if self.method == "isotonic":
            bad = np.asarray(self.model_.predict(s), dtype=float)
        else:
            bad = np.asarray(self.model_.predict_proba(s.reshape(-1, 1))[:, 1], dtype=float)
        return np.column_stack((1.0 - bad, bad))

    def predict(self, score: Any) -> np.ndarray:
        """1 (bad) where the PD is at least 0.5, else 0."""
        return (self.predict_proba(score)[:, 1] >= 0.5).astype(np.int64)


class MasterScale:
    def __init__(self, grades: Sequence[tuple[str, float]] = DEFAULT_SCALE) -> None:
        uppers = [u for _, u in grades]
        if uppers != sorted(uppers) or uppers[-1] < 1.0:
            raise ValidationError(field="grades", rule="increasing_upper_bounds_ending_at_1")
        self.grades = list(grades)

    def grade(self, pd_value: float) -> str:
        for name, upper in self.grades:
            if pd_value < upper or upper >= 1.0:
                return name
        return self.grades[-1][0]

    def table(self, pd_values: Any, y: Any) -> pd.DataFrame:
        """Per grade: PD range, count, mean predicted PD, observed default rate."""
        frame = pd.DataFrame(
            {"pd": np.asarray(pd_values, dtype=float), "bad": np.asarray(y, dtype=float)}
        )
        frame["grade"] = [self.grade(p) for p in frame["pd"]]
        rows, lower = [], 0.0
        for name, upper in self.grades:
            part = frame[frame["grade"] == name]
            rows.append(
                {
                    "grade": name,
                    "pd_from": lower,
                    "pd_to": upper,
                    "count": len(part),
                    "mean_pd": float(part["pd"].mean()) if len(part) else float("nan"),
                    "default_rate": float(part["bad"].mean()) if len(part) else float("nan"),
                }
            )
            lower = upper
        return pd.DataFrame(rows)
