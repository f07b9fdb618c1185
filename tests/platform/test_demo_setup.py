"""The demo bank's set-up: credit and risk run from the package alone (nothing read from the
data folder that may not ship), so a pip-installed finbrain can show them. The advisory shelf
is the one exception, on purpose: real Chinese fund NAVs, read from the data folder at demo
time and never copied into the package; without them the demo has no shelf and says so."""

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


def test_the_demo_shelf_is_real_funds_with_clients_and_proposals(
    sqlite_platform: Platform,
) -> None:
    from finbrain.core.errors import DatasetError
    from finbrain.datasets.wealth import load_fund_cum_nav
    from finbrain.platform.advisory import queries
    from finbrain.platform.advisory.demo import CLIENTS, HISTORY_FROM

    try:
        nav = load_fund_cum_nav().loc[HISTORY_FROM:]
    except DatasetError as exc:
        pytest.skip(f"the wealth data is not here: {exc}")
    tenant_id, key = sqlite_platform.new_tenant()
    label = bootstrap.ensure_demo_advisory(sqlite_platform.db, tenant_id)
    assert label is not None and label.endswith("3 clients")
    assert bootstrap.ensure_demo_advisory(sqlite_platform.db, tenant_id) == label  # once
    with sqlite_platform.db.tenant(tenant_id) as session:
        loaded = queries.loaded_shelf(session)
        assert 15 <= len(loaded.shelf) <= 50
        assert set(nav.columns) <= set(loaded.shelf.codes)
        assert {p.risk.label for p in loaded.shelf} == {"R1", "R2", "R3", "R4", "R5"}
        # the real NAVs, unchanged
        assert loaded.prices["161005"].dropna().round(4).equals(nav["161005"].dropna().round(4))
        for client_id in CLIENTS:
            (made,) = queries.proposals_of(session, client_id)
            top = int(made.category[1])
            assert all(int(loaded.shelf[c].risk) <= top for c in made.weights)
    headers = {"Authorization": f"Bearer {key}"}
    listed = sqlite_platform.client.get(
        "/v1/match/recommendations", params={"customer": "DEMO-CLIENT-01"}, headers=headers
    ).json()
    assert listed["items"] and all(i["risk"] in ("R1", "R2") for i in listed["items"])


def test_without_the_wealth_files_the_demo_has_no_shelf(
    sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from finbrain.core.settings import reset_settings

    monkeypatch.setenv("FINBRAIN_DATA_DIR", str(tmp_path / "nothing-here"))
    reset_settings()
    tenant_id, _ = sqlite_platform.new_tenant()
    assert bootstrap.ensure_demo_advisory(sqlite_platform.db, tenant_id) is None
    from finbrain.platform.advisory import queries

    with sqlite_platform.db.tenant(tenant_id) as session:
        assert queries.shelf_state(session) is None


@pytest.mark.slow  # scores a few days of payments, builds profiles, trains the uplift model
def test_the_demo_marketing_has_pilots_outcomes_a_model_and_a_ready_campaign(
    sqlite_platform: Platform,
) -> None:
    from sqlalchemy import select

    from finbrain.platform.marketing import consent, expected, outcomes, queries
    from finbrain.platform.marketing.demo import PILOTS, READY, ensure_demo_marketing
    from finbrain.platform.marketing.tables import MarketingAssignment, MarketingContact
    from tests.platform.marketing_seed import seed_bank

    tenant_id, _ = sqlite_platform.new_tenant()
    assert ensure_demo_marketing(sqlite_platform.db, tenant_id) is None  # no profiles yet
    label = seed_bank(sqlite_platform.db, tenant_id)
    assert label.startswith("uplift v1 (")
    with sqlite_platform.db.tenant(tenant_id, write=False) as session:
        campaigns = {c.id for c in queries.campaigns(session)}
        assert campaigns == {p["id"] for p in PILOTS} | {READY["id"]}
        for pilot in PILOTS:  # each pilot: treated and control, every outcome recorded
            lift = outcomes.measured(session, pilot["id"])[pilot["offers"][0]["code"]]
            assert lift["offer"]["outcomes"] == lift["offer"]["customers"] > 0
            assert lift["control"]["outcomes"] == lift["control"]["customers"] > 0
        seen = expected.expected_lift(session, READY["id"])
        assert seen.problem is None and seen.model_version == 1
        assert seen.summary["offered"] > 0 and seen.responses > 0
        assert seen.summary["opted_out"] == sum(consent.stored(session).values()) > 0
        # nobody who opted out was contacted or held out, by the pilots or their contacts
        out = {c for c, o in consent.stored(session).items() if o}
        arms = session.scalars(select(MarketingAssignment.customer_id)).all()
        contacted = session.scalars(select(MarketingContact.customer_id)).all()
        assert arms and not out & set(arms) and not out & set(contacted)
    # a second start changes nothing
    assert ensure_demo_marketing(sqlite_platform.db, tenant_id) == label
    with sqlite_platform.db.tenant(tenant_id, write=False) as session:
        assert len(queries.campaigns(session)) == 3 and len(queries.uplift_models(session)) == 1
