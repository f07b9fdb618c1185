"""Churn propensity (流失预测): calibrated LightGBM, with each customer's reasons in zh and en.

Calibration: the probability a retention campaign multiplies by an offer's value must mean what
it says. The boosted model's out-of-fold scores (``cv`` stratified folds) are mapped to observed
churn rates by isotonic regression (or a logistic curve, ``calibration="sigmoid"``); the final
booster is then fitted on all rows. Both maps are increasing, so the reasons — the features
whose exact TreeSHAP contributions push the customer's score up the most — agree with the
probability.

Protected attributes (sex, marital status, ethnicity, religion, race; matched by column name,
any case) are left out by default: a retention offer should not be steered by them. Pass
``protected=()`` to keep every column, or name the columns yourself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from finbrain.core.boosting import lightgbm_binary_params
from finbrain.core.decision import BilingualText, Reason
from finbrain.profile.errors import ProfileInputError
from finbrain.profile.expressions import fmt
from finbrain.profile.features import default_catalog

__all__ = ["PROTECTED", "ChurnModel", "churn_reason"]

PROTECTED: Final = ("gender", "sex", "marital_status", "ethnicity", "religion", "race")
MAX_REASONS: Final = 4


@cache
def _catalogue() -> dict[str, Any]:
    text = resources.files("finbrain.profile").joinpath("data/reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _shown(feature: str, value: Any, lang: str) -> str:
    if isinstance(value, bool | np.bool_):
        return str(
            _catalogue()["levels"]["_bool" if lang == "zh" else "_bool_en"][str(bool(value))]
        )
    if isinstance(value, int | float | np.integer | np.floating):
        return fmt(float(value))
    text = str(value)
    return _catalogue()["levels"].get(feature, {}).get(text, text) if lang == "zh" else text


def churn_reason(feature: str, value: Any, contribution: float) -> Reason:
    """The reason ``feature`` (at ``value``) raises a customer's churn propensity."""
    known = _catalogue()["features"].get(feature)
    if known:
        code, name = known["code"], BilingualText(zh=known["zh"], en=known["en"])
    else:
        code = "CH-" + re.sub(r"[^A-Z0-9]+", "-", feature.upper()).strip("-")[:40]
        name = default_catalog().label(feature)
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    template = _catalogue()["templates"]["missing" if missing else "raises"]
    return Reason(
        code=code + ("-MISSING" if missing else ""),
        text=BilingualText(
            zh=template["zh"].format(name=name.zh, value=_shown(feature, value, "zh")),
            en=template["en"].format(name=name.en, value=_shown(feature, value, "en")),
        ),
        feature=feature,
        value=None if missing else _plain(value),
        contribution=round(float(contribution), 6),
    )


