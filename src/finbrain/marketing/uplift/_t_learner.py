"""The T-learner (two models): one response model per arm; the uplift of an offer is its
model's P(respond) minus the control model's (Künzel et al. 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np

from finbrain.marketing.propensity import Propensity
from finbrain.marketing.uplift._base import Rows, UpliftModel, probability


class TLearner(UpliftModel):
    """Uplift as the difference of per-arm response models (``models_``: label -> model)."""

    def fit(self, X: Any, y: Any, treatment: Any) -> TLearner:  # noqa: N803
        arms = self._arms(X, y, treatment)
        self.models_: dict[str, Propensity] = {}
        for label in (arms.control, *arms.treatments):
            rows = arms.rows(label)
            self.models_[label] = self._fit_arm(arms, rows, arms.y[rows], label)
        return self

    def _uplift(self, rows: Rows) -> np.ndarray:
        base = probability(self.models_[self.control_], rows)
        return np.column_stack([probability(self.models_[t], rows) - base
                                for t in self.treatments_])  # fmt: skip
