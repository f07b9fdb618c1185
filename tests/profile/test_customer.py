"""One customer's profile: the online build equals the batch one, it is plain JSON, and a
customer without transactions still gets features, tags and a segment."""

from __future__ import annotations

import json

import pytest

from finbrain.profile import (
    SEGMENT_FEATURES,
    ProfileInputError,
    Segmenter,
    build_features,
    default_tags,
    profile_customer,
    profile_of,
)
from tests.profile.conftest import AS_OF, history


@pytest.fixture(scope="module")
def batch():  # type: ignore[no-untyped-def]
    tx, bal, acc = history(3, customers=40, rows=4000)
    build = build_features(tx, bal, acc, as_of=AS_OF)
    segmenter = Segmenter(features=SEGMENT_FEATURES, k_range=(2, 4)).fit(build.frame)
    return (tx, bal, acc), build, segmenter


def test_online_equals_batch(batch) -> None:  # type: ignore[no-untyped-def]
    sources, build, segmenter = batch
    for customer in (1, 17, 39):
        online = profile_customer(customer, *sources, as_of=AS_OF, segmenter=segmenter)
        offline = profile_of(build, customer, segmenter=segmenter)
        assert online == offline
        assert online.segment is not None
        assert online.segment.id == int(segmenter.labels_[list(build.frame.index).index(customer)])


def test_the_profile_is_plain_json(batch) -> None:  # type: ignore[no-untyped-def]
    _, build, segmenter = batch
    profile = profile_of(build, 40, segmenter=segmenter, scores={"churn": 0.71})
    data = json.loads(profile.to_json())  # allow_nan=False: no NaN can slip through
    assert data["customer_id"] == "40" and data["as_of"] == "2024-07-01T00:00:00Z"
    assert data["features"]["recency_days"] is None  # customer 40 has accounts only
    assert data["features"]["frequency_365d"] == 0
    tags = {t["id"]: t for t in data["tags"]}
    assert "dormant" in tags and tags["likely_churn"]["reason"]["zh"] == "流失倾向 0.71 ≥ 阈值 0.50"
    assert set(data["segment"]) == {"id", "name", "traits"}
    assert data["segment"]["name"]["zh"].startswith("客群 ")
    assert len(data["features"]) == 55 and data["catalog_version"] == "2026.1"


def test_a_customer_the_bank_has_no_rows_for() -> None:
    tx, bal, acc = history(3, customers=5, rows=50)
    profile = profile_customer(12345, tx, bal, acc, as_of=AS_OF)
    assert profile.features["monetary_365d"] == 0 and profile.features["tenure_days"] is None
    assert [t.id for t in profile.tags] == ["dormant"]
    only_tx = profile_customer(1, tx, as_of=AS_OF, tags=default_tags().available(["frequency_90d"]))
    assert "balance_last" not in only_tx.features


def test_unknown_customer_in_a_build(batch) -> None:  # type: ignore[no-untyped-def]
    _, build, _ = batch
    with pytest.raises(ProfileInputError) as err:
        profile_of(build, 999)
    assert (err.value.field, err.value.rule) == ("customer_id", "known_customer")
    assert profile_of(build, "17").customer_id == "17"  # the id as the platform's path gives it
