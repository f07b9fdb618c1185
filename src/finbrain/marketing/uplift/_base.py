"""What every uplift learner shares: the arms of a randomised campaign (a control and one or
more treatments, i.e. offers), the columns the learners read, and ``predict`` as one column of
uplift per treatment: P(respond | offer) − P(respond | no offer)."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from finbrain.core.errors import ValidationError
from finbrain.marketing._columns import Columns, binary_target
from finbrain.marketing.propensity import Propensity

DEFAULT_PATIENCE = 30  # rounds without a better held-out log loss before an arm stops growing


@dataclass(frozen=True)
class Arms:
    """The training rows as the learners need them: aligned features, 0/1 outcomes, labels."""

    frame: pd.DataFrame
    y: np.ndarray
    labels: np.ndarray  # treatment label of each row, as text
    control: str
    treatments: tuple[str, ...]

    def rows(self, label: str) -> np.ndarray:
        return np.flatnonzero(self.labels == label)


def treatment_labels(treatment: Any, n: int) -> np.ndarray:
    labels = pd.Series(np.asarray(treatment, dtype=object).ravel()).map(
        lambda v: None if pd.isna(v) else str(v)
    )
    if len(labels) != n:
        raise ValidationError(field="treatment", rule="same_length_as_X")
    if labels.isna().any():
        raise ValidationError(field="treatment", rule="no_missing_labels")
    return labels.to_numpy(dtype=object)


@dataclass(frozen=True)
class Rows:
    """Customers to score, aligned once (``frame``) and as LightGBM's float ``matrix``: every
    arm's model reads the same matrix, so a five-offer model converts the rows once, not six
    times."""

    frame: pd.DataFrame
    matrix: np.ndarray
    columns: Columns

    def of(self, model: Propensity) -> np.ndarray:
        """The matrix as ``model`` reads it (its own when an arm lacked a category level)."""
        if model.columns_ == self.columns:
            return self.matrix
        return model.columns_.matrix(self.frame)


class UpliftModel(BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Base of the uplift learners. ``control``: the label of the no-offer arm; every other
    label in ``treatment`` is an offer (``treatments_``, sorted). ``estimator``: the
    :class:`~finbrain.marketing.Propensity` each arm's model is cloned from (default: an
    uncalibrated one whose number of trees is chosen by early stopping on a fifth of the arm:
    an arm is a fraction of the pilot and needs fewer trees than a model of all of it).
    ``features``: the columns to use (default: all of ``X``)."""

    def __init__(
        self,
        *,
        control: Any = "control",
        estimator: Propensity | None = None,
        features: list[str] | None = None,
    ) -> None:
        self.control = control
        self.estimator = estimator
        self.features = features

    def _model(self) -> Propensity:
        if self.estimator is None:
            return Propensity(calibration="none", n_iter_no_change=DEFAULT_PATIENCE)
        if not isinstance(self.estimator, Propensity):
            raise ValidationError(field="estimator", rule="a_marketing_Propensity")
        model: Propensity = clone(self.estimator)
        return model

    def _arms(self, X: Any, y: Any, treatment: Any) -> Arms:  # noqa: N803
        self.columns_ = Columns.learn(X, self.features)
        frame = self.columns_.frame(X)
        target = binary_target(y, len(frame))
        labels = treatment_labels(treatment, len(frame))
        control = str(self.control)
        present = sorted(set(labels))
        if control not in present:
            raise ValidationError(field="treatment", rule="control_label_present", control=control)
        treatments = tuple(t for t in present if t != control)
        if not treatments:
            raise ValidationError(field="treatment", rule="at_least_one_treatment")
        self.treatments_ = list(treatments)
        self.control_ = control
        return Arms(frame.reset_index(drop=True), target, labels, control, treatments)

    def _fit_arm(self, arms: Arms, rows: np.ndarray, target: np.ndarray, label: str,
                 weight: np.ndarray | None = None) -> Propensity:  # fmt: skip
        if len(np.unique(target)) != 2:
            raise ValidationError(field=f"y[treatment={label}]", rule="both_outcomes_present")
        return self._model().fit(arms.frame.iloc[rows], target, sample_weight=weight)

    @abstractmethod
    def fit(self, X: Any, y: Any, treatment: Any) -> UpliftModel:  # noqa: N803
        """Learn from a randomised campaign: customers ``X``, outcomes ``y``, arms
        ``treatment``."""

    @abstractmethod
    def _uplift(self, rows: Rows) -> np.ndarray: ...

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """Uplift per row and treatment: shape (rows, ``len(treatments_)``)."""
        frame = self.columns_.frame(X)
        return self._uplift(Rows(frame, self.columns_.matrix(frame), self.columns_))

    def best(self, X: Any) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
        """The treatment with the highest uplift per row, and that uplift."""
        uplift = self.predict(X)
        index = np.argmax(uplift, axis=1)
        return np.asarray(self.treatments_, dtype=object)[index], uplift[
            np.arange(len(index)), index
        ]


def probability(model: Propensity, rows: Rows | pd.DataFrame) -> np.ndarray:
    if isinstance(rows, Rows):
        return model.calibrated(model.raw_of_matrix(rows.of(model)))
    return np.asarray(model.predict_proba(rows)[:, 1], dtype=float)
