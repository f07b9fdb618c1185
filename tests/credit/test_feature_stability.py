"""Characteristic stability in production: the development sample's bins per feature, and
counting new applicants into those bins (what the platform sums per day for CSI)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.core.errors import ValidationError
from finbrain.credit.monitoring import (
    bin_labels,
    feature_bin_counts,
    feature_reference,
    psi_from_counts,
)


def _frame(n: int = 500, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(8, 0.5, n)
    income[:25] = np.nan
    return pd.DataFrame(
        {
            "income": income,
            "purpose": rng.choice(["car", "tv", "education", "repairs"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "age": rng.integers(18, 75, n),
        }
    )


def test_reference_counts_the_development_sample_into_deciles_and_missing() -> None:
    frame = _frame()
    income, purpose = feature_reference(frame, ["income", "purpose"])
    assert income["kind"] == "number" and len(income["edges"]) == 9
    assert sum(income["counts"]) == len(frame)
    assert income["counts"][-1] == 25  # the missing bin
    # Deciles: every non-missing bin holds about a tenth of the 475 present values.
    assert all(40 <= c <= 55 for c in income["counts"][:-1])
    assert purpose["kind"] == "category"
    assert purpose["levels"][0] == "car"  # most frequent first
    assert purpose["counts"][-2:] == [0, 0]  # nothing "other", nothing missing
    assert bin_labels(purpose)[-2:] == ["other", "missing"]
    assert bin_labels(income)[0].startswith("< ") and bin_labels(income)[-1] == "missing"


def test_the_development_sample_against_itself_is_stable_and_a_shift_is_not() -> None:
    frame = _frame()
    reference = feature_reference(frame, ["income", "purpose", "age"])
    same = feature_bin_counts(reference, frame)
    for entry, counts in zip(reference, same, strict=True):
        assert list(counts) == entry["counts"]
        assert psi_from_counts(np.asarray(entry["counts"], float), counts) == pytest.approx(0)
    drifted = frame.assign(income=frame["income"] * 1.8, purpose="car")
    moved = feature_bin_counts(reference, drifted)
    psi = [
        psi_from_counts(np.asarray(e["counts"], float), c)
        for e, c in zip(reference, moved, strict=True)
    ]
    assert psi[0] > 0.25 and psi[1] > 0.25  # income and purpose shifted
    assert psi[2] == pytest.approx(0)  # age did not move


def test_unseen_levels_count_as_other_and_absent_features_as_missing() -> None:
    reference = feature_reference(_frame(), ["purpose", "age"])
    counts = feature_bin_counts(reference, pd.DataFrame({"purpose": ["yacht", None, "car"]}))
    assert counts[0].tolist() == [1, 0, 0, 0, 1, 1]  # car, …, other, missing
    assert counts[1][-1] == 3  # age not given: missing
    with pytest.raises(ValidationError) as refused:
        feature_reference(_frame(), ["salary"])
    assert refused.value.field == "salary"


@settings(max_examples=60, deadline=None)
@given(
    dev=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80),
    new=st.lists(st.one_of(st.none(), st.floats(-1e7, 1e7, allow_nan=False)), max_size=80),
)
def test_every_new_value_lands_in_exactly_one_bin_and_larger_values_never_in_a_lower_one(
    dev: list[float], new: list[float | None]
) -> None:
    (entry,) = feature_reference(pd.DataFrame({"x": dev}), ["x"])
    assert len(entry["counts"]) == len(entry["edges"]) + 2
    (counts,) = feature_bin_counts([entry], pd.DataFrame({"x": pd.Series(new, dtype=float)}))
    assert counts.sum() == len(new)
    present = sorted(v for v in new if v is not None)
    bins = [int(np.flatnonzero(feature_bin_counts([entry], pd.DataFrame({"x": [v]}))[0])[0])
            for v in present]  # fmt: skip
    assert bins == sorted(bins)
    assert all(b < len(entry["counts"]) - 1 for b in bins)  # only missing goes to the last bin


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(
        st.one_of(st.none(), st.integers(-50, 50), st.floats(-60, 60), st.just(float("nan"))),
        min_size=1,
        max_size=30,
    ),
    levels=st.lists(
        st.one_of(st.none(), st.sampled_from(["a", "b", "c", "z", 3])), min_size=1, max_size=30
    ),
)
def test_one_record_at_a_time_bins_exactly_as_the_vectorised_count(
    numbers: list[float | None], levels: list[object]
) -> None:
    from finbrain.credit.monitoring import record_bins

    n = min(len(numbers), len(levels))
    frame = pd.DataFrame(
        {"x": pd.Series(numbers[:n], dtype=float), "k": pd.Series(levels[:n], dtype=object)}
    )
    reference = feature_reference(_frame(), ["age", "purpose"])
    reference = [{**reference[0], "name": "x"}, {**reference[1], "name": "k"}]
    expected = feature_bin_counts(reference, frame)
    one_by_one = [np.zeros_like(c) for c in expected]
    for record in frame.to_dict(orient="records"):
        for i, b in enumerate(record_bins(reference, record)):
            one_by_one[i][b] += 1
    assert [c.tolist() for c in one_by_one] == [c.tolist() for c in expected]
