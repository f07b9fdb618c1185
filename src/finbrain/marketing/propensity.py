"""Propensity to respond (响应倾向): LightGBM, calibrated, with reasons per customer.

A scikit-learn classifier (``clone``, ``Pipeline``, ``predict_proba`` with ``classes_``
[0, 1]). Calibration is cross-fitted: the out-of-fold scores of ``cv`` boosters fit a Platt
curve (``sigmoid``: strictly increasing, so the ranking — and the AUC — of the booster is
kept) or an isotonic one, and the final booster is trained on all rows. Reasons come from the
booster's exact TreeSHAP contributions: the features that moved this customer's log-odds the
most, up or down, each in zh and en.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from finbrain.core.boosting import lightgbm_binary_params
from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError
from finbrain.marketing._columns import Columns, binary_target
from finbrain.marketing.reasons import feature_code, feature_name, text

__all__ = ["Propensity"]

CALIBRATIONS = ("sigmoid", "isotonic", "none")
EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q / (1 - q)))


class Propensity(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """P(respond) per customer. ``features``: the columns to use (default: all of ``X``);
    text and categorical columns are categories (an unseen level reads as missing).
    ``monotone``: column -> +1 / -1 (a constraint LightGBM keeps); ``calibration``: sigmoid,
    isotonic or none; ``cv``: folds of the cross-fitted calibration; ``n_jobs``: LightGBM's
    threads. ``n_iter_no_change``: when set, the number of trees (at most ``n_estimators``) is
    chosen by early stopping on a stratified ``validation_fraction`` of the rows (log loss),
    then every booster is trained on all rows with that many (``n_estimators_``): a model sized
    to its data predicts faster."""

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        monotone: Mapping[str, int] | None = None,
        calibration: str = "sigmoid",
        cv: int = 3,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        subsample: float = 0.8,
        colsample: float = 0.8,
        random_state: int = 0,
        n_jobs: int = 2,
        n_iter_no_change: int | None = None,
        validation_fraction: float = 0.2,
    ) -> None:
        self.features = features
        self.monotone = monotone
        self.calibration = calibration
        self.cv = cv
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction

    # -- fitting ---------------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.calibration not in CALIBRATIONS:
            raise ValidationError(field="calibration", rule="one_of_" + "_".join(CALIBRATIONS))
        if not isinstance(self.cv, int) or self.cv < 2:
            raise ValidationError(field="cv", rule="integer_at_least_2")
        if not isinstance(self.n_estimators, int) or self.n_estimators < 1:
            raise ValidationError(field="n_estimators", rule="positive_integer")
        if not isinstance(self.n_jobs, int) or self.n_jobs < 1:
            raise ValidationError(field="n_jobs", rule="positive_integer")
        stop = self.n_iter_no_change
        if stop is not None and (not isinstance(stop, int) or stop < 1):
            raise ValidationError(field="n_iter_no_change", rule="positive_integer_or_none")
        if not 0 < self.validation_fraction < 1:
            raise ValidationError(field="validation_fraction", rule="between_0_and_1")
        for name, sign in (self.monotone or {}).items():
            if sign not in (-1, 0, 1):
                raise ValidationError(field=f"monotone.{name}", rule="one_of_-1_0_1")

    def _booster(
        self,
        frame: pd.DataFrame,
        target: np.ndarray,
        weight: np.ndarray | None,
        held: tuple[pd.DataFrame, np.ndarray, np.ndarray | None] | None = None,
    ) -> lgb.Booster:
        constraints = [
            0 if f in self.columns_.categories else int((self.monotone or {}).get(f, 0))
            for f in self.columns_.features
        ]
        extra: dict[str, Any] = {}
        if any(constraints):
            extra = {"monotone_constraints": constraints, "monotone_constraints_method": "advanced"}
        params = lightgbm_binary_params(self, num_threads=self.n_jobs, **extra)
        data = lgb.Dataset(
            frame,
            label=target,
            weight=weight,
            categorical_feature=list(self.columns_.categories) or "auto",
            free_raw_data=True,
        )
        if held is None:
            return lgb.train(params, data, num_boost_round=self.n_estimators_)
        valid = lgb.Dataset(held[0], label=held[1], weight=held[2], reference=data)
        stop = lgb.early_stopping(int(self.n_iter_no_change or 1), verbose=False)
        return lgb.train(params, data, num_boost_round=self.n_estimators, valid_sets=[valid],
                         callbacks=[stop])  # fmt: skip

    def _rounds(self, frame: pd.DataFrame, target: np.ndarray, weight: np.ndarray | None) -> int:
        """The best number of trees on a held-out stratified share (``n_estimators`` when a
        class is too rare to hold any out)."""
        if self.n_iter_no_change is None:
            return int(self.n_estimators)
        counts = np.bincount(target.astype(np.int64), minlength=2)
        held_n = int(np.ceil(self.validation_fraction * len(target)))
        if counts.min() < 2 or held_n < 2 or len(target) - held_n < 2:
            return int(self.n_estimators)
        split = StratifiedShuffleSplit(
            1, test_size=self.validation_fraction, random_state=self.random_state
        )
        fit, held = next(split.split(frame, target))
        w = (None, None) if weight is None else (weight[fit], weight[held])
        booster = self._booster(
            frame.iloc[fit], target[fit], w[0], (frame.iloc[held], target[held], w[1])
        )
        return max(1, int(booster.best_iteration or self.n_estimators))

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Propensity:  # noqa: N803
        """Learn from customers ``X`` and their responses ``y`` (1 responded, 0 not);
        ``sample_weight`` e.g. to weigh recent campaigns more."""
        self._check_params()
        self.columns_ = Columns.learn(X, self.features)
        frame = self.columns_.frame(X)
        target = binary_target(y, len(frame))
        if len(np.unique(target)) != 2:
            raise ValidationError(field="y", rule="both_classes_present")
        unknown = set(self.monotone or {}) - set(self.columns_.features)
        if unknown:
            raise ValidationError(field=f"monotone.{sorted(unknown)[0]}", rule="known_feature")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weight is not None and (len(weight) != len(frame) or not np.all(weight >= 0)):
            raise ValidationError(field="sample_weight", rule="non_negative_same_length")
        self.n_estimators_ = self._rounds(frame, target, weight)
        self.calibrator_: Any = None
        if self.calibration != "none":
            self.calibrator_ = self._calibrate(frame, target, weight)
        self.booster_ = self._booster(frame, target, weight)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(self.columns_.features)
        self.feature_names_in_ = np.array(self.columns_.features, dtype=object)
        return self

    def _calibrate(self, frame: pd.DataFrame, target: np.ndarray, weight: np.ndarray | None) -> Any:
        folds = min(self.cv, int(min(target.sum(), len(target) - target.sum())))
        if folds < 2:
            raise ValidationError(field="y", rule="at_least_2_of_each_class_to_calibrate")
        raw = np.zeros(len(target))
        split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for train, held in split.split(frame, target):
            w = None if weight is None else weight[train]
            booster = self._booster(frame.iloc[train], target[train], w)
            raw[held] = _logit(np.asarray(booster.predict(frame.iloc[held]), dtype=float))
        if self.calibration == "isotonic":
            return IsotonicRegression(out_of_bounds="clip", y_min=EPS, y_max=1 - EPS).fit(
                raw, target, sample_weight=weight
            )
        return LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), target, sample_weight=weight)

    # -- scoring ---------------------------------------------------------------------------

    def raw_score(self, X: Any) -> np.ndarray:  # noqa: N803
        """The booster's log-odds, before calibration (what the reasons decompose)."""
        return self.raw_of_matrix(self.columns_.matrix(X))

    def raw_of_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """:meth:`raw_score` of rows already in :meth:`Columns.matrix` form (uplift models
        align the customers once and share the matrix across their arms)."""
        return np.asarray(self.booster_.predict(matrix, raw_score=True), dtype=float)

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        """P(no response), P(response) per row (columns ``classes_``)."""
        p = self.calibrated(self.raw_score(X))
        return np.column_stack((1.0 - p, p))

    def calibrated(self, raw: np.ndarray) -> np.ndarray:
        """P(response) from the booster's log-odds."""
        if self.calibrator_ is None:
            return np.asarray(1.0 / (1.0 + np.exp(-raw)))
        if isinstance(self.calibrator_, IsotonicRegression):
            return np.asarray(self.calibrator_.predict(raw), dtype=float)
        return np.asarray(self.calibrator_.predict_proba(raw.reshape(-1, 1))[:, 1], dtype=float)

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """1 where P(response) >= 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def explain(self, X: Any, top: int = 3) -> list[list[Reason]]:  # noqa: N803
        """For each row, the ``top`` features that moved its log-odds the most (TreeSHAP),
        largest first, each a zh/en reason (``MK-DRIVER-UP`` / ``MK-DRIVER-DOWN``) whose
        ``contribution`` is the change in log-odds."""
        frame = self.columns_.frame(X)
        contrib = np.asarray(self.booster_.predict(frame, pred_contrib=True), dtype=float)
        raw = X if isinstance(X, pd.DataFrame) else frame
        out = []
        for i in range(len(frame)):
            row = contrib[i, :-1]
            order = np.argsort(-np.abs(row), kind="stable")[:top]
            out.append([self._reason(raw, i, j, float(row[j])) for j in order if row[j] != 0])
        return out

    def _reason(self, raw: pd.DataFrame, i: int, j: int, c: float) -> Reason:
        f = self.columns_.features[j]
        value = raw[f].iloc[i]
        shown = None if pd.isna(value) else value.item() if hasattr(value, "item") else value
        if shown is not None and not isinstance(shown, str | int | float | bool):
            shown = str(shown)
        template = "MK-DRIVER-UP" if c > 0 else "MK-DRIVER-DOWN"
        return Reason(
            code=feature_code(f) + ("-UP" if c > 0 else "-DOWN"),
            text=text(template, name=feature_name(f), shown="—" if shown is None else shown),
            feature=f,
            value=shown,
            contribution=round(c, 6),
        )
