"""Uplift metrics: invariants that hold for any data (hypothesis), and scikit-uplift's values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.core.errors import ValidationError
from finbrain.marketing import (
    auuc,
    bootstrap,
    qini_coefficient,
    qini_curve,
    qini_points,
    uplift_at_k,
)


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(20, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    treated = rng.integers(0, 2, n)
    treated[:2] = [0, 1]
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)
    score = rng.normal(size=n)
    return y, score, treated


def _perfect(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (y * t - y * (1 - t)).astype(float)


@settings(max_examples=60, deadline=None)
@given(campaigns())
def test_a_perfect_ranking_beats_random_and_any_ranking(data) -> None:  # type: ignore[no-untyped-def]
    y, score, t = data
    if len(set(_perfect(y, t))) < 2 or (y[t == 1].sum() == 0 and y[t == 0].sum() == 0):
        return
    try:
        best = qini_coefficient(y, _perfect(y, t), t)
    except ValidationError:
        return
    assert best == pytest.approx(1.0)
    assert qini_coefficient(y, np.zeros(len(y)), t) == pytest.approx(0.0, abs=1e-12)
    assert qini_coefficient(y, score, t) <= best + 1e-9


@settings(max_examples=60, deadline=None)
@given(campaigns())
def test_curves_start_at_zero_and_end_at_the_overall_effect(data) -> None:  # type: ignore[no-untyped-def]
    y, score, t = data
    n, q = qini_curve(y, score, t)
    assert n[0] == 0 and q[0] == 0 and n[-1] == len(y)
    ate_count = y[t == 1].sum() - y[t == 0].sum() * t.sum() / (len(t) - t.sum())
    assert q[-1] == pytest.approx(ate_count)
    # the ranking does not change the end point; reversing the order mirrors the curve
    assert qini_curve(y, -score, t)[1][-1] == pytest.approx(q[-1])
    points = qini_points(y, score, t, points=11)
    assert points[0] == [0.0, 0.0] and len(points) == 11


@settings(max_examples=60, deadline=None)
@given(campaigns())
def test_uplift_at_all_is_the_average_effect_whatever_the_scores(data) -> None:  # type: ignore[no-untyped-def]
    y, score, t = data
    ate = y[t == 1].mean() - y[t == 0].mean()
    assert uplift_at_k(y, score, t, k=1.0) == pytest.approx(ate)
    assert uplift_at_k(y, score, t, k=1.0, strategy="overall") == pytest.approx(ate)


def test_uplift_at_k_of_random_scores_is_the_average_effect() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    t = rng.integers(0, 2, n)
    y = (rng.random(n) < 0.1 + 0.05 * t).astype(int)
    values = [uplift_at_k(y, rng.random(n), t, k=0.3) for _ in range(5)]
    assert np.mean(values) == pytest.approx(0.05, abs=0.005)


def test_bootstrap_interval_holds_the_value_and_narrows_with_data() -> None:
    rng = np.random.default_rng(5)

    def sample(n: int):  # type: ignore[no-untyped-def]
        t = rng.integers(0, 2, n)
        x = rng.normal(size=n)
        y = (rng.random(n) < 0.1 + 0.1 * t * (x > 0)).astype(int)
        return y, x, t

    small = bootstrap(uplift_at_k, *sample(2_000), n_boot=100, seed=1)
    large = bootstrap(uplift_at_k, *sample(50_000), n_boot=100, seed=1)
    for interval in (small, large):
        assert interval.low <= interval.value <= interval.high
    assert large.high - large.low < (small.high - small.low) / 2
    assert large.low <= 0.1 <= large.high  # the top 30% by x all have x > 0: true uplift 0.1


def test_same_values_as_scikit_uplift() -> None:
    sklift = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(11)
    for _ in range(5):
        t, y, u = rng.integers(0, 2, 400), rng.integers(0, 2, 400), rng.normal(size=400)
        assert qini_coefficient(y, u, t) == pytest.approx(sklift.qini_auc_score(y, u, t))
        assert auuc(y, u, t) == pytest.approx(sklift.uplift_auc_score(y, u, t))
        for strategy in ("by_group", "overall"):
            ours = uplift_at_k(y, u, t, strategy=strategy)
            assert ours == pytest.approx(sklift.uplift_at_k(y, u, t, strategy=strategy))


@pytest.mark.parametrize(
    ("args", "field"),
    [(([0, 1], [0.1], [0, 1]), "uplift"), (([0, 2], [0.1, 0.2], [0, 1]), "y"),
     (([0, 1], [0.1, 0.2], [1, 1]), "treatment"), (([0, 1], [np.nan, 0.2], [0, 1]), "uplift")],
)  # fmt: skip
def test_bad_input_is_named(args, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        uplift_at_k(*args)
    assert err.value.field == field
