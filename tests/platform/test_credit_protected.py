"""The platform's credit models leave protected attributes out and record it on the model card;
the development report still measures fairness across them."""

from __future__ import annotations

import json
import time

from finbrain.platform import registry
from finbrain.platform.bootstrap import ensure_demo_credit
from tests.conftest import Platform

PERSONAL = "personal_status_and_sex"


def test_demo_german_scorecard_does_not_score_personal_status(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    tenant_id, _ = p.new_tenant()
    ensure_demo_credit(p.db, tenant_id)
    with p.db.tenant(tenant_id, write=False) as session:
        model = registry.champion(session, "credit")
        metrics, artifact, report = model.metrics, model.artifact, model.report or ""
    assert metrics["protected"] == [PERSONAL]
    assert PERSONAL not in metrics["features"]
    assert PERSONAL not in [f["name"] for f in json.loads(artifact)["features"]]
    assert json.loads(artifact)["protected"] == [PERSONAL]
    # Fairness is still measured across it (and across the monitored age and foreign_worker).
    assert set(metrics["fairness"]) == {PERSONAL, "age_in_years", "foreign_worker"}
    assert 0 < metrics["fairness"][PERSONAL] <= 1
    section = report.split("7. Fairness")[1].split("8. Reason catalogue")[0]
    assert PERSONAL in section and "female : divorced/separated/married" in section
    assert "not a feature of this scorecard" in section


def _wait(p: Platform, headers: dict[str, str], job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = p.client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in {"succeeded", "failed"}:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_training_api_takes_the_exclusion_list(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    _, key = p.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    body = {"name": "no-age", "dataset": "german", "protected": [PERSONAL, "age_in_years"]}
    r = p.client.post("/v1/credit/models", json=body, headers=h)
    assert r.status_code == 202, r.text
    job = _wait(p, h, r.json()["id"])
    assert job["status"] == "succeeded", job
    card = p.client.get("/v1/credit/models", headers=h).json()[0]
    assert card["metrics"]["protected"] == [PERSONAL, "age_in_years"]
    assert not {PERSONAL, "age_in_years"} & set(card["metrics"]["features"])
    r = p.client.post("/v1/credit/models", json={**body, "protected": "age_in_years"}, headers=h)
    assert r.status_code == 422  # a list of column names, not one string
