"""The DuckDB build and the benchmark's plain-pandas features (written by hand from the same
definitions, ``benchmarks/profile_pandas.py``) agree value for value, NaN for NaN."""

from __future__ import annotations

import pandas as pd
from benchmarks.profile_pandas import reference_features
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.profile.build import build_features
from tests.profile.conftest import AS_OF, history


def test_identical_to_the_pandas_reference(small) -> None:  # type: ignore[no-untyped-def]
    tx, bal, acc = small
    built = build_features(tx, bal, acc, as_of=AS_OF)
    reference = reference_features(tx, bal, acc, AS_OF)
    pd.testing.assert_frame_equal(built.frame, reference, check_exact=True)
    # the comparison has teeth: the history reaches every kind of value
    assert built.frame["balance_slope_90d"].notna().sum() >= 5
    assert (built.frame["spend_other_365d"] > 0).any() and (built.frame["tx_night_365d"] > 0).any()
    assert built.frame["recency_days"].isna().any()  # a customer with accounts only


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    offset=st.sampled_from([0.0, 8.0, -5.0, 5.75]),
    customers=st.integers(2, 30),
    rows=st.integers(1, 400),
)
def test_identical_for_any_history(seed: int, offset: float, customers: int, rows: int) -> None:
    tx, bal, acc = history(seed, customers, rows)
    built = build_features(tx, bal, acc, as_of=AS_OF, utc_offset_hours=offset)
    reference = reference_features(tx, bal, acc, AS_OF, utc_offset_hours=offset)
    pd.testing.assert_frame_equal(built.frame, reference, check_exact=True)
