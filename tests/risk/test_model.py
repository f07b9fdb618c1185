"""The risk model on a real slice of the handbook stream: scores, reasons, storage, fast path."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from finbrain.core.errors import ValidationError
from finbrain.datasets import load_fraud_handbook
from finbrain.risk.events import frame_from_handbook
from finbrain.risk.model import RiskModel, extended_feature_set, reason_for
from finbrain.risk.windows import FeatureSet
from finbrain.risk.windows_sql import to_sql

SPLIT = pd.Timestamp("2018-05-06", tz="UTC")


@pytest.fixture(scope="module")
def features() -> tuple[FeatureSet, pd.DataFrame]:
    """April 1 - May 15, customers 0-1199: ~100k payments with the model's 45 features."""
    raw = load_fraud_handbook()
    raw = raw[(raw["TX_TIME_DAYS"] < 45) & (raw["CUSTOMER_ID"] < 1200)]
    events = frame_from_handbook(raw)
    fs = extended_feature_set()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.register("events", events)
    frame = con.execute(to_sql(fs, "events")).df()
    return fs, frame


@pytest.fixture(scope="module")
def model(features: tuple[FeatureSet, pd.DataFrame]) -> RiskModel:
    fs, frame = features
    train = frame[frame["occurred_at"] < SPLIT]
    return RiskModel(n_estimators=150, learning_rate=0.05).fit(
        train, train["is_fraud"], feature_set=fs
    )


def _test(features: tuple[FeatureSet, pd.DataFrame]) -> pd.DataFrame:
    return features[1][features[1]["occurred_at"] >= SPLIT]


