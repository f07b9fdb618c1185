"""Churn propensity on the bank churn data: discriminates and is calibrated on a hold-out, keeps
scikit-learn's contract, leaves protected attributes out, and each customer's decision carries
the reasons that raise the propensity, zh and en."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from finbrain.core.canonical import digest
from finbrain.core.decision import ModelRef
from finbrain.datasets.profile import load_churn
from finbrain.profile.churn import ChurnModel
from finbrain.profile.decision import decide_churn
from finbrain.profile.errors import ProfileInputError

IDS = ["RowNumber", "CustomerId", "Surname"]


@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    data = load_churn()
    X, y = data.drop(columns=[*IDS, "Exited"]), data["Exited"].to_numpy()
    parts = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    return parts[0], parts[1], parts[2], parts[3]


@pytest.fixture(scope="module")
def model(split) -> ChurnModel:  # type: ignore[no-untyped-def]
    X_train, _, y_train, _ = split
    return ChurnModel(n_estimators=120, learning_rate=0.06).fit(X_train, y_train)


def test_discriminates_and_is_calibrated(model: ChurnModel, split) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, y_test = split
    churn = model.predict_proba(X_test)[:, 1]
    assert roc_auc_score(y_test, churn) > 0.83  # 0.86 measured on this split
    assert abs(churn.mean() - y_test.mean()) < 0.02  # calibrated: the mean is the rate
    top = churn >= np.quantile(churn, 0.9)
    assert y_test[top].mean() > 0.6  # a tenth of customers, most of whom leave
    assert model.protected_ == ["Gender"] and "Gender" not in model.features_
    assert model.categories_ == {"Geography": ["France", "Germany", "Spain"]}


def test_reasons_agree_with_the_probability(model: ChurnModel, split) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, _ = split
    records = X_test.head(20).to_dict("records")
    probabilities = model.predict_proba(X_test.head(20))[:, 1]
    for record, expected in zip(records, probabilities, strict=True):
        probability, reasons = model.explain_record(record)
        assert probability == expected
        assert 1 <= len(reasons) <= 4
        contributions = [r.contribution for r in reasons]
        assert contributions == sorted(contributions, reverse=True)
        assert all(c > 0 for c in contributions) or reasons[0].code == "CH-NONE"
    inactive = {**records[0], "IsActiveMember": False, "NumOfProducts": 1, "Age": 58}
    _, reasons = model.explain_record(inactive)
    codes = {r.code for r in reasons}
    assert {"CH-AGE", "CH-ACTIVE"} <= codes
    active = next(r for r in reasons if r.code == "CH-ACTIVE")
    assert active.text.zh == "是否活跃客户：否，推高流失倾向"
    assert active.text.en == "Active member: no, which raises the churn propensity"


def test_the_decision_of_one_customer(model: ChurnModel, split) -> None:  # type: ignore[no-untyped-def]
    _, X_test, _, _ = split
    record = {**X_test.iloc[0].to_dict(), "IsActiveMember": False, "Age": 61}
    ref = ModelRef(id="churn", version="1")
    decision = decide_churn(model, record, customer_id="C-1001", model_ref=ref)
    assert (decision.capability, decision.action, decision.tenant_id) == ("profile", "churn", "")
    assert decision.subject.id == "C-1001" and decision.model == ref
    assert decision.outcome == ("likely_churn" if decision.score >= 0.5 else "likely_stay")  # type: ignore[operator]
    assert decision.grade in {"high", "medium", "low"} and decision.reasons
    plain = {k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()}
    assert decision.input_digest == digest({"customer_id": "C-1001", "features": plain})
    # a missing value is scored as missing and recorded as null, an unseen country as missing
    odd = decide_churn(model, {**record, "Balance": np.nan, "Geography": "Italy"}, customer_id="C2")
    assert 0 <= odd.score <= 1  # type: ignore[operator]
    low = decide_churn(model, record, customer_id="C-1001", threshold=0.99)
    assert low.outcome == "likely_stay"


def test_bad_input_is_named(model: ChurnModel, split) -> None:  # type: ignore[no-untyped-def]
    X_train, X_test, y_train, _ = split
    record = X_test.iloc[0].to_dict()
    cases = [
        (lambda: decide_churn(model, record, customer_id="no spaces"), "customer_id",
         "bank_reference_1_to_128"),
        (lambda: decide_churn(model, record, customer_id="c", threshold=1.0), "threshold",
         "between_0_and_1"),
        (lambda: decide_churn(model, {**record, "Age": 2**60}, customer_id="c"), "features.Age",
         "safe_integer"),
        (lambda: decide_churn(model, {"Age": 40}, customer_id="c"), "features.CreditScore",
         "required_feature"),
        (lambda: ChurnModel().fit(X_train, np.zeros(len(X_train))), "y", "binary_target"),
        (lambda: ChurnModel().fit(X_train.iloc[:0], y_train[:0]), "X", "non_empty_frame"),
        (lambda: ChurnModel(calibration="beta").fit(X_train, y_train), "calibration",
         "isotonic_or_sigmoid"),
        (lambda: ChurnModel(cv=1).fit(X_train, y_train), "cv", "at_least_2"),
        (lambda: ChurnModel(features=["Age", "Gender"]).fit(X_train, y_train), "Gender",
         "not_protected"),
    ]  # fmt: skip
    for call, field, rule in cases:
        with pytest.raises(ValueError) as err:
            call()
        assert isinstance(err.value, ProfileInputError)
        assert (err.value.field, err.value.rule) == (field, rule)


def test_sklearn_contract(split) -> None:  # type: ignore[no-untyped-def]
    X_train, X_test, y_train, _ = split
    estimator = ChurnModel(n_estimators=30, calibration="sigmoid", protected=())
    fitted = clone(estimator).fit(X_train, y_train)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() == estimator.get_params()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]
    assert {"booster_", "calibrator_", "features_", "classes_"} <= set(vars(fitted))
    assert "Gender" in fitted.features_ and fitted.protected_ == []
    pipe = Pipeline([("churn", clone(estimator))]).fit(X_train, y_train)
    proba = pipe.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(pipe.predict(X_test)) <= {0, 1} and list(pipe.classes_) == [0, 1]
    np.testing.assert_array_equal(proba, fitted.predict_proba(X_test))  # seeded: the same model
