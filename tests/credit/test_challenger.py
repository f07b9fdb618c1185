"""The GBM challenger on real data: Taiwan AUC, monotone constraints hold, TreeSHAP reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from finbrain.core.errors import ValidationError
from finbrain.credit.challenger import GBMChallenger
from finbrain.datasets import load_taiwan

TARGET = "default.payment.next.month"


@pytest.fixture(scope="module")
def taiwan() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    data = load_taiwan().drop(columns=["ID"])
    X, y = data.drop(columns=[TARGET]), data[TARGET].to_numpy()
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=1)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def model(taiwan) -> GBMChallenger:  # type: ignore[no-untyped-def]
    X_train, _, y_train, _ = taiwan
    return GBMChallenger().fit(X_train, y_train)


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_taiwan_auc(model: GBMChallenger, taiwan) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, y_test = taiwan
    assert roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]) >= 0.775


def test_monotone_constraints_hold(model: GBMChallenger, taiwan) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, _ = taiwan
    assert model.monotone_constraints_["PAY_0"] == 1  # later payment → more risk
    base = X_test.iloc[:200].copy()
    previous = None
    for delay in range(-2, 9):
        p = model.predict_proba(base.assign(PAY_0=delay))[:, 1]
        if previous is not None:
            assert (p >= previous - 1e-12).all()
        previous = p


def test_reasons_from_treeshap(model: GBMChallenger, taiwan) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, _ = taiwan
    risky = X_test.iloc[int(np.argmax(model.predict_proba(X_test)[:, 1]))].to_dict()
    probability, reasons = model.explain_record(risky)
    assert probability > 0.5 and 1 <= len(reasons) <= 4
    assert [r.contribution for r in reasons] == sorted(r.contribution for r in reasons)
    assert reasons[0].text.zh and reasons[0].text.en
    assert model.to_text().startswith("tree")
    with pytest.raises(ValidationError):
        model.explain_record({k: v for k, v in risky.items() if k != "PAY_0"})


def test_json_round_trip_predicts_the_same(model: GBMChallenger, taiwan) -> None:  # type: ignore[no-untyped-def]
    from finbrain.credit.challenger import from_json, to_json

    _, X_test, _, _ = taiwan
    clone = from_json(to_json(model))
    assert np.allclose(
        clone.predict_proba(X_test.head(500))[:, 1], model.predict_proba(X_test.head(500))[:, 1]
    )