def test_scores_are_probabilities_that_rank_fraud(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    fs, _ = features
    test = _test(features)
    assert model.feature_names == list(fs.names) and model.feature_set_digest == fs.digest
    scores = model.fraud_probability(test)
    assert scores.shape == (len(test),)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert test["is_fraud"].sum() > 50
    assert roc_auc_score(test["is_fraud"], scores) > 0.85
    # Column order does not matter in a frame; a missing feature is named.
    shuffled = test[list(reversed(fs.names))]
    assert np.array_equal(model.fraud_probability(shuffled), scores)
    with pytest.raises(ValidationError) as caught:
        model.fraud_probability(test.drop(columns=["term_risk_7d"]))
    assert caught.value.field == "term_risk_7d"


def test_reasons_are_the_largest_treeshap_contributions(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    test = _test(features)
    scores = model.fraud_probability(test)
    row = test.iloc[int(np.argmax(scores))]
    reasons = model.explain(row, top=4)
    assert 1 <= len(reasons) <= 4
    contributions = [r.contribution for r in reasons]
    assert contributions == sorted(contributions, reverse=True) and contributions[-1] > 0
    for r in reasons:
        assert r.text.zh and r.text.en and r.code.startswith("RK-") and r.feature
        assert r.feature in model.feature_names
    # They are the top positive pred_contrib entries, which add up to the raw score.
    x = row[model.feature_names].to_numpy(dtype=float).reshape(1, -1)
    contrib = model.booster_.predict(x, pred_contrib=True)[0]
    assert contrib.sum() == pytest.approx(model.raw_score(x)[0], abs=1e-9)
    best = np.argsort(-contrib[:-1], kind="stable")[: len(reasons)]
    assert [model.feature_names[i] for i in best] == [r.feature for r in reasons]
    assert reasons[0].contribution == pytest.approx(float(contrib[best[0]]))
    # Known features read from the catalogue, in both languages.
    terminal = reason_for("term_risk_7d", 0.5, 1.0)
    assert terminal.code == "RK-TERM-RISK-7D" and "终端" in terminal.text.zh
    assert "0.5" in terminal.text.en


def test_unknown_features_get_a_generic_reason() -> None:
    r = reason_for("my_new_window_3d", 12.0, 0.25)
    assert r.code == "RK-MY-NEW-WINDOW-3D" and "my_new_window_3d" in r.text.en
    assert "my_new_window_3d" in r.text.zh and r.value == 12.0
    missing = reason_for("cust_avg_amount_60d_d14", float("nan"), 0.1)
    assert missing.code.endswith("-MISSING") and missing.value is None


def test_json_round_trip_scores_identically(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    test = _test(features)
    model.metrics = {"ap": 0.5}
    text = model.to_json()
    data = json.loads(text)
    assert data["format"] == "finbrain-risk-gbm/v1" and data["lightgbm"].startswith("tree")
    assert data["feature_set_digest"] == features[0].digest
    again = RiskModel.from_json(text)
    assert np.array_equal(again.fraud_probability(test), model.fraud_probability(test))
    assert again.feature_names == model.feature_names and again.metrics == {"ap": 0.5}
    assert again.explain(test.iloc[0]) == model.explain(test.iloc[0])
    with pytest.raises(ValidationError):
        RiskModel.from_json(json.dumps({**data, "format": "pickle"}))
    with pytest.raises(ValidationError):
        RiskModel.from_json(json.dumps({**data, "features": data["features"][::-1]}))


def test_single_row_fast_path_equals_lightgbm(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    test = _test(features).iloc[:300]
    batch = model.fraud_probability(test)
    raw = model.booster_.predict(test[model.feature_names].to_numpy(float), raw_score=True)
    assert np.allclose(batch, 1 / (1 + np.exp(-raw)), rtol=0, atol=1e-9)
    records = test[model.feature_names].to_dict(orient="records")
    for i in range(0, 300, 7):
        assert abs(model.score_row(records[i]) - batch[i]) <= 1e-9
        assert abs(model.score_row(test.iloc[i]) - batch[i]) <= 1e-9
    with pytest.raises(ValidationError):
        model.score_row([1.0, 2.0])


def test_fit_validates_its_input(features) -> None:  # type: ignore[no-untyped-def]
    fs, frame = features
    small = frame.iloc[:2000]
    with pytest.raises(ValidationError):
        RiskModel().fit(small, np.full(len(small), 2))
    with pytest.raises(ValidationError):
        RiskModel().fit(small[list(fs.names)].to_numpy(), small["is_fraud"])  # no names
    with pytest.raises(ValidationError):
        RiskModel().fraud_probability(small)  # not fitted


def test_fast_contributions_are_lightgbms_exactly(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    test = _test(features).iloc[:400]
    matrix = test[model.feature_names].to_numpy(dtype=np.float64)
    reference = model.booster_.predict(matrix, pred_contrib=True)
    raw = model.raw_score(matrix)
    for i in range(0, 400, 9):
        fast = model.contributions(matrix[i])
        assert np.array_equal(fast, reference[i])  # bit-identical, not approximately
        assert fast.sum() == pytest.approx(raw[i], abs=1e-9)
        # Every input form reaches the same numbers; a column slice (not contiguous) too.
        assert np.array_equal(model.contributions(test.iloc[i]), fast)
        assert np.array_equal(model.contributions(matrix[i : i + 1]), fast)
        wide = np.repeat(matrix[i : i + 1], 2, axis=0).T.copy().T[0]
        assert np.array_equal(model.contributions(wide), fast)
        reasons = model.explain(matrix[i], top=3)
        positive = [j for j in np.argsort(-fast[:-1], kind="stable") if fast[j] > 0][:3]
        assert [r.feature for r in reasons] == [model.feature_names[j] for j in positive]
        assert [r.contribution for r in reasons] == [float(fast[j]) for j in positive]
    with pytest.raises(ValidationError):
        model.contributions(matrix[0, :-1])
    # A refitted or reloaded model predicts with its own booster, not a cached one.
    again = RiskModel.from_json(model.to_json())
    assert np.array_equal(again.contributions(matrix[0]), model.contributions(matrix[0]))
    small = RiskModel(n_estimators=5, num_leaves=4)
    train = features[1].iloc[:20000]
    small.fit(train, train["is_fraud"], feature_set=features[0])
    first = small.contributions(matrix[0])
    small.n_estimators = 10
    small.fit(train, train["is_fraud"], feature_set=features[0])
    assert np.array_equal(
        small.contributions(matrix[0]),
        small.booster_.predict(matrix[:1], pred_contrib=True)[0],
    )
    assert not np.array_equal(small.contributions(matrix[0]), first)


def test_small_batches_score_as_booster_predict_exactly(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    """The engine's calls (one row, micro-batches) skip the Python route: same bits."""
    test = _test(features)
    matrix = test[model.feature_names].to_numpy(dtype=np.float64)[:300]
    reference = model.booster_.predict(matrix, num_threads=1)
    assert np.array_equal(model.fraud_probability(matrix), reference)  # 300 rows: the direct C call
    for size in (1, 16, 64):
        got = np.concatenate(
            [model.fraud_probability(matrix[k : k + size]) for k in range(0, 300, size)]
        )
        assert np.array_equal(got, reference)
    assert np.array_equal(model.fraud_probability(matrix[7]), reference[7:8])  # one row, 1-D
    assert np.array_equal(model.fraud_probability(np.asfortranarray(matrix[:16])), reference[:16])
    many = np.tile(matrix, (4, 1))  # 1,200 rows: Booster.predict with the model's threads
    assert np.array_equal(model.fraud_probability(many), np.tile(reference, 4))


def test_scikit_learn_contract(model: RiskModel, features) -> None:  # type: ignore[no-untyped-def]
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    fs, frame = features
    test = _test(features)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]
    assert list(model.classes_) == [0, 1] and model.feature_names_ == list(fs.names)
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 2)
    assert np.array_equal(proba[:, 1], model.fraud_probability(test))
    assert np.array_equal(model.predict(test), (proba[:, 1] >= 0.5).astype(np.int64))
    assert 0.9 < model.score(test, test["is_fraud"]) <= 1.0  # scikit-learn's: accuracy
    with pytest.raises(TypeError):  # no y: score is scikit-learn's metric, never P(fraud)
        model.score(test)

    train = frame[frame["occurred_at"] < SPLIT].iloc[:20000]
    pipe = Pipeline([("model", RiskModel(n_estimators=20))]).fit(
        train[list(fs.names)], train["is_fraud"]
    )
    assert pipe.predict_proba(test[list(fs.names)]).shape == (len(test), 2)
    assert set(pipe.predict(test[list(fs.names)])) <= {0, 1}
