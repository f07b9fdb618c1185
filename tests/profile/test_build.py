"""The feature build: hand-computed values on a tiny history, the as-of cut, local time, the
report (unknown categories, negative balances, customers without transactions), the inputs it
reads (frames, Arrow, Parquet) and the bad input it refuses, naming the field and the rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from finbrain.profile.build import build_features
from finbrain.profile.errors import ProfileInputError
from finbrain.profile.features import FeatureCatalog, load_catalog

AS_OF = datetime(2024, 7, 1, tzinfo=UTC)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def tiny() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        [
            (1, utc("2024-06-30 22:00"), 100.00, "travel", "online"),  # a Sunday
            (1, utc("2024-05-15 03:00"), 20.50, "dining", "pos"),
            (1, utc("2024-01-10 12:00"), 9.99, "crypto", "kiosk"),  # unknown: other
            (1, utc("2024-07-02 10:00"), 500.00, "travel", "online"),  # after as_of
            (2, utc("2023-01-01 10:00"), 50.00, "groceries", "mobile"),
        ],
        columns=["customer_id", "ts", "amount", "category", "channel"],
    )
    days = pd.date_range("2024-04-03", periods=89, freq="D", tz="UTC")
    bal = pd.concat(
        [
            pd.DataFrame({"customer_id": 1, "ts": days, "balance": 1000 + 5.0 * np.arange(89)}),
            pd.DataFrame(
                {"customer_id": 2, "ts": [utc("2024-06-01")] * 2, "balance": [-50.0, -20.0]}
            ),
        ],
        ignore_index=True,
    )
    acc = pd.DataFrame(
        [
            (1, utc("2020-07-01"), "current", pd.NaT),
            (1, utc("2024-05-01"), "credit_card", pd.NaT),
            (1, utc("2019-01-01"), "loan", utc("2024-03-01")),
            (3, utc("2024-06-15"), "savings", pd.NaT),
            (3, utc("2024-06-20"), "safe_box", pd.NaT),
        ],
        columns=["customer_id", "opened_at", "product", "closed_at"],
    )
    acc["closed_at"] = pd.to_datetime(acc["closed_at"], utc=True)
    return tx, bal, acc


def test_values_computed_by_hand() -> None:
    build = build_features(*tiny(), as_of=AS_OF)
    one = build.frame.loc[1]
    assert list(build.frame.index) == [1, 2, 3]
    assert one["recency_days"] == pytest.approx(2 / 24)
    assert (one["frequency_30d"], one["frequency_90d"], one["frequency_365d"]) == (1, 2, 3)
    assert (one["monetary_30d"], one["monetary_90d"], one["monetary_365d"]) == (100, 120.5, 130.49)
    assert one["avg_ticket_365d"] == pytest.approx(130.49 / 3)
    assert one["max_ticket_365d"] == 100 and one["active_days_90d"] == 2
    assert (one["spend_travel_365d"], one["spend_dining_365d"]) == (100, 20.5)
    assert one["spend_other_365d"] == 9.99 and one["tx_other_365d"] == 1
    assert one["share_digital_365d"] == pytest.approx(1 / 3)
    assert (one["tx_night_365d"], one["tx_afternoon_365d"], one["tx_evening_365d"]) == (1, 1, 1)
    assert one["tx_weekend_365d"] == 1
    assert one["spend_trend_30_90"] == pytest.approx(100 / 120.5)
    # balance 1000 + 5 a day: the slope is exactly 5
    assert one["balance_slope_90d"] == 5.0 and one["balance_last"] == 1440.0
    assert one["balance_mean_90d"] == 1220.0 and one["balance_min_90d"] == 1000.0
    assert one["tenure_days"] == 2008 and one["products_held"] == 2
    assert (one["holds_current"], one["holds_credit_card"], one["holds_loan"]) == (1, 1, 0)
    assert one["accounts_closed_365d"] == 1 and one["accounts_opened_90d"] == 1


def test_old_customers_overdrawn_and_without_transactions() -> None:
    build = build_features(*tiny(), as_of=AS_OF)
    two, three = build.frame.loc[2], build.frame.loc[3]
    assert two["recency_days"] == pytest.approx(546 + 14 / 24)  # 547 days to as_of, less 10 h
    assert two["frequency_365d"] == 0 and np.isnan(two["avg_ticket_365d"])
    # two snapshots at one instant: the larger is the latest; a single day has no trend
    assert two["balance_last"] == -20.0 and two["days_negative_90d"] == 2
    assert np.isnan(two["balance_slope_90d"]) and two["balance_min_90d"] == -50.0
    # accounts only: counts are 0, what needs a transaction is empty
    assert three["frequency_365d"] == 0 and three["monetary_365d"] == 0
    assert np.isnan(three["recency_days"]) and np.isnan(three["share_digital_365d"])
    assert three["tenure_days"] == 16 and three["products_held"] == 2  # safe_box is "other"
    report = build.report
    assert report.customers == 3 and report.customers_without_transactions == 1
    assert report.rows == {"transactions": 4, "balances": 91, "accounts": 5}
    assert report.rows_after_as_of == {"transactions": 1, "balances": 0, "accounts": 0}
    assert report.unknown == {
        "category": {"crypto": 1},
        "channel": {"kiosk": 1},
        "product": {"safe_box": 1},
    }
    assert report.negative_balance_rows == 2


def test_local_time_moves_hours_and_weekdays() -> None:
    one = build_features(*tiny(), as_of=AS_OF, utc_offset_hours=8).frame.loc[1]
    # 22:00 Sunday UTC is 06:00 Monday in Beijing; 03:00 -> 11:00; 12:00 -> 20:00
    assert (one["tx_night_365d"], one["tx_morning_365d"], one["tx_evening_365d"]) == (0, 2, 1)
    assert one["tx_weekend_365d"] == 0


def test_the_customers_asked_for_and_no_others() -> None:
    tx, bal, acc = tiny()
    build = build_features(tx, bal, acc, as_of=AS_OF, customers=[2, 99])
    assert list(build.frame.index) == [2, 99]
    assert build.frame.loc[99, "frequency_365d"] == 0 and np.isnan(
        build.frame.loc[99, "tenure_days"]
    )
    assert build.report.customers_without_transactions == 1  # 99; 2 has an old one
    empty = build_features(tx.iloc[:0], None, None, as_of=AS_OF, customers=[5])
    assert empty.frame.loc[5, "monetary_365d"] == 0 and empty.report.rows == {"transactions": 0}


def test_a_source_left_out_leaves_its_features_out() -> None:
    tx, _, _ = tiny()
    build = build_features(tx, as_of=AS_OF)
    assert "balance_last" not in build.frame and "tenure_days" not in build.frame
    assert "balance_last" in build.report.features_left_out
    assert build.catalog.names == list(build.frame.columns)
    only = build_features(tx, as_of=AS_OF, features=["share_digital_365d"])
    assert list(only.frame.columns) == [
        "frequency_365d",
        "tx_online_365d",
        "tx_mobile_365d",
        "share_digital_365d",
    ]
    plain = build_features(tx.drop(columns=["channel"]), as_of=AS_OF)
    assert plain.report.missing_columns == ("transactions.channel",)
    assert plain.frame.loc[1, "tx_other_365d"] == 3  # every channel unknown


def test_arrow_parquet_and_text_ids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tx, bal, acc = tiny()
    frames = build_features(tx, bal, acc, as_of=AS_OF).frame
    tables = [pa.Table.from_pandas(t, preserve_index=False) for t in (tx, bal, acc)]
    pd.testing.assert_frame_equal(build_features(*tables, as_of=AS_OF).frame, frames)
    paths = []
    for name, table in zip(("tx", "bal", "acc"), (tx, bal, acc), strict=True):
        table.to_parquet(tmp_path / f"{name}.parquet")
        paths.append(str(tmp_path / f"{name}.parquet"))
    pd.testing.assert_frame_equal(build_features(*paths, as_of=AS_OF).frame, frames)
    named = [t.assign(customer_id="c" + t["customer_id"].astype(str)) for t in (tx, bal, acc)]
    text = build_features(*named, as_of=AS_OF).frame
    assert list(text.index) == ["c1", "c2", "c3"]
    np.testing.assert_array_equal(text.to_numpy(), frames.to_numpy())


def _bad_tx(**change: object) -> pd.DataFrame:
    tx = tiny()[0]
    for column, value in change.items():
        tx[column] = tx[column].astype(object)
        tx.loc[0, column] = value
    return tx


BAD = [
    ({"amount": -5.0}, "transactions.amount", "non_negative"),
    ({"amount": float("nan")}, "transactions.amount", "required"),
    ({"amount": 2e13}, "transactions.amount", "below_1e13"),
    ({"customer_id": None}, "transactions.customer_id", "required"),
]


@pytest.mark.parametrize(("change", "field", "rule"), BAD)
def test_bad_rows_are_refused(change: dict[str, object], field: str, rule: str) -> None:
    tx = _bad_tx(**change)
    tx["amount"] = tx["amount"].astype(float)
    if "customer_id" in change:
        tx["customer_id"] = tx["customer_id"].astype("Int64")
    with pytest.raises(ValueError) as err:
        build_features(tx, as_of=AS_OF)
    assert (err.value.field, err.value.rule) == (field, rule)  # type: ignore[attr-defined]


def test_bad_tables_and_arguments_are_refused() -> None:
    tx, bal, acc = tiny()
    cases = [
        (lambda: build_features(tx.assign(ts=tx["ts"].dt.tz_localize(None)), as_of=AS_OF),
         "transactions.ts", "timezone_aware"),
        (lambda: build_features(tx.drop(columns=["amount"]), as_of=AS_OF),
         "transactions.amount", "required"),
        (lambda: build_features(tx.assign(amount="12"), as_of=AS_OF), "transactions.amount",
         "numeric"),
        (lambda: build_features(tx, as_of=datetime(2024, 7, 1)), "as_of", "timezone_aware"),
        (lambda: build_features(tx, as_of=AS_OF, utc_offset_hours=8.1), "utc_offset_hours",
         "quarter_hours_within_14"),
        (lambda: build_features(tx, bal.assign(customer_id="x"), as_of=AS_OF),
         "balances.customer_id", "same_type_in_every_source"),
        (lambda: build_features(tx, as_of=AS_OF, customers=["a"]), "customers",
         "same_type_as_customer_id"),
        (lambda: build_features(tx, as_of=AS_OF, customers=[]), "customers", "not_empty"),
        (lambda: build_features(None, as_of=AS_OF), "transactions", "a_source_or_customers"),
        (lambda: build_features(tx.iloc[:0], as_of=AS_OF), "customers", "not_empty"),
        (lambda: build_features(tx, None, acc.assign(closed_at=utc("2000-01-01")), as_of=AS_OF),
         "accounts.closed_at", "not_before_opened_at"),
        (lambda: build_features(tx, as_of=AS_OF, features=["balance_last"]), "features",
         "buildable"),
        (lambda: build_features([1, 2], as_of=AS_OF), "transactions", "frame_table_or_parquet"),
    ]  # fmt: skip
    for call, field, rule in cases:
        with pytest.raises(ProfileInputError) as err:
            call()
        assert (err.value.field, err.value.rule) == (field, rule)


def test_a_row_after_as_of_never_changes_a_profile() -> None:
    tx, bal, acc = tiny()
    before = build_features(tx, bal, acc, as_of=AS_OF).frame
    later = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "ts": [utc("2024-07-01"), utc("2030-01-01")],  # at as_of counts as after
            "amount": [1e6, 1.0],
            "category": ["travel", None],
            "channel": ["pos", "pos"],
        }
    )
    after = build_features(pd.concat([tx, later]), bal, acc, as_of=AS_OF)
    pd.testing.assert_frame_equal(after.frame, before, check_exact=True)
    assert after.report.rows_after_as_of["transactions"] == 3


def _keyed_catalog() -> FeatureCatalog:
    """Every aggregation over travel and other rows: enough for a keyed pass of their own."""
    data = json.loads(
        resources.files("finbrain.profile").joinpath("data/features.json").read_text("utf-8")
    )
    travel = {"category": ["travel", "other"]}
    specs = [
        ("count", None, 365), ("sum", "amount", 90), ("mean", "amount", 365),
        ("max", "amount", None), ("min", "amount", 365), ("last", "amount", None),
        ("slope", "amount", 365), ("days_since_last", None, None),
        ("days_since_first", None, 365), ("count_distinct", "day", 90),
        ("count_distinct", "day", None), ("count_distinct", "channel", 365),
    ]  # fmt: skip
    data["features"] = [
        {"name": f"f_{i}", "label": {"zh": "x", "en": "x"}, "source": "transactions", "agg": agg,
         "kind": "count", "where": {**travel, "channel": ["pos", "online", "mobile"]}
         if agg == "count" else travel}
        | ({"column": column} if column else {}) | ({"window_days": w} if w else {})
        for i, (agg, column, w) in enumerate(specs)
    ]  # fmt: skip
    return load_catalog(data)


def test_keyed_passes_agree_with_one_pass(small) -> None:  # type: ignore[no-untyped-def]
    tx, _, _ = small
    catalog = _keyed_catalog()
    keyed = build_features(tx, as_of=AS_OF, catalog=catalog, utc_offset_hours=8)
    assert (keyed.frame.notna() & (keyed.frame != 0)).any().all()  # every feature has values
    for name in catalog.names:  # alone, a feature is computed in the main pass
        alone = build_features(tx, as_of=AS_OF, catalog=catalog, features=[name],
                               utc_offset_hours=8)  # fmt: skip
        pd.testing.assert_series_equal(alone.frame[name], keyed.frame[name], check_exact=True)
    # the values taken as other: listed by the keyed passes, counted by a query without them
    listed = build_features(tx, as_of=AS_OF).report.unknown
    queried = build_features(tx, as_of=AS_OF, features=["spend_travel_365d"]).report.unknown
    assert listed == queried and "<missing>" in listed["category"]
    assert list(listed["category"]) == list(queried["category"])  # in the same order
