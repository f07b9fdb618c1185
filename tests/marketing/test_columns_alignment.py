"""The vectorised category alignment gives exactly what the row-by-row one gives, for text,
categorical, numeric and mixed columns with missing values and unseen levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.marketing._columns import _aligned, _keys

LEVELS = ["1", "2", "a", "b"]
VALUES = st.one_of(st.sampled_from(["a", "b", "c", "1"]), st.none(), st.just(np.nan),
                   st.sampled_from([1, 2, 3]), st.sampled_from([1.0, 2.0, 2.5]))  # fmt: skip


def _row_by_row(series: pd.Series) -> list[object]:
    text = _keys(series)
    return list(pd.Categorical(text.where(text.isin(LEVELS)), categories=LEVELS))


def _same(a: list[object], b: list[object]) -> bool:
    return [None if pd.isna(x) else x for x in a] == [None if pd.isna(x) else x for x in b]


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, max_size=30), st.sampled_from(["object", "category", "text"]))
def test_vectorised_alignment_matches_row_by_row(values: list[object], kind: str) -> None:
    if kind == "text":
        values = [v if v is None or isinstance(v, str) else str(v) for v in values]
    series = pd.Series(values, dtype="category" if kind == "category" else object)
    aligned = _aligned(series, LEVELS)
    assert list(aligned.categories) == LEVELS
    assert _same(list(aligned), _row_by_row(series))
