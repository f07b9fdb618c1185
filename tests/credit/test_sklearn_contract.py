"""The credit estimators keep scikit-learn's contract: ``clone`` gives an unfitted copy with
equal parameters, and each one fits and predicts inside a ``Pipeline``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from finbrain.credit.binning import OptimalBinning
from finbrain.credit.calibration import Calibrator
from finbrain.credit.challenger import GBMChallenger
from finbrain.credit.scorecard import Scorecard
from finbrain.datasets import load_german

TARGET = "creditability"


@pytest.fixture(scope="module")
def german() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_german()
    return data.drop(columns=[TARGET]), data[TARGET].to_numpy()


ESTIMATORS = [
    Scorecard(max_n_bins=5, min_iv=0.01, protected=()),
    GBMChallenger(n_estimators=40, num_leaves=7, monotone=None),
    Calibrator("platt"),
    OptimalBinning(name="duration", max_n_bins=4, special_values=(-999,)),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_is_unfitted_with_equal_params(estimator: object, german) -> None:  # type: ignore[no-untyped-def]
    X, y = german
    fitted = clone(estimator)
    if isinstance(fitted, OptimalBinning):
        fitted.fit(X["duration_in_month"], y)
    elif isinstance(fitted, Calibrator):
        fitted.fit(np.arange(len(y), dtype=float), y)
    else:
        fitted.fit(X, y)
    copy = clone(fitted)
    assert type(copy) is type(estimator)
    assert copy.get_params() == fitted.get_params() == estimator.get_params()  # type: ignore[attr-defined]
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]
    assert [k for k in vars(fitted) if k.endswith("_") and not k.startswith("_")]
    assert copy.set_params(**copy.get_params()) is copy


def test_scorecard_in_a_pipeline(german) -> None:  # type: ignore[no-untyped-def]
    X, y = german
    pipe = Pipeline([("card", Scorecard(max_n_bins=5))]).fit(X, y)
    card = pipe.named_steps["card"]
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(card.classes_) == [0, 1]
    assert set(pipe.predict(X)) <= {0, 1}
    # points are the scorecard's own numbers; the PD is what they imply
    points = card.points(X).astype(float)
    assert np.allclose(proba[:, 1], 1 / (1 + np.exp((points - card.offset_) / card.factor_)))
    assert np.allclose(
        proba[:5, 1], [card.score_record(r).probability_bad for r in X.head(5).to_dict("records")]
    )
    assert 0.5 < pipe.score(X, y) <= 1.0  # scikit-learn's score: accuracy, not points


def test_gbm_in_a_pipeline(german) -> None:  # type: ignore[no-untyped-def]
    X, y = german
    pipe = Pipeline([("gbm", GBMChallenger(n_estimators=40))]).fit(X, y)
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    record = X.iloc[0].to_dict()
    assert proba[0, 1] == pytest.approx(pipe.named_steps["gbm"].explain_record(record)[0])
    assert set(pipe.predict(X)) <= {0, 1}


def test_binning_then_logistic_regression_in_a_pipeline(german) -> None:  # type: ignore[no-untyped-def]
    X, y = german
    column = X[["duration_in_month"]]
    pipe = Pipeline([("bin", OptimalBinning(name="duration")), ("lr", LogisticRegression())])
    pipe.fit(column, y)
    woe = pipe.named_steps["bin"].transform(column)
    assert woe.shape == (len(X), 1)
    vector = OptimalBinning(name="duration").fit(X["duration_in_month"], y)
    assert np.array_equal(woe[:, 0], vector.transform(X["duration_in_month"]))
    assert pipe.predict_proba(column).shape == (len(X), 2)
    assert OptimalBinning().fit_transform(column, y).shape == (len(X), 1)


def test_calibrator_in_a_pipeline(german) -> None:  # type: ignore[no-untyped-def]
    X, y = german
    points = Scorecard().fit(X, y).points(X).astype(float)
    pipe = Pipeline([("cal", Calibrator())]).fit(points.reshape(-1, 1), y)
    pd_ = pipe.predict_proba(points.reshape(-1, 1))[:, 1]
    assert np.allclose(pd_, Calibrator().fit(points, y).predict_proba(points)[:, 1])
    assert np.all(np.diff(pd_[np.argsort(points)]) <= 1e-12)  # higher score, lower PD
