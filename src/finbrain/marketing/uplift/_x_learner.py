"""The X-learner (Künzel et al. 2019), per offer against the control: response models per
arm (as the T-learner), then each arm's imputed effects — a treated customer's outcome minus
the control model's prediction, a control customer's treated-model prediction minus its
outcome — are regressed on the features, and the two effect models are blended by the
share of the arm: τ(x) = g τ₀(x) + (1 − g) τ₁(x), g = P(offer | offer or control). The campaign
is randomised, so g is the arms' share (a constant), not a model."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from finbrain.core.boosting import lightgbm_binary_params
from finbrain.marketing.propensity import Propensity
from finbrain.marketing.uplift._base import Rows, UpliftModel, probability


class XLearner(UpliftModel):
    """Response models per arm (``models_``), effect models per offer (``effects_``: label ->
    (τ₀ on control rows, τ₁ on treated rows)) and their blend ``shares_`` (label -> g). The
    effect regressors use the estimator's LightGBM settings with a squared-error objective."""

    def fit(self, X: Any, y: Any, treatment: Any) -> XLearner:  # noqa: N803
        arms = self._arms(X, y, treatment)
        self.models_: dict[str, Propensity] = {}
        for label in (arms.control, *arms.treatments):
            rows = arms.rows(label)
            self.models_[label] = self._fit_arm(arms, rows, arms.y[rows], label)
        control = arms.rows(arms.control)
        control_frame = arms.frame.iloc[control]
        self.effects_: dict[str, tuple[lgb.Booster, lgb.Booster]] = {}
        self.shares_: dict[str, float] = {}
        for label in arms.treatments:
            treated = arms.rows(label)
            treated_frame = arms.frame.iloc[treated]
            d1 = arms.y[treated] - probability(self.models_[arms.control], treated_frame)
            d0 = probability(self.models_[label], control_frame) - arms.y[control]
            self.effects_[label] = (self._effect(control_frame, d0),
                                    self._effect(treated_frame, d1))  # fmt: skip
            self.shares_[label] = len(treated) / (len(treated) + len(control))
        return self

    def _effect(self, frame: pd.DataFrame, target: np.ndarray) -> lgb.Booster:
        settings = self._model()
        params = lightgbm_binary_params(settings, num_threads=2, objective="regression")
        data = lgb.Dataset(
            frame,
            label=target,
            categorical_feature=list(self.columns_.categories) or "auto",
            free_raw_data=True,
        )
        return lgb.train(params, data, num_boost_round=settings.n_estimators)

    def _uplift(self, rows: Rows) -> np.ndarray:
        out = []
        for label in self.treatments_:
            tau0, tau1 = self.effects_[label]
            g = self.shares_[label]
            # the effect boosters were trained on the learner's own columns: the shared matrix
            out.append(
                g * np.asarray(tau0.predict(rows.matrix))
                + (1 - g) * np.asarray(tau1.predict(rows.matrix))
            )
        return np.column_stack(out)
