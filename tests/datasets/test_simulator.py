"""The card-transaction simulator: determinism, the handbook's fraud rules, its published scale."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finbrain.core.errors import ValidationError
from finbrain.datasets.fraud import FRAUD_COLUMNS, load_fraud_handbook
from finbrain.datasets.simulator import simulate, stream

SMALL = {"n_customers": 600, "n_terminals": 1200, "days": 60, "seed": 7}


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return simulate(**SMALL)


def test_same_seed_same_frame_other_seed_differs(small: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(small, simulate(**SMALL))
    other = simulate(**{**SMALL, "seed": 8})
    assert len(other) != len(small) or not other["TX_AMOUNT"].equals(small["TX_AMOUNT"])


def test_columns_and_clock(small: pd.DataFrame) -> None:
    assert tuple(small.columns) == FRAUD_COLUMNS
    assert str(small["TX_DATETIME"].dtype) == "datetime64[ns, UTC]"
    assert (small["TRANSACTION_ID"] == np.arange(len(small))).all()
    seconds = small["TX_TIME_SECONDS"]
    assert seconds.is_monotonic_increasing
    assert (seconds // 86_400 == small["TX_TIME_DAYS"]).all()
    assert ((seconds % 86_400) > 0).all()  # the handbook drops times outside (0, 86400)
    expected = pd.Timestamp("2018-04-01", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    assert (small["TX_DATETIME"] == expected).all()
    assert small["TX_TIME_DAYS"].between(0, SMALL["days"] - 1).all()
    assert (small["TX_AMOUNT"] >= 0).all()


def test_fraud_scenarios_hold_exactly(small: pd.DataFrame) -> None:
    amount, scenario = small["TX_AMOUNT"], small["TX_FRAUD_SCENARIO"]
    assert (small["TX_FRAUD"] == (scenario > 0)).all()
    # Scenario 1: every amount above 220 is fraud, and only such amounts are scenario 1.
    assert (small.loc[amount > 220, "TX_FRAUD"] == 1).all()
    assert (amount[scenario == 1] > 220).all()
    assert (amount[scenario == 0] <= 220).all()
    # Scenario 2 compromises a terminal for whole days: no genuine payment there that day.
    s2 = small.loc[scenario == 2, ["TERMINAL_ID", "TX_TIME_DAYS"]].drop_duplicates()
    same_day = small.merge(s2, on=["TERMINAL_ID", "TX_TIME_DAYS"])
    assert len(s2) > 0 and (same_day["TX_FRAUD"] == 1).all()
    # Scenario 3 multiplies a cents amount by 5: the cents are a multiple of 5.
    cents = np.round(amount[scenario == 3].to_numpy() * 100).astype(np.int64)
    assert len(cents) > 0 and (cents % 5 == 0).all()
    # All three scenarios occur.
    assert set(scenario.unique()) == {0, 1, 2, 3}


def test_inputs_are_checked() -> None:
    with pytest.raises(ValidationError) as err:
        simulate(n_customers=0)
    assert err.value.field == "n_customers"
    with pytest.raises(ValidationError):
        simulate(radius=0)


def test_stream_events_are_json_ready_and_time_ordered() -> None:
    frame = simulate(n_customers=80, n_terminals=200, days=10, seed=3)
    events = list(stream(n_customers=80, n_terminals=200, days=10, seed=3, include_labels=True))
    assert len(events) == len(frame)
    json.dumps(events)
    stamps = [e["occurred_at"] for e in events]
    assert stamps == sorted(stamps)
    first = events[0]
    assert set(first) >= {
        "event_id",
        "kind",
        "occurred_at",
        "amount",
        "currency",
        "customer_id",
        "card_id",
        "terminal_id",
        "channel",
    }
    assert (first["kind"], first["currency"], first["channel"]) == ("card", "EUR", "pos")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["occurred_at"])
    assert all(re.fullmatch(r"\d+\.\d\d", e["amount"]) for e in events)
    total = sum(float(e["amount"]) for e in events)
    assert total == pytest.approx(frame["TX_AMOUNT"].sum(), abs=0.01 * len(events))
    assert sum(e["fraud"] for e in events) == frame["TX_FRAUD"].sum()
    unlabelled = next(iter(stream(n_customers=80, n_terminals=200, days=10, seed=3)))
    assert "fraud" not in unlabelled
    assert list(itertools.islice(stream(n_customers=80, n_terminals=200, days=10, seed=3), 5)) == [
        {k: v for k, v in e.items() if k not in ("fraud", "fraud_scenario")} for e in events[:5]
    ]


@pytest.mark.slow
def test_full_scale_matches_the_published_dataset(real_data: Path) -> None:
    published = load_fraud_handbook(
        columns=["CUSTOMER_ID", "TX_AMOUNT", "TX_FRAUD", "TX_FRAUD_SCENARIO"]
    )
    ours = simulate(seed=0)

    def summary(frame: pd.DataFrame) -> dict[str, float]:
        shares = frame["TX_FRAUD_SCENARIO"].value_counts(normalize=True)
        return {
            "rows": len(frame),
            "fraud": frame["TX_FRAUD"].mean(),
            "s1": shares.get(1, 0.0),
            "s2": shares.get(2, 0.0),
            "s3": shares.get(3, 0.0),
            "tx_per_customer_day": len(frame) / frame["CUSTOMER_ID"].nunique() / 183,
            "mean_amount": frame["TX_AMOUNT"].mean(),
        }

    mine, theirs = summary(ours), summary(published)
    # Published: 1,754,155 rows, 0.84% fraud (s1 0.055%, s2 0.52%, s3 0.26%), 1.92 tx/day.
    assert mine["rows"] == pytest.approx(theirs["rows"], rel=0.05)
    assert mine["tx_per_customer_day"] == pytest.approx(theirs["tx_per_customer_day"], rel=0.05)
    assert mine["mean_amount"] == pytest.approx(theirs["mean_amount"], rel=0.1)
    assert mine["fraud"] == pytest.approx(theirs["fraud"], rel=0.2)
    for key in ("s1", "s2", "s3"):
        assert mine[key] == pytest.approx(theirs[key], rel=0.35), key
