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
    X = pd.DataFrame({"x": np.arange(100)})
    y = np.array([0] * 80 + [1] * 20)
    target, x_train, x_test, y_train, y_test = holdout(X, y, random_state=42)
    assert len(x_train) == 70 and len(x_test) == 30
    assert y_test.sum() == 6 and y_train.sum() == 14
    again = holdout(X, y, random_state=42)
    assert list(again[2].index) == list(x_test.index)
    assert (target == y).all()


@pytest.fixture(scope="module")
def german() -> tuple[pd.DataFrame, np.ndarray]:
    from finbrain.datasets import load_german

    data = load_german()
    return data.drop(columns=["creditability"]), data["creditability"].to_numpy()


def test_decide_with_a_scorecard_is_a_tenantless_decision(
    german: tuple[pd.DataFrame, np.ndarray],
) -> None:
    from finbrain.core.canonical import digest
    from finbrain.core.decision import ModelRef
    from finbrain.credit.policy import decide
    from finbrain.credit.scorecard import Scorecard

    X, y = german
    card = Scorecard().fit(X, y)
    record = {k: (v.item() if hasattr(v, "item") else v) for k, v in X.iloc[3].items()}
    ref = ModelRef(id="card", version="1", digest="d" * 64)
    made = decide(card, record, applicant_id="A-1", model_ref=ref)
    result = card.score_record(record)
    assert made.tenant_id == "" and made.receipt is None
    assert (made.capability, made.action, made.model) == ("credit", "score", ref)
    assert (made.subject.type, made.subject.id) == ("applicant", "A-1")
    assert made.score == float(result.score) and made.reasons == result.reasons
    assert made.grade == grade_of(result.probability_bad)
    assert made.outcome == outcome_of(result.probability_bad)
    assert made.input_digest == digest({"applicant_id": "A-1", "features": record})
    assert all(r.text.zh and r.text.en for r in made.reasons)
    strict = decide(card, record, applicant_id="A-1", policy={"approve_below_pd": 0.0})
    assert strict.outcome in {"refer", "decline"}
    assert made.for_tenant("t1").tenant_id == "t1" and made.for_tenant("t1").id == made.id


def test_decide_names_the_refused_field(german: tuple[pd.DataFrame, np.ndarray]) -> None:
    from finbrain.core.errors import ValidationError
    from finbrain.credit.policy import decide
    from finbrain.credit.scorecard import Scorecard

    X, y = german
    card = Scorecard().fit(X, y)
    record = {k: (v.item() if hasattr(v, "item") else v) for k, v in X.iloc[0].items()}
    with pytest.raises(ValidationError) as bad_id:
        decide(card, record, applicant_id="no spaces")
    assert (bad_id.value.field, bad_id.value.rule) == ("applicant_id", "bank_reference_1_to_128")
    with pytest.raises(ValidationError) as nan:
        decide(card, {**record, "extra": float("nan")}, applicant_id="A")
    assert (nan.value.field, nan.value.rule) == ("features.extra", "finite_number")
    missing = dict(record)
    missing.pop(next(iter(card.compiled_)))
    with pytest.raises(ValidationError) as gone:
        decide(card, missing, applicant_id="A")
    assert gone.value.field == f"features.{next(iter(card.compiled_))}"
    assert gone.value.rule == "required_feature"


def test_decide_with_the_gbm_puts_its_pd_on_the_points_scale(
    german: tuple[pd.DataFrame, np.ndarray],
) -> None:
    from finbrain.credit.challenger import GBMChallenger
    from finbrain.credit.policy import decide

    X, y = german
    model = GBMChallenger(n_estimators=50).fit(X, y)
    record = {k: (v.item() if hasattr(v, "item") else v) for k, v in X.iloc[5].items()}
    made = decide(model, record, applicant_id="G-5")
    pd_value, reasons = model.explain_record(record)
    assert made.score == points_of(pd_value) and made.grade == grade_of(pd_value)
    assert made.reasons == reasons and made.model is None
