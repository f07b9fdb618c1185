"""The uplift learners recover known effects, for several offers at once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from finbrain.core.errors import ValidationError
from finbrain.marketing import ClassTransformation, TLearner, XLearner

from .conftest import FEATURES


@pytest.mark.parametrize("learner", [TLearner, XLearner, ClassTransformation])
def test_learners_rank_customers_by_their_true_uplift(learner, sim, pilot, small) -> None:  # type: ignore[no-untyped-def]
    X, arm, y = pilot
    model = learner(control="control", features=FEATURES, estimator=small).fit(X, y, arm)
    assert model.treatments_ == list(sim.offers)
    uplift = model.predict(sim.customers)
    assert uplift.shape == (len(sim.customers), len(sim.offers))
    for k in range(len(sim.offers)):
        corr = np.corrcoef(uplift[:, k], sim.true_uplift[:, k])[0, 1]
        assert corr > 0.3, (learner.__name__, k, corr)
    # the mean predicted uplift is near the true average effect
    assert abs(uplift.mean() - sim.true_uplift.mean()) < 0.03
    best, value = model.best(sim.customers.head(5))
    assert set(best) <= set(sim.offers) and np.allclose(value, uplift[:5].max(axis=1))
    copy = clone(model)
    assert copy.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    assert copy.estimator.get_params() == model.estimator.get_params()
    assert not hasattr(copy, "treatments_")


def test_errors_name_the_arm(pilot) -> None:  # type: ignore[no-untyped-def]
    X, arm, y = pilot
    with pytest.raises(ValidationError) as err:
        TLearner(control="nobody").fit(X[FEATURES], y, arm)
    assert (err.value.field, err.value.rule) == ("treatment", "control_label_present")
    with pytest.raises(ValidationError) as err:
        TLearner().fit(X[FEATURES], y, np.full(len(y), "control"))
    assert err.value.rule == "at_least_one_treatment"
    y2 = y.copy()
    y2[arm == "offer_a"] = 0
    with pytest.raises(ValidationError) as err:
        TLearner().fit(X[FEATURES], y2, arm)
    assert err.value.field == "y[treatment=offer_a]"
    with pytest.raises(ValidationError) as err:
        TLearner(estimator="lightgbm").fit(X[FEATURES], y, arm)  # type: ignore[arg-type]
    assert err.value.field == "estimator"


@pytest.mark.parametrize("learner", [TLearner, XLearner, ClassTransformation])
def test_shared_matrix_scores_as_each_arm_alone(learner, pilot, small) -> None:  # type: ignore[no-untyped-def]
    X, arm, y = pilot
    X = X.copy()
    # a level only one offer arm saw: the arms' models know different levels
    X["segment"] = X["segment"].cat.add_categories("vip")
    X.loc[np.flatnonzero(arm == "offer_a")[:40], "segment"] = "vip"
    model = learner(control="control", features=FEATURES, estimator=small).fit(X, y, arm)
    levels = {len(m.columns_.categories["segment"]) for m in model.models_.values()}
    assert levels == {4, 5}
    rows = X.head(500)
    if learner is TLearner:
        base = model.models_["control"].predict_proba(rows)[:, 1]
        alone = np.column_stack([model.models_[t].predict_proba(rows)[:, 1] - base
                                 for t in model.treatments_])  # fmt: skip
        assert np.array_equal(model.predict(rows), alone)
    assert np.array_equal(model.predict(rows), model.predict(rows.astype({"segment": object})))


def test_default_arm_models_stop_early(pilot) -> None:  # type: ignore[no-untyped-def]
    X, arm, y = pilot
    model = TLearner(control="control", features=FEATURES).fit(X, y, arm)
    assert all(1 <= m.n_estimators_ < 300 for m in model.models_.values())
