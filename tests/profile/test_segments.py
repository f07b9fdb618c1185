"""Segmentation: the number of segments chosen by the stated criterion, the same segments (and
the same numbering) for the same seed, personas that say in numbers what sets each apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from finbrain.profile.errors import ProfileInputError
from finbrain.profile.segments import Segmenter

SIZES = (300, 200, 100)


def customers(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three groups: everyday card users, digital high spenders, lapsing small spenders."""
    rng = np.random.default_rng(seed)
    spend = (8.0, 10.0, 6.0)
    digital = (0.2, 0.8, 0.5)
    recency = (5.0, 3.0, 120.0)
    parts, truth = [], []
    for g, n in enumerate(SIZES):
        parts.append(
            pd.DataFrame(
                {
                    "monetary_365d": rng.lognormal(spend[g], 0.25, n),
                    "share_digital_365d": np.clip(rng.normal(digital[g], 0.05, n), 0, 1),
                    "recency_days": rng.gamma(4.0, recency[g] / 4.0, n),
                    "frequency_365d": rng.poisson(50, n).astype(float),  # the same for all
                }
            )
        )
        truth += [g] * n
    return pd.concat(parts, ignore_index=True), np.array(truth)


@pytest.fixture(scope="module")
def fitted() -> Segmenter:
    X, _ = customers()
    return Segmenter(k_range=(2, 6), random_state=0).fit(X)


def test_the_criterion_chooses_the_number_of_segments(fitted: Segmenter) -> None:
    _, truth = customers()
    assert fitted.criterion_ == "silhouette" and sorted(fitted.scores_) == [2, 3, 4, 5, 6]
    assert fitted.n_segments_ == 3 == max(fitted.scores_, key=fitted.scores_.__getitem__)
    assert adjusted_rand_score(truth, fitted.labels_) > 0.95
    # numbered by size: 0 is the largest
    assert fitted.sizes_.tolist() == list(SIZES)
    assert (fitted.labels_ == truth).mean() > 0.98


def test_same_seed_same_segments_and_numbers(fitted: Segmenter) -> None:
    X, _ = customers()
    again = Segmenter(k_range=(2, 6), random_state=0).fit(X)
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(again.centers_, fitted.centers_)
    assert [p.summary for p in again.personas_] == [p.summary for p in fitted.personas_]
    # another seed, or the rows in another order: the same numbering, as it follows size
    other = Segmenter(n_segments=3, random_state=7).fit(X)
    np.testing.assert_array_equal(other.labels_, fitted.labels_)
    order = np.random.default_rng(1).permutation(len(X))
    shuffled = Segmenter(n_segments=3, random_state=0).fit(X.iloc[order])
    np.testing.assert_array_equal(shuffled.labels_, fitted.labels_[order])
    np.testing.assert_array_equal(fitted.predict(X.iloc[:50]), fitted.labels_[:50])


def test_personas_say_what_sets_a_segment_apart(fitted: Segmenter) -> None:
    big_spenders = fitted.personas_[1]
    assert big_spenders.size == 200 and big_spenders.share == pytest.approx(1 / 3)
    spend = next(t for t in big_spenders.traits if t.feature == "monetary_365d")
    assert spend.higher and spend.ratio is not None and spend.ratio > 3
    assert f"{spend.ratio:.1f}× the median" in spend.text.en
    assert f"整体中位数的 {spend.ratio:.1f} 倍" in spend.text.zh
    digital = next(t for t in big_spenders.traits if t.feature == "share_digital_365d")
    assert digital.text.en.endswith("overall") and "%" in digital.text.en
    lapsing = fitted.personas_[2]
    assert lapsing.traits[0].feature in {"recency_days", "monetary_365d"}
    assert "high days since last transaction" in lapsing.name.en
    assert "frequency_365d" not in {t.feature for p in fitted.personas_ for t in p.traits}
    assert lapsing.summary.zh.startswith("客群 3：") and "占客户 17%" in lapsing.summary.zh
    assert lapsing.to_dict()["traits"][0]["text"]["en"] == lapsing.traits[0].text.en


def test_a_gaussian_mixture_by_bic() -> None:
    X, truth = customers()
    gmm = Segmenter(method="gmm", k_range=(2, 5), random_state=0).fit(X)
    assert gmm.criterion_ == "bic" and gmm.n_segments_ == min(gmm.scores_, key=gmm.scores_.get)
    assert adjusted_rand_score(truth, gmm.labels_) > 0.9


def test_sklearn_contract_and_missing_values() -> None:
    X, _ = customers()
    seg = Segmenter(n_segments=3, features=["monetary_365d", "recency_days"])
    copy = clone(seg)
    assert copy.get_params() == seg.get_params()
    holes = X.copy()
    holes.loc[::7, "recency_days"] = np.nan
    labels = copy.fit_predict(holes)
    assert len(labels) == len(X) and copy.features_ == ["monetary_365d", "recency_days"]
    assert not [k for k in vars(clone(copy)) if k.endswith("_") and not k.startswith("_")]


def test_bad_input_is_named() -> None:
    X, _ = customers()
    cases = [
        (Segmenter(method="dbscan"), X, "method", "kmeans_or_gmm"),
        (Segmenter(k_range=(1, 3)), X, "k_range", "valid_range"),
        (Segmenter(n_segments=0), X, "n_segments", "positive"),
        (Segmenter(features=["nope"]), X, "X.nope", "required"),
        (Segmenter(n_segments=3), X.iloc[:3], "X", "more_customers_than_segments"),
        (Segmenter(n_segments=2), X.assign(recency_days=np.nan), "X.recency_days", "some"),
        (Segmenter(features=["kind"]), X.assign(kind="a"), "X.kind", "numeric"),
        (Segmenter(n_segments=2), X.iloc[:0], "X", "more_customers_than_segments"),
    ]
    for seg, data, field, rule in cases:
        with pytest.raises(ProfileInputError) as err:
            seg.fit(data)
        assert (err.value.field, err.value.rule) == (field, rule)
