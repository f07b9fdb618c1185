"""Drift tools: rolling-origin folds, within-group AUC, PSI and adversarial validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from finbrain.core.errors import ValidationError
from finbrain.marketing import (
    adversarial_auc,
    population_stability,
    rolling_origin,
    within_group_auc,
)


def test_rolling_origin_folds_stay_inside_the_rows() -> None:
    assert rolling_origin(100, 10, [60, 70, 95]) == [(60, 70), (70, 80), (95, 100)]


@pytest.mark.parametrize(
    ("args", "field", "rule"),
    [
        ((1, 10, [0]), "n", "integer_at_least_2"),
        ((100, 0, [50]), "horizon", "positive_integer"),
        ((100, 10, []), "origins", "at_least_one_origin"),
        ((100, 10, [50, 100]), "origins.1", "inside_the_rows"),
    ],
)
def test_rolling_origin_refuses_bad_input(args, field, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        rolling_origin(*args)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_within_group_auc_ignores_a_group_level_shift() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(["a", "b"], 500)
    y = rng.integers(0, 2, 1000)
    score = np.where(groups == "b", 10.0, 0.0)  # knows the group, nothing about the customer
    assert within_group_auc(y, score, groups) == pytest.approx(0.5)
    perfect = y + np.where(groups == "b", 10.0, 0.0)
    assert within_group_auc(y, perfect, groups) == pytest.approx(1.0)
    # weighted by rows; groups too small or with one outcome are skipped
    mixed = np.r_[y[:500], np.zeros(10)]
    assert within_group_auc(mixed, np.r_[y[:500], np.zeros(10)], [*["a"] * 500, *["c"] * 10]) == 1.0
    assert np.isnan(within_group_auc([0, 1], [0.1, 0.9], ["a", "a"]))
    one = roc_auc_score(y[:500], score[:500] + rng.normal(size=500))
    assert 0.4 < one < 0.6


def test_within_group_auc_refuses_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        within_group_auc([0, 1], [0.1], ["a", "a"])
    assert (caught.value.field, caught.value.rule) == ("score", "same_length_as_y")
    with pytest.raises(ValidationError) as caught:
        within_group_auc([0, 1], [0.1, 0.2], ["a", None])
    assert (caught.value.field, caught.value.rule) == ("groups", "no_missing_groups")


def test_psi_is_zero_for_the_same_sample_and_grows_with_a_shift() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=5000)
    assert population_stability(base, base) == pytest.approx(0.0)
    assert population_stability(base, rng.normal(size=5000)) < 0.02
    assert population_stability(base, rng.normal(1.0, size=5000)) > 0.25
    never = np.r_[np.full(960, 999.0), np.arange(40.0)]  # pdays: 999 = never contacted
    assert population_stability(never, np.r_[np.full(700, 999.0), np.arange(300.0) % 40]) > 0.25
    cats = pd.Series(["tel"] * 800 + ["cell"] * 200)
    later = pd.Series(["tel"] * 200 + ["cell"] * 800)
    assert population_stability(cats, later) == pytest.approx(2 * 0.6 * np.log(4), rel=1e-6)
    with pytest.raises(ValidationError) as caught:
        population_stability(base, base, bins=1)
    assert (caught.value.field, caught.value.rule) == ("bins", "integer_at_least_2")


def test_adversarial_auc_tells_shifted_samples_apart() -> None:
    rng = np.random.default_rng(2)
    a = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(["u", "v"], 600)})
    same = pd.DataFrame({"x": rng.normal(size=600), "c": rng.choice(["u", "v"], 600)})
    moved = pd.DataFrame({"x": rng.normal(2.0, size=600), "c": rng.choice(["u", "v"], 600)})
    assert adversarial_auc(a, same) < 0.6
    assert adversarial_auc(a, moved) > 0.8
    with pytest.raises(ValidationError) as caught:
        adversarial_auc(a, moved.drop(columns="x"))
    assert (caught.value.field, caught.value.rule) == ("b.x", "required_column")


def test_compare_ranks_candidates_on_rolling_origins_best_first() -> None:
    from sklearn.linear_model import LogisticRegression

    from finbrain.marketing import Propensity, compare

    rng = np.random.default_rng(3)
    n = 3000
    X = pd.DataFrame({"x": rng.normal(size=n), "noise": rng.normal(size=n)})
    month = np.repeat(np.arange(10), n // 10)
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * X["x"] - 1)))).astype(int)
    folds = rolling_origin(n, 300, [1800, 2100, 2400, 2700])

    def noise_only(a, ya, b):  # type: ignore[no-untyped-def]
        return b["noise"].to_numpy()

    table = compare(
        {
            "noise": noise_only,
            "logistic": LogisticRegression(),
            "propensity": Propensity(calibration="none", n_estimators=30, n_jobs=1),
        },
        X,
        y,
        folds,
        groups=month,
    )
    assert list(table.columns) == ["pooled", "within", "score"]
    assert table.index[-1] == "noise" and table.loc["noise", "score"] < 0.6
    assert table.loc["logistic", "score"] > 0.75
    assert table["score"].is_monotonic_decreasing
    assert table.loc["logistic", "score"] == pytest.approx(
        table.loc["logistic", ["pooled", "within"]].mean()
    )
    alone = compare({"noise": noise_only}, X, y, folds)
    assert (
        np.isnan(alone.loc["noise", "within"])
        and alone.loc["noise", "score"] == alone.loc["noise", "pooled"]
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"candidates": {}}, "candidates", "at_least_one_candidate"),
        ({"y": [0, 1]}, "y", "same_length_as_X"),
        ({"groups": [1, 2]}, "groups", "same_length_as_X"),
        ({"folds": []}, "folds", "at_least_one_fold"),
        ({"folds": [(5, 4)]}, "folds.0", "inside_the_rows"),
    ],
)
def test_compare_refuses_bad_input(kwargs, field, rule) -> None:  # type: ignore[no-untyped-def]
    from finbrain.marketing import compare

    args = {
        "candidates": {"a": lambda a, ya, b: b["x"].to_numpy()},
        "X": pd.DataFrame({"x": np.arange(10.0)}),
        "y": np.r_[np.zeros(5), np.ones(5)],
        "folds": [(6, 10)],
        **kwargs,
    }
    with pytest.raises(ValidationError) as caught:
        compare(**args)
    assert (caught.value.field, caught.value.rule) == (field, rule)
