"""The GBM challenger: LightGBM with monotone constraints, reasons from TreeSHAP.

Monotone constraints keep the model explainable to a credit committee (more delinquency never
lowers risk); each applicant's reasons are the features whose exact TreeSHAP contributions pushed
the predicted risk up the most. The model is saved in LightGBM's own text format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from finbrain.core.boosting import lightgbm_binary_params
from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError
from finbrain.credit.categories import category_keys
from finbrain.credit.protected import protected_columns
from finbrain.credit.reasons import reason

MAX_REASONS = 4


class GBMChallenger(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """LightGBM with monotone constraints. ``protected`` as for the scorecard: ``None`` leaves
    out sex and marital status (:mod:`finbrain.credit.protected`), ``()`` nothing; the columns
    left out are ``protected_`` and are saved with the model. A scikit-learn classifier
    (``clone``, ``Pipeline``): ``predict_proba`` gives P(good), P(bad) (``classes_`` [0, 1])."""

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        monotone: Mapping[str, int] | str | None = "auto",
        n_estimators: int = 1000,
        learning_rate: float = 0.01,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample: float = 0.8,
        random_state: int = 0,
        protected: Sequence[str] | None = None,
    ) -> None:
        self.features = features
        self.monotone = monotone
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.random_state = random_state
        self.protected = protected

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        missing = [f for f in self.features_ if f not in X.columns]
        if missing:
            raise ValidationError(field=missing[0], rule="required_feature")
        frame = X[self.features_].copy()
        for f, categories in self.categories_.items():
            # Unseen categories become missing (LightGBM's documented handling), explicitly.
            text = category_keys(frame[f])
            known = text.where(text.isin(categories)).astype(object)
            frame[f] = known.astype(pd.CategoricalDtype(categories))
        return frame

    def fit(self, X: pd.DataFrame, y: Any) -> GBMChallenger:  # noqa: N803
        target = np.asarray(y, dtype=float)
        if not set(np.unique(target)) <= {0.0, 1.0} or len(np.unique(target)) != 2:
            raise ValidationError(field="y", rule="binary_target")
        self.protected_ = protected_columns(X.columns, self.protected)
        if self.features:
            named = [f for f in self.features if f in self.protected_]
            if named:
                raise ValidationError(
                    f"{named[0]} is a protected attribute and cannot be a feature",
                    field=named[0],
                    rule="not_protected",
                )
            self.features_ = list(self.features)
        else:
            self.features_ = [f for f in X.columns if f not in self.protected_]
        self.categories_ = {
            f: sorted(category_keys(X[f].dropna()).unique().tolist())
            for f in self.features_
            if not pd.api.types.is_numeric_dtype(X[f].dtype)
            or isinstance(X[f].dtype, pd.CategoricalDtype)
        }
        frame = self._frame(X)
        constraints = []
        for f in self.features_:
            if f in self.categories_:
                constraints.append(0)
            elif isinstance(self.monotone, Mapping):
                constraints.append(int(self.monotone.get(f, 0)))
            elif self.monotone == "auto":  # the direction the data shows, by rank correlation
                rho = pd.Series(frame[f].to_numpy()).rank().corr(pd.Series(target).rank())
                constraints.append(
                    0 if not np.isfinite(rho) or abs(rho) < 0.02 else int(np.sign(rho))
                )
            else:
                constraints.append(0)
        self.monotone_constraints_ = dict(zip(self.features_, constraints, strict=True))
        params = lightgbm_binary_params(
            self,
            num_threads=2,
            monotone_constraints=constraints,
            monotone_constraints_method="advanced",
        )
        data = lgb.Dataset(
            frame,
            label=target,
            categorical_feature=list(self.categories_) or "auto",
            free_raw_data=False,
        )
        self.booster_ = lgb.train(params, data, num_boost_round=self.n_estimators)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """P(good), P(bad) per row (columns ``classes_``)."""
        bad = np.asarray(self.booster_.predict(self._frame(X)), dtype=float)
        return np.column_stack((1.0 - bad, bad))

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """1 (bad) where P(bad) >= 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def explain_record(self, record: Mapping[str, Any]) -> tuple[float, list[Reason]]:
        """P(bad) and up to four adverse reasons (largest positive TreeSHAP contributions)."""
        frame = self._frame(pd.DataFrame([dict(record)]))
        contrib = np.asarray(self.booster_.predict(frame, pred_contrib=True))[0]
        probability = float(self.booster_.predict(frame)[0])
        ranked = sorted(
            ((float(c), f) for c, f in zip(contrib[:-1], self.features_, strict=True) if c > 0),
            reverse=True,
        )
        reasons = []
        for c, f in ranked[:MAX_REASONS]:
            value = record.get(f)
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            reasons.append(
                reason(
                    f, "missing" if missing else "adverse", -c, bin_label=f"{value}", value=value
                )
            )
        return probability, reasons

    def to_text(self) -> str:
        """LightGBM's native text model (inspectable, no pickle)."""
        return str(self.booster_.model_to_string())


FORMAT = "finbrain-gbm/v1"


def to_json(model: GBMChallenger) -> str:
    """The model as inspectable text: features, categories, constraints, LightGBM's own model."""
    import json

    return json.dumps(
        {
            "format": FORMAT,
            "features": model.features_,
            "categories": model.categories_,
            "monotone_constraints": model.monotone_constraints_,
            "protected": list(getattr(model, "protected_", [])),
            "lightgbm": model.to_text(),
        },
        ensure_ascii=False,
    )


def from_json(text: str) -> GBMChallenger:
    import json

    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValidationError(field="format", rule=FORMAT)
    model = GBMChallenger(features=data["features"])
    model.features_ = list(data["features"])
    model.categories_ = {k: list(v) for k, v in data["categories"].items()}
    model.monotone_constraints_ = dict(data["monotone_constraints"])
    model.protected_ = list(data.get("protected", []))
    model.booster_ = lgb.Booster(model_str=data["lightgbm"])
    model.classes_ = np.array([0, 1])
    return model
