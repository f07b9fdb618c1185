"""The credit policy of the library: master scale, cut-offs, points scale, development split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finbrain.credit.policy import (
    DEFAULT_POLICY,
    grade_of,
    holdout,
    outcome_of,
    points_of,
)


@pytest.mark.parametrize(
    ("pd_value", "grade"),
    [(0.0, "A"), (0.0199, "A"), (0.02, "B"), (0.0999, "C"), (0.2, "E"), (0.35, "F"), (1.0, "F")],
)
def test_master_scale(pd_value: float, grade: str) -> None:
    assert grade_of(pd_value) == grade


def test_cut_offs_default_and_per_model() -> None:
    assert DEFAULT_POLICY == {"approve_below_pd": 0.15, "decline_from_pd": 0.40}
    assert [outcome_of(p) for p in (0.149, 0.15, 0.399, 0.40)] == [
        "approve",
        "refer",
        "refer",
        "decline",
    ]
    assert outcome_of(0.2, {"approve_below_pd": 0.25}) == "approve"
    assert outcome_of(0.3, {"decline_from_pd": 0.3}) == "decline"


def test_points_scale_pdo_20_600_at_50_to_1() -> None:
    assert points_of(1 / 51) == 600.0
    assert points_of(1 / 26) == pytest.approx(580.0, abs=0.1)  # odds halved: 20 points fewer
    assert points_of(0.0) == points_of(1e-6) and points_of(1.0) == points_of(1 - 1e-6)


def test_holdout_is_the_stratified_70_30_split() -> None:
    X = pd.DataFrame({"x": np.arange(100)})  # noqa: N806
    y = np.array([0] * 80 + [1] * 20)
    target, x_train, x_test, y_train, y_test = holdout(X, y, random_state=42)
    assert len(x_train) == 70 and len(x_test) == 30
    assert y_test.sum() == 6 and y_train.sum() == 14
    again = holdout(X, y, random_state=42)
    assert list(again[2].index) == list(x_test.index)
    assert (target == y).all()
