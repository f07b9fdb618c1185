from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finbrain.marketing import Propensity, TLearner, simulate_campaign
from finbrain.marketing.simulation import SimulatedCampaign

FEATURES = ["x0", "x1", "x2", "x3", "segment", "risk"]


@pytest.fixture(scope="session")
def sim() -> SimulatedCampaign:
    return simulate_campaign(3000, offers=3, budget="2000", seed=7)


@pytest.fixture(scope="session")
def pilot(sim: SimulatedCampaign) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    return sim.pilot(12000)


@pytest.fixture(scope="session")
def small() -> Propensity:
    return Propensity(calibration="none", n_estimators=60, num_leaves=7)


@pytest.fixture(scope="session")
def tlearner(pilot, small) -> TLearner:  # type: ignore[no-untyped-def]
    X, arm, y = pilot
    return TLearner(control="control", features=FEATURES, estimator=small).fit(X, y, arm)
