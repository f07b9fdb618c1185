"""Calibration, the master scale, and reject inference on a known-good/known-bad split.

Reject inference is tested the way a validator would: on German credit, where every outcome is
known, a previous policy "rejects" the riskiest 40%; the new scorecard is trained on accepts only,
with augmentation and with parcelling, and judged on the whole through-the-door population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from finbrain.core.errors import ValidationError
from finbrain.credit.calibration import Calibrator, MasterScale
from finbrain.credit.reject_inference import augmentation_weights, parcel
from finbrain.credit.scorecard import Scorecard
from finbrain.datasets import load_german


@pytest.fixture(scope="module")
def german():  # type: ignore[no-untyped-def]
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"].to_numpy()
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=3)


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_calibration_tracks_observed_default_rates(german, method: str) -> None:  # type: ignore[no-untyped-def]
    X_train, X_test, y_train, y_test = german
    card = Scorecard().fit(X_train, y_train)
    cal = Calibrator(method).fit(card.points(X_train), y_train)
    pd_test = cal.predict_proba(card.points(X_test))[:, 1]
    assert abs(pd_test.mean() - y_test.mean()) < 0.05
    order = np.argsort(card.points(X_test))
    assert pd_test[order][0] >= pd_test[order][-1]  # lower score, higher PD
    table = MasterScale().table(pd_test, y_test)
    assert table["count"].sum() == len(y_test)
    populated = table[table["count"] >= 20]
    # Grades order risk: rank agreement with the observed rates (small grades are noisy).
    rates = populated["default_rate"].to_numpy()
    assert rates[0] < rates[-1]
    assert pd.Series(rates).corr(pd.Series(range(len(rates))), method="spearman") >= 0.8
    with pytest.raises(ValidationError):
        Calibrator("magic")
    with pytest.raises(ValidationError):
        MasterScale([("A", 0.5), ("B", 0.2)])


def test_reject_inference_on_a_known_good_known_bad_split(german) -> None:  # type: ignore[no-untyped-def]
    X_train, X_test, y_train, y_test = german
    # A previous policy: a scorecard on a third of the data, rejecting its riskiest 40%.
    old = Scorecard().fit(X_train.iloc[:230], y_train[:230])
    old_score = old.points(X_train)
    cutoff = np.quantile(old_score, 0.4)
    # Overrides, as in any real book: some applicants below the cut-off were approved anyway.
    rng = np.random.default_rng(5)
    accepted = (old_score >= cutoff) | (rng.random(len(old_score)) < 0.15)
    X_acc, y_acc = X_train[accepted], y_train[accepted]
    X_rej = X_train[~accepted]

    accepts_only = Scorecard().fit(X_acc, y_acc)
    weights = augmentation_weights(old_score[accepted], old_score[~accepted])
    augmented = Scorecard().fit(X_acc, y_acc, sample_weight=weights)
    X_par, y_par = parcel(X_acc, y_acc, old_score[accepted], X_rej, old_score[~accepted])
    parcelled = Scorecard().fit(X_par, y_par)

    true_rate, accepts_rate = y_train.mean(), y_acc.mean()
    assert accepts_rate < true_rate  # the bias reject inference addresses
    # Parcelling restores most of the through-the-door bad rate the model is trained on.
    assert abs(y_par.mean() - true_rate) < abs(accepts_rate - true_rate)
    # Judged on the whole population, no correction loses materially against accepts-only.
    auc = {
        name: roc_auc_score(y_test, -card.points(X_test))
        for name, card in [
            ("accepts", accepts_only),
            ("augmented", augmented),
            ("parcelled", parcelled),
        ]
    }
    assert auc["augmented"] >= auc["accepts"] - 0.03, auc
    assert auc["parcelled"] >= auc["accepts"] - 0.03, auc
    assert weights.min() >= 1.0 and weights.max() > 1.0
