"""The demo bank's set-up: it runs from the package alone (nothing read from the data folder
that may not ship), so a pip-installed finbrain can show it."""

from __future__ import annotations

from typing import Any

import pytest

import finbrain.datasets
import finbrain.datasets.fraud
from finbrain.platform import bootstrap, registry
from tests.conftest import Platform


@pytest.mark.slow  # trains a small risk model
def test_the_demo_risk_model_learns_from_the_packages_simulator(
    sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never the Fraud-Detection-Handbook file (no-ship), even where the data folder has it."""

    def handbook(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the demo read the no-ship fraud handbook file")

    monkeypatch.setattr(finbrain.datasets, "load_fraud_handbook", handbook)
    monkeypatch.setattr(finbrain.datasets.fraud, "load_fraud_handbook", handbook)
    tenant_id, _ = sqlite_platform.new_tenant()
    label = bootstrap.ensure_demo_risk(
        sqlite_platform.db, tenant_id, events=40, train_customers=300, train_days=21
    )
    assert label is not None and label.startswith(bootstrap.DEMO_RISK_MODEL)
    with sqlite_platform.db.tenant(tenant_id) as session:
        champion = registry.champion(session, "risk")
        assert champion.name == "simulated-gbm"
        assert champion.metrics["source"] == "finbrain.datasets.simulator, 300 customers, 21 days"
        assert 0.5 < champion.metrics["auc"] <= 1.0
