"""The handbook protocol: removals of known-compromised customers and card precision@k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from finbrain.core.errors import ValidationError
from finbrain.datasets import load_fraud_handbook
from finbrain.risk.protocol import (
    HANDBOOK_TEST_STARTS,
    card_precision_at_k,
    card_precision_per_day,
    evaluate,
    folds,
)

START = pd.Timestamp("2024-01-01")  # naive: read as UTC


def _frame() -> pd.DataFrame:
    """Customers 1-5 pay at 10:00 and 15:00 on days 0..6; frauds as in the test's docstring."""
    fraud_day = {1: 0, 2: 2, 3: 3, 4: 4}  # customer -> the day of its one fraud (15:00 payment)
    rows = []
    for day in range(7):
        for customer in range(1, 6):
            for hour in (10, 15):
                fraud = int(fraud_day.get(customer) == day and hour == 15)
                rows.append((START + pd.Timedelta(days=day, hours=hour), customer, fraud))
    # Exactly at the end of the training period: not a training row.
    rows.append((START + pd.Timedelta(days=2), 5, 0))
    frame = pd.DataFrame(rows, columns=["TX_DATETIME", "CUSTOMER_ID", "TX_FRAUD"])
    return frame.sort_values("TX_DATETIME", kind="stable").reset_index(drop=True)


def test_removals_follow_the_label_delay() -> None:
    """train days 0-1, delay days 2-3, test days 4-6 (train 2 / delay 2 / test 3).

    Customer 1 (fraud in training) is never tested. Customer 2's fraud (day 2, first delay day)
    is known from test day 5 on, customer 3's (day 3) from day 6 on. Customer 4's fraud falls in
    the test week itself, so it stays in every test day, as the genuine customer 5 does.
    """
    df = _frame()
    (fold,) = folds(df, [START], train_days=2, delay_days=2, test_days=3)
    train_days = (df["TX_DATETIME"].iloc[fold.train] - START).dt.days
    assert sorted(set(train_days)) == [0, 1] and len(fold.train) == 20
    epoch_day = (START - pd.Timestamp("1970-01-01")).days
    kept = pd.DataFrame({"day": fold.test_day - epoch_day, "customer": fold.test_customer})
    by_day = kept.groupby("day")["customer"].apply(lambda s: sorted(set(s))).to_dict()
    assert by_day == {4: [2, 3, 4, 5], 5: [3, 4, 5], 6: [4, 5]}
    assert fold.known == (frozenset({1}), frozenset({1, 2}), frozenset({1, 2, 3}))
    assert len(fold.test) == 2 * (4 + 3 + 2)
    assert np.all(np.diff(fold.test) > 0)  # time order
    assert fold.test_label.sum() == 1  # customer 4's fraud on day 4
    # The rows are positions into the frame, and the label arrays describe them.
    assert (df["TX_FRAUD"].to_numpy()[fold.test] == fold.test_label).all()
    full = fold.without_removals()
    assert len(full.test) == 2 * 5 * 3 and full.known == (frozenset(),) * 3
    assert full.test_label.sum() == 1


def test_handbook_defaults_and_start_dates() -> None:
    """7/7/7: with frauds only in the delay week, the known set grows one day at a time."""
    rows = []
    for day in range(21):
        for customer in range(10):
            fraud = int(customer < 7 and day == 7 + customer)  # customer c: fraud on day 7 + c
            rows.append((START + pd.Timedelta(days=day, hours=12), customer, fraud))
    df = pd.DataFrame(rows, columns=["TX_DATETIME", "CUSTOMER_ID", "TX_FRAUD"])
    (fold,) = folds(df, ["2024-01-01"])
    assert [sorted(k) for k in fold.known] == [list(range(i)) for i in range(7)]
    assert [int((fold.test_day == fold.test_day.min() + i).sum()) for i in range(7)] == [
        10 - i for i in range(7)
    ]
    assert fold.test_label.sum() == 0  # every fraud is in the delay week


