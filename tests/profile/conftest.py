"""Small synthetic histories with every awkward case the builder must handle: unknown and
missing categories, customers with accounts but no transactions, rows after the as-of time,
negative balances, two balance snapshots at one instant, closed accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from finbrain.profile.features import default_catalog

AS_OF = datetime(2024, 7, 1, tzinfo=UTC)


def history(
    seed: int, customers: int = 12, rows: int = 300
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Transactions, balances and accounts of ``customers`` customers (ids 1..n; the last has
    accounts only), timestamps in whole seconds around ``AS_OF``."""
    rng = np.random.default_rng(seed)
    cat = default_catalog()
    start = pd.Timestamp("2023-05-01", tz="UTC")
    span = int((pd.Timestamp(AS_OF) - start).total_seconds()) + 10 * 86_400  # some after as_of
    seconds = rng.integers(0, span, rows)
    categories = np.array([*cat.categories, "crypto", None], dtype=object)
    channels = np.array([*cat.channels, "kiosk"], dtype=object)
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(1, customers, rows),  # the last customer: none
            "ts": start + pd.to_timedelta(seconds, unit="s"),
            "amount": np.round(rng.gamma(1.5, 60.0, rows), 2),
            "category": rng.choice(categories, rows),
            "channel": rng.choice(channels, rows),
        }
    )
    days = pd.date_range("2023-06-01", "2024-07-05", freq="7D", tz="UTC")
    bal = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(1, customers + 1), len(days)),
            "ts": np.tile(days, customers),
            "balance": np.round(rng.normal(300, 400, customers * len(days)), 2),
        }
    )
    twin = bal.iloc[[3]].assign(balance=bal["balance"].iloc[3] + 10)  # same instant, larger
    bal = pd.concat([bal, twin], ignore_index=True)
    n_acc = customers * 2
    opened = pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 3500, n_acc), unit="D"
    )
    closed = pd.Series(pd.NaT, index=range(n_acc), dtype="datetime64[ns, UTC]")
    shut = rng.random(n_acc) < 0.3
    closed[shut] = opened[shut] + pd.to_timedelta(rng.integers(30, 900, int(shut.sum())), unit="D")
    acc = pd.DataFrame(
        {
            "customer_id": np.arange(n_acc) % customers + 1,
            "opened_at": opened,
            "product": rng.choice(np.array([*cat.products, "safe_box"], dtype=object), n_acc),
            "closed_at": closed,
        }
    )
    return tx, bal, acc


@pytest.fixture
def small() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return history(7)
