"""The default customer-360 features written plainly in pandas: the benchmark's anchor.

One feature after another, as a data team writes them: a boolean mask, a ``groupby``, an
aggregation, then the customers without rows filled in. It follows the definitions in
``src/finbrain/profile/data/features.json`` by hand (only the lists of categories, channels and
products are read from the catalogue), so when it and the DuckDB build agree value for value
(``tests/profile/test_reference.py``, ``benchmarks/profile.py``) the compiler is checked by an
independent reading of the same definitions. Money in integer cents and times in integer
microseconds, as the definitions say.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from finbrain.profile.features import FeatureCatalog, default_catalog

DAY = 86_400_000_000
HOUR = 3_600_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(ts: pd.Series) -> pd.Series:
    return ts.dt.as_unit("ns").astype("int64") // 1000


def cents(money: pd.Series) -> pd.Series:
    return np.floor(money.astype("float64") * 100 + 0.5).astype("int64")


def known(values: pd.Series, names: tuple[str, ...]) -> pd.Series:
    return values.where(values.isin(list(names)), "other").astype(object)


def transaction_features(
    tx: pd.DataFrame, as_of_us: int, offset_us: int, cat: FeatureCatalog
) -> pd.DataFrame:
    t = micros(tx["ts"])
    tx = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].to_numpy(),
            "t": t.to_numpy(),
            "c": cents(tx["amount"]).to_numpy(),
            "category": known(tx["category"], cat.categories).to_numpy(),
            "channel": known(tx["channel"], cat.channels).to_numpy(),
        }
    )
    tx = tx[tx["t"] < as_of_us]
    local = tx["t"] + offset_us
    tx["hour"] = (local // HOUR) % 24
    tx["weekday"] = (local // DAY + 3) % 7
    tx["day"] = local // DAY
    out = {}
    by = tx.groupby("customer_id")
    out["recency_days"] = (as_of_us - by["t"].max()).astype("float64") / float(DAY)
    out["history_days"] = (as_of_us - by["t"].min()).astype("float64") / float(DAY)
    for w in (30, 90, 365):
        recent = tx[tx["t"] >= as_of_us - w * DAY]
        out[f"frequency_{w}d"] = recent.groupby("customer_id").size().astype("float64")
        out[f"monetary_{w}d"] = recent.groupby("customer_id")["c"].sum().astype("float64") / 100.0
    year = tx[tx["t"] >= as_of_us - 365 * DAY]
    total, count = year.groupby("customer_id")["c"].sum(), year.groupby("customer_id").size()
    out["avg_ticket_365d"] = total.astype("float64") / count / 100.0
    out["max_ticket_365d"] = year.groupby("customer_id")["c"].max().astype("float64") / 100.0
    quarter = tx[tx["t"] >= as_of_us - 90 * DAY]
    out["active_days_90d"] = quarter.groupby("customer_id")["day"].nunique().astype("float64")
    for name in (*cat.categories, "other"):
        part = year[year["category"] == name]
        spend = part.groupby("customer_id")["c"].sum().astype("float64") / 100.0
        out[f"spend_{name}_365d"] = spend
    for name in (*cat.channels, "other"):
        part = year[year["channel"] == name]
        out[f"tx_{name}_365d"] = part.groupby("customer_id").size().astype("float64")
    hours = (("night", 0, 6), ("morning", 6, 12), ("afternoon", 12, 18), ("evening", 18, 24))
    for name, low, high in hours:
        part = year[(year["hour"] >= low) & (year["hour"] < high)]
        out[f"tx_{name}_365d"] = part.groupby("customer_id").size().astype("float64")
    weekend = year[year["weekday"].isin([5, 6])]
    out["tx_weekend_365d"] = weekend.groupby("customer_id").size().astype("float64")
    return pd.DataFrame(out)


def balance_features(bal: pd.DataFrame, as_of_us: int) -> pd.DataFrame:
    bal = pd.DataFrame(
        {
            "customer_id": bal["customer_id"].to_numpy(),
            "t": micros(bal["ts"]).to_numpy(),
            "c": cents(bal["balance"]).to_numpy(),
        }
    )
    bal = bal[bal["t"] < as_of_us]
    bal["age"] = (as_of_us - bal["t"]) // DAY
    out = {}
    # the latest snapshot; of two at the same instant, the larger balance
    latest = bal.sort_values(["t", "c"]).groupby("customer_id").tail(1).set_index("customer_id")
    out["balance_last"] = latest["c"].astype("float64") / 100.0
    quarter = bal[bal["t"] >= as_of_us - 90 * DAY]
    by = quarter.groupby("customer_id")["c"]
    out["balance_mean_90d"] = by.sum().astype("float64") / by.count() / 100.0
    out["balance_min_90d"] = by.min().astype("float64") / 100.0
    for w in (90, 365):
        out[f"balance_slope_{w}d"] = slope(bal[bal["t"] >= as_of_us - w * DAY])
    negative = quarter[quarter["c"] < 0]
    out["days_negative_90d"] = negative.groupby("customer_id").size().astype("float64")
    return pd.DataFrame(out)


def slope(part: pd.DataFrame) -> pd.Series:
    """Least squares of cents on days before the as-of time, from exact integer sums."""
    part = part.assign(xy=part["age"] * part["c"], xx=part["age"] * part["age"])
    sums = part.groupby("customer_id").agg(
        n=("c", "size"), sx=("age", "sum"), sy=("c", "sum"), sxy=("xy", "sum"), sxx=("xx", "sum")
    )
    values = {}
    for cid, n, sx, sy, sxy, sxx in sums.itertuples():
        num = int(n) * int(sxy) - int(sx) * int(sy)  # Python integers: exact
        den = int(n) * int(sxx) - int(sx) * int(sx)
        values[cid] = np.nan if den == 0 else -(float(num) / float(den)) / 100.0
    return pd.Series(values, dtype="float64")


def account_features(acc: pd.DataFrame, as_of_us: int, cat: FeatureCatalog) -> pd.DataFrame:
    opened = micros(acc["opened_at"])
    closed = pd.Series(np.nan, index=acc.index)
    if "closed_at" in acc:
        there = acc["closed_at"].notna()
        closed[there] = micros(acc.loc[there, "closed_at"]).astype("float64")
    acc = pd.DataFrame(
        {
            "customer_id": acc["customer_id"].to_numpy(),
            "t": opened.to_numpy(),
            "product": known(acc["product"], cat.products).to_numpy(),
            "closed": closed.to_numpy(),
        }
    )
    acc = acc[acc["t"] < as_of_us]
    is_open = acc["closed"].isna() | (acc["closed"] >= as_of_us)
    out = {}
    out["tenure_days"] = (as_of_us - acc.groupby("customer_id")["t"].min()).astype(
        "float64"
    ) / float(DAY)
    held = acc[is_open]
    out["products_held"] = held.groupby("customer_id")["product"].nunique().astype("float64")
    for name in cat.products:
        part = held[held["product"] == name]
        out[f"holds_{name}"] = part.groupby("customer_id").size().astype("float64")
    gone = acc[(acc["closed"] < as_of_us) & ((as_of_us - acc["closed"]) // DAY < 365)]
    out["accounts_closed_365d"] = gone.groupby("customer_id").size().astype("float64")
    new = acc[acc["t"] >= as_of_us - 90 * DAY]
    out["accounts_opened_90d"] = new.groupby("customer_id").size().astype("float64")
    return pd.DataFrame(out)


def ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    return (top / bottom).where(bottom != 0)


def reference_features(
    tx: pd.DataFrame,
    bal: pd.DataFrame,
    acc: pd.DataFrame,
    as_of: datetime,
    utc_offset_hours: float = 0.0,
    catalog: FeatureCatalog | None = None,
) -> pd.DataFrame:
    """The 55 default features, one row per customer with a row before ``as_of``."""
    cat = catalog or default_catalog()
    as_of_us = (as_of - EPOCH) // timedelta(microseconds=1)
    offset_us = int(utc_offset_hours * HOUR)
    parts = [
        transaction_features(tx, as_of_us, offset_us, cat),
        balance_features(bal, as_of_us),
        account_features(acc, as_of_us, cat),
    ]
    frame = pd.concat(parts, axis=1).sort_index()
    frame.index.name = "customer_id"
    filled_with_zero = [c for c in frame.columns if not c.startswith(NAN_FILLED)]
    frame[filled_with_zero] = frame[filled_with_zero].fillna(0.0)
    frame["share_travel_365d"] = ratio(frame["spend_travel_365d"], frame["monetary_365d"])
    digital = frame["tx_online_365d"] + frame["tx_mobile_365d"]
    frame["share_digital_365d"] = ratio(digital, frame["frequency_365d"])
    frame["share_night_365d"] = ratio(frame["tx_night_365d"], frame["frequency_365d"])
    frame["share_weekend_365d"] = ratio(frame["tx_weekend_365d"], frame["frequency_365d"])
    frame["spend_trend_30_90"] = ratio(frame["monetary_30d"], frame["monetary_90d"])
    return frame[cat.names].astype("float64")


NAN_FILLED = (
    "recency_days",
    "history_days",
    "avg_ticket",
    "max_ticket",
    "balance_last",
    "balance_mean",
    "balance_min",
    "balance_slope",
    "tenure_days",
)
