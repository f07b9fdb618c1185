"""A fitted uplift model written as JSON and read back predicts exactly the same, for each
learner the registry stores and each calibration; anything else is refused naming the field."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finbrain.core.errors import ValidationError
from finbrain.marketing import ClassTransformation, Propensity, TLearner, XLearner
from finbrain.marketing.export import from_json, to_json
from finbrain.marketing.simulation import simulate_campaign


@pytest.fixture(scope="module")
def pilot() -> tuple:
    return simulate_campaign(n=10, offers=2, seed=3).pilot(2000)


@pytest.mark.parametrize("learner", [TLearner, ClassTransformation])
@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic", "none"])
def test_round_trip_predicts_the_same(pilot: tuple, learner: type, calibration: str) -> None:
    X, arm, y = pilot
    estimator = Propensity(calibration=calibration, n_estimators=25, min_child_samples=20)
    model = learner(control="control", estimator=estimator).fit(X, y, arm)
    text = to_json(model)
    assert "lightgbm" in text and json.loads(text)["treatments"] == model.treatments_
    back = from_json(text)
    assert type(back) is learner and back.treatments_ == model.treatments_
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    unseen = X.assign(segment="a level never seen")  # a new category reads as missing
    np.testing.assert_array_equal(back.predict(unseen), model.predict(unseen))


def test_what_cannot_be_stored_is_refused(pilot: tuple) -> None:
    X, arm, y = pilot
    x_learner = XLearner(control="control", estimator=Propensity(n_estimators=5)).fit(X, y, arm)
    with pytest.raises(ValidationError) as raised:
        to_json(x_learner)
    assert raised.value.field == "model"
    for text, field in (
        ("not json", "artifact"),
        ('{"format": "other"}', "format"),
        ('{"format": "finbrain.marketing.uplift/1", "kind": "x"}', "kind"),
    ):
        with pytest.raises(ValidationError) as raised:
            from_json(text)
        assert raised.value.field == field
