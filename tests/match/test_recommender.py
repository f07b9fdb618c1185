"""The product recommender: learns who buys what, ranks only what the suitability mask allows
(violation rate 0), scores new products from their features, and keeps sklearn's contract."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from finbrain.core.errors import ValidationError
from finbrain.match import Recommender, violation_rate

AT = datetime(2026, 3, 2, tzinfo=UTC)
EQUITY = [f"E{i}" for i in range(10)]
BONDS = [f"B{i}" for i in range(10)]
PRODUCTS = [*EQUITY, *BONDS, "ENEW"]  # ENEW: launched yesterday, nobody has bought it


def interactions(seed: int = 0) -> pd.DataFrame:
    """Bold customers (odd numbers) buy equity funds 85% of the time, the others bonds."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(300):
        bold = c % 2 == 1
        for _ in range(5):
            equity = (rng.random() < 0.85) == bold
            rows.append((f"c{c}", f"{'E' if equity else 'B'}{rng.integers(10)}", 1.0))
    return pd.DataFrame(rows, columns=["customer", "product", "weight"])


FEATURES = pd.DataFrame(
    {
        "equity_share": [0.9] * 10 + [0.05] * 10 + [0.95],
        "fee": [0.015] * 10 + [0.006] * 10 + [0.012],
    },
    index=PRODUCTS,
)


@pytest.fixture(scope="module")
def model() -> Recommender:
    return Recommender(factors=4, iterations=8).fit(interactions(), FEATURES)


def test_it_learns_who_buys_what(model: Recommender) -> None:
    right = 0
    for c in range(300):
        scores, _ = model.score(f"c{c}", [*EQUITY, *BONDS])
        gap = scores[:10].mean() - scores[10:].mean()
        right += (gap > 0) == (c % 2 == 1)
    assert right / 300 > 0.85


def test_the_mask_comes_before_the_ranking(model: Recommender) -> None:
    scores, _ = model.score("c1", PRODUCTS)
    best = PRODUCTS[int(np.argmax(scores))]
    mask = np.array([p != best for p in PRODUCTS])  # the best-scored product is unsuitable
    decision = model.recommend("c1", PRODUCTS, mask, k=5, at=AT)
    listed = [r.feature for r in decision.reasons if r.code != "MATCH-FILTERED"]
    assert best not in listed and len(listed) == 5
    assert violation_rate(listed, PRODUCTS, mask) == 0.0
    assert decision.reasons[-1].code == "MATCH-FILTERED" and decision.reasons[-1].value == 1
    assert (decision.capability, decision.action, decision.outcome) == (
        "match",
        "recommend",
        "recommend",
    )
    assert decision.tenant_id == "" and decision.receipt is None


def test_new_products_and_new_customers(model: Recommender) -> None:
    scores, sources = model.score("c1", ["ENEW", "B1"])
    assert sources == ["features", "collaborative"] and np.isfinite(scores).all()
    decision = model.recommend("never-seen", PRODUCTS, [True] * len(PRODUCTS), k=3, at=AT)
    assert [r.code for r in decision.reasons] == ["MATCH-POPULARITY"] * 3
    nothing = model.recommend("c1", PRODUCTS, [False] * len(PRODUCTS), at=AT)
    assert nothing.outcome == "none"
    assert "不适合" in nothing.reasons[0].text.zh


def test_violation_rate_counts_unsuitable_slots() -> None:
    assert (
        violation_rate(["A", "B", "C", "D"], ["A", "B", "C", "D"], [True, False, True, True])
        == 0.25
    )
    assert violation_rate([], ["A"], [False]) == 0.0


@settings(max_examples=60, deadline=None)
@given(
    flags=st.lists(st.booleans(), min_size=len(PRODUCTS), max_size=len(PRODUCTS)),
    customer=st.sampled_from(["c0", "c1", "c77", "stranger"]),
    k=st.integers(1, 25),
    held=st.lists(st.sampled_from(PRODUCTS), max_size=4, unique=True),
)
def test_no_recommendation_is_ever_unsuitable(
    model: Recommender, flags: list[bool], customer: str, k: int, held: list[str]
) -> None:
    decision = model.recommend(customer, PRODUCTS, flags, k=k, exclude=held, at=AT)
    listed = [r.feature for r in decision.reasons if r.code != "MATCH-FILTERED"]
    assert violation_rate(listed, PRODUCTS, flags) == 0.0
    assert len(listed) <= k and not set(listed) & set(held) and len(set(listed)) == len(listed)


def test_clone_is_unfitted_with_equal_params() -> None:
    estimator = Recommender(factors=3, alpha=10.0)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert not hasattr(copy, "product_factors_")


@pytest.mark.parametrize(
    ("frame", "field", "rule"),
    [
        (
            pd.DataFrame({"customer": ["a"], "product": ["x"]}),
            "interactions.weight",
            "column_present",
        ),
        (
            pd.DataFrame({"customer": ["a"], "product": ["x"], "weight": [-1.0]}),
            "interactions.weight",
            "positive_finite",
        ),
        (pd.DataFrame(columns=["customer", "product", "weight"]), "interactions", "non_empty"),
    ],
)
def test_bad_input(frame: pd.DataFrame, field: str, rule: str, model: Recommender) -> None:
    with pytest.raises(ValidationError) as caught:
        Recommender().fit(frame)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    with pytest.raises(ValidationError) as caught:
        model.recommend("c1", PRODUCTS, [True], at=AT)
    assert caught.value.field == "eligible"
    with pytest.raises(ValidationError) as caught:
        model.recommend("c1", PRODUCTS, [True] * len(PRODUCTS), k=0, at=AT)
    assert caught.value.field == "k"
    with pytest.raises(ValidationError) as caught:
        Recommender().score("c1", PRODUCTS)
    assert caught.value.rule == "fitted"


def test_with_no_feedback_at_all_nothing_is_ranked() -> None:
    from finbrain.match import nothing_to_rank

    mask = [True, False, True]
    decision = nothing_to_rank("c-new", ["A", "B", "C"], mask, k=2, at=AT)
    assert decision.outcome == "none" and decision.capability == "match"
    assert [r.code for r in decision.reasons] == ["MATCH-NO-FEEDBACK", "MATCH-FILTERED"]
    assert decision.reasons[1].value == 1
    with pytest.raises(ValidationError):
        nothing_to_rank("c-new", ["A", "B"], mask, at=AT)
