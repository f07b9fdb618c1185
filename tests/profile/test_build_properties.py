"""Invariants of the build, for any history: the order of rows does not matter, and adding a
purchase never lowers what RFM counts nor raises the days since the last one."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.profile.build import build_features
from tests.profile.conftest import AS_OF, history

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RFM = [f"{m}_{w}d" for m in ("frequency", "monetary") for w in (30, 90, 365)]


@SETTINGS
@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int, shuffle: int) -> None:
    tx, bal, acc = history(seed, customers=8, rows=200)
    first = build_features(tx, bal, acc, as_of=AS_OF).frame
    mixed = [t.sample(frac=1.0, random_state=shuffle) for t in (tx, bal, acc)]
    pd.testing.assert_frame_equal(
        build_features(*mixed, as_of=AS_OF).frame, first, check_exact=True
    )


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    customer=st.integers(1, 7),
    amount=st.decimals(0, 5000, places=2),
    days_before=st.floats(0.001, 400),
)
def test_a_purchase_only_adds(seed: int, customer: int, amount: object, days_before: float) -> None:
    tx, _, _ = history(seed, customers=8, rows=120)
    before = build_features(tx, as_of=AS_OF, customers=list(range(1, 9))).frame
    when = (pd.Timestamp(AS_OF) - pd.Timedelta(days=days_before)).floor("s")
    extra = pd.DataFrame(
        {
            "customer_id": [customer],
            "ts": [when],
            "amount": [float(amount)],  # type: ignore[arg-type]
            "category": ["travel"],
            "channel": ["pos"],
        }
    )
    after = build_features(pd.concat([tx, extra]), as_of=AS_OF, customers=list(range(1, 9))).frame
    assert (after[RFM] >= before[RFM]).all().all()
    changed = after.loc[customer, "frequency_365d"] - before.loc[customer, "frequency_365d"]
    assert changed == (1 if when >= pd.Timestamp(AS_OF) - pd.Timedelta(days=365) else 0)
    was, now = before.loc[customer, "recency_days"], after.loc[customer, "recency_days"]
    assert now <= was or np.isnan(was)
    others = [c for c in before.index if c != customer]
    pd.testing.assert_frame_equal(after.loc[others], before.loc[others], check_exact=True)
