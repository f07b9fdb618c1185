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
