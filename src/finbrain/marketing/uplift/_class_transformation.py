"""Class transformation (the transformed outcome; Jaskowski & Jaroszewicz 2012), a direct
uplift model: one classifier per offer learns z = 1 when (offered and responded) or (not
offered and did not respond). With the two arms weighted to equal total weight,
P(z = 1 | x) = (P(y | x, offer) + 1 − P(y | x, control)) / 2, so the uplift is 2 P(z = 1 | x) − 1
whatever the arms' sizes (the balancing weights generalise the 50/50 original)."""

from __future__ import annotations

from typing import Any

import numpy as np

from finbrain.marketing.propensity import Propensity
from finbrain.marketing.uplift._base import Rows, UpliftModel, probability


class ClassTransformation(UpliftModel):
    """One transformed-outcome classifier per offer against the control (``models_``)."""

    def fit(self, X: Any, y: Any, treatment: Any) -> ClassTransformation:  # noqa: N803
        arms = self._arms(X, y, treatment)
        control = arms.rows(arms.control)
        self.models_: dict[str, Propensity] = {}
        for label in arms.treatments:
            treated = arms.rows(label)
            rows = np.concatenate([treated, control])
            is_treated = np.concatenate([np.ones(len(treated)), np.zeros(len(control))])
            z = np.where(is_treated == 1, arms.y[rows], 1.0 - arms.y[rows])
            weight = np.where(is_treated == 1, 0.5 / len(treated), 0.5 / len(control))
            weight = weight * len(rows)  # mean weight 1: LightGBM's leaf sizes stay meaningful
            self.models_[label] = self._fit_arm(arms, rows, z, label, weight)
        return self

    def _uplift(self, rows: Rows) -> np.ndarray:
        return np.column_stack(
            [2.0 * probability(self.models_[t], rows) - 1.0 for t in self.treatments_]
        )