def test_folds_refuse_bad_input() -> None:
    df = _frame()
    with pytest.raises(ValidationError) as caught:
        list(folds(df.drop(columns=["CUSTOMER_ID"]), [START]))
    assert caught.value.field == "CUSTOMER_ID"
    with pytest.raises(ValidationError):
        list(folds(df, ["2030-01-01"]))  # no training rows
    with pytest.raises(ValidationError):
        list(folds(df.assign(TX_FRAUD=2), [START]))


def test_card_precision_at_k_by_hand() -> None:
    """k = 2.

    day 10: customers 1 (0.9 fraud; its other payment 0.1), 2 (0.8), 3 (0.7 fraud): top-2 is
      {1, 2}, one compromised -> 0.5; customer 1 is caught.
    day 11: 1 (0.95, genuine today) is left out as caught; 3 (0.6 fraud), 5 (0.4 fraud),
      4 (0.3): top-2 {3, 5} -> 1.0 (without leaving 1 out it would be {1, 3} -> 0.5).
    day 12: 3 (caught on day 11) left out; only 6 (0.2 fraud) remains -> 1 / k = 0.5.
    """
    table = [
        (10, 1, 1, 0.9),
        (10, 1, 0, 0.1),
        (10, 2, 0, 0.8),
        (10, 3, 1, 0.7),
        (11, 1, 0, 0.95),
        (11, 3, 1, 0.6),
        (11, 5, 1, 0.4),
        (11, 4, 0, 0.3),
        (12, 3, 1, 0.9),
        (12, 6, 1, 0.2),
    ]
    days, customers, labels, scores = (list(c) for c in zip(*table, strict=True))
    assert card_precision_per_day(days, customers, labels, scores, k=2) == [0.5, 1.0, 0.5]
    assert card_precision_at_k(days, customers, labels, scores, k=2) == pytest.approx(2 / 3)
    # Ties on score go to the lower customer id.
    assert card_precision_per_day([1, 1], [8, 7], [0, 1], [0.5, 0.5], k=1) == [1.0]
    assert card_precision_per_day([1, 1], [6, 7], [0, 1], [0.5, 0.5], k=1) == [0.0]


def test_evaluate_uses_the_filtered_rows() -> None:
    df = _frame()
    (fold,) = folds(df, [START], train_days=2, delay_days=2, test_days=3)
    rng = np.random.default_rng(0)
    scores = rng.random(len(fold.test))
    scores[fold.test_label == 1] = 0.5
    result = evaluate(fold, scores, k=2)
    assert set(result) == {"ap", "auc", "cp100"}
    assert result["ap"] == pytest.approx(average_precision_score(fold.test_label, scores))
    assert result["auc"] == pytest.approx(roc_auc_score(fold.test_label, scores))
    expected = card_precision_at_k(fold.test_day, fold.test_customer, fold.test_label, scores, 2)
    assert result["cp100"] == pytest.approx(expected)
    perfect = evaluate(fold, fold.test_label.astype(float), k=2)
    assert perfect["ap"] == 1.0 and perfect["auc"] == 1.0
    with pytest.raises(ValidationError):
        evaluate(fold, scores[:-1])


def test_real_folds_never_test_a_customer_known_compromised() -> None:
    df = load_fraud_handbook(["TX_DATETIME", "CUSTOMER_ID", "TX_FRAUD"])
    (fold,) = folds(df, HANDBOOK_TEST_STARTS[:1])
    train = df.iloc[fold.train]
    assert train["TX_DATETIME"].min() >= pd.Timestamp("2018-07-04", tz="UTC")
    assert train["TX_DATETIME"].max() < pd.Timestamp("2018-07-11", tz="UTC")
    trained_frauds = set(train.loc[train["TX_FRAUD"] == 1, "CUSTOMER_ID"])
    assert trained_frauds and not trained_frauds & set(fold.test_customer)
    tested = df.iloc[fold.test_all]["TX_DATETIME"]
    assert tested.min() >= pd.Timestamp("2018-07-18", tz="UTC")
    assert tested.max() < pd.Timestamp("2018-07-25", tz="UTC")
    assert 0 < len(fold.test) < len(fold.test_all)
    assert all(a < b for a, b in zip(fold.known, fold.known[1:], strict=False))