def _plain(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    return str(value)


class ChurnModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Calibrated LightGBM churn propensity, a scikit-learn classifier (``clone``,
    ``Pipeline``): ``predict_proba`` gives P(stay), P(churn) (``classes_`` [0, 1]).

    ``features``: the columns to use (default: all but the protected ones); numbers and bools
    as they are, text and categoricals as LightGBM categories (a level unseen in training is
    missing). Fitted: ``features_``, ``categories_``, ``protected_``, ``booster_``,
    ``calibrator_``, ``classes_``."""

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        protected: Sequence[str] | None = None,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample: float = 0.8,
        calibration: str = "isotonic",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.features = features
        self.protected = protected
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.calibration = calibration
        self.cv = cv
        self.random_state = random_state

    def _protected(self, columns: Sequence[str]) -> list[str]:
        if self.protected is not None:
            return [c for c in columns if c in set(self.protected)]
        return [c for c in columns if c.lower() in PROTECTED]

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        missing = [f for f in self.features_ if f not in X.columns]
        if missing:
            raise ProfileInputError(
                f"X lacks the feature {missing[0]!r}", field=missing[0], rule="required_feature"
            )
        frame = X[self.features_].copy()
        for f in self.features_:
            if f in self.categories_:
                text = frame[f].astype(object).where(frame[f].notna(), None)
                text = text.map(lambda v: None if v is None else str(v))
                known = text.where(text.isin(self.categories_[f]))
                frame[f] = pd.Categorical(known, categories=self.categories_[f])
            else:
                frame[f] = pd.to_numeric(frame[f].astype("float64"), errors="raise")
        return frame

    def _check(self, X: Any, y: Any) -> np.ndarray:  # noqa: N803
        if self.calibration not in {"isotonic", "sigmoid"}:
            raise ProfileInputError(
                "calibration: isotonic or sigmoid", field="calibration", rule="isotonic_or_sigmoid"
            )
        if type(self.cv) is not int or self.cv < 2:
            raise ProfileInputError("cv: an integer >= 2", field="cv", rule="at_least_2")
        if not isinstance(X, pd.DataFrame) or X.empty:
            raise ProfileInputError("X: a non-empty DataFrame", field="X", rule="non_empty_frame")
        target = np.asarray(y, dtype=float).reshape(-1)
        if len(target) != len(X) or set(np.unique(target)) != {0.0, 1.0}:
            raise ProfileInputError(
                "y: 0/1 for every row of X, both present", field="y", rule="binary_target"
            )
        if np.bincount(target.astype(int)).min() < self.cv:
            raise ProfileInputError(
                f"y: each class needs at least cv={self.cv} rows", field="y", rule="rows_per_fold"
            )
        return target

    def _train(self, frame: pd.DataFrame, target: np.ndarray) -> lgb.Booster:
        data = lgb.Dataset(
            frame, label=target, categorical_feature=list(self.categories_) or "auto"
        )
        params = lightgbm_binary_params(self, num_threads=2)
        return lgb.train(params, data, num_boost_round=self.n_estimators)

    def fit(self, X: pd.DataFrame, y: Any) -> ChurnModel:  # noqa: N803
        target = self._check(X, y)
        self.protected_ = self._protected(list(X.columns))
        if self.features is not None:
            named = [f for f in self.features if f in self.protected_]
            if named:
                raise ProfileInputError(
                    f"{named[0]} is a protected attribute", field=named[0], rule="not_protected"
                )
            self.features_ = list(self.features)
        else:
            self.features_ = [c for c in X.columns if c not in self.protected_]
        self.categories_ = {
            f: sorted(str(v) for v in X[f].dropna().unique())
            for f in self.features_
            if f in X.columns
            and not (
                pd.api.types.is_numeric_dtype(X[f].dtype) or pd.api.types.is_bool_dtype(X[f].dtype)
            )
        }
        frame = self._frame(X)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        margin = np.empty(len(frame))
        for train, test in folds.split(frame, target):
            booster = self._train(frame.iloc[train], target[train])
            margin[test] = booster.predict(frame.iloc[test], raw_score=True)
        if self.calibration == "isotonic":
            self.calibrator_: Any = IsotonicRegression(
                out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4
            ).fit(margin, target)
        else:
            self.calibrator_ = LogisticRegression().fit(margin.reshape(-1, 1), target)
        self.booster_ = self._train(frame, target)
        self.classes_ = np.array([0, 1])
        return self

    def _calibrated(self, margin: np.ndarray) -> np.ndarray:
        if self.calibration == "isotonic":
            return np.asarray(self.calibrator_.predict(margin), dtype=float)
        return np.asarray(self.calibrator_.predict_proba(margin.reshape(-1, 1))[:, 1], dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """P(stay), P(churn) per row."""
        margin = np.asarray(self.booster_.predict(self._frame(X), raw_score=True), dtype=float)
        churn = self._calibrated(margin)
        return np.column_stack((1.0 - churn, churn))

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """1 (churn) where P(churn) >= 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def explain_record(self, record: Mapping[str, Any]) -> tuple[float, list[Reason]]:
        """P(churn) of one customer and up to four reasons, the largest TreeSHAP contributions
        that raise it, most important first (none raises it: one reason saying so)."""
        frame = self._frame(pd.DataFrame([dict(record)]))
        contrib = np.asarray(self.booster_.predict(frame, pred_contrib=True))[0]
        margin = np.asarray(self.booster_.predict(frame, raw_score=True), dtype=float)
        probability = float(self._calibrated(margin)[0])  # exactly predict_proba's
        ranked = sorted(
            ((float(c), f) for c, f in zip(contrib[:-1], self.features_, strict=True) if c > 0),
            key=lambda cf: (-cf[0], cf[1]),
        )
        reasons = [churn_reason(f, record.get(f), c) for c, f in ranked[:MAX_REASONS]]
        if not reasons:
            text = _catalogue()["templates"]["none"]
            reasons = [Reason(code="CH-NONE", text=BilingualText(zh=text["zh"], en=text["en"]))]
        return probability, reasons
