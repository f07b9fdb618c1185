"""Training a scorecard as a background job: accepted at once, progress visible, the new
version registered (and promoted) when done; bad requests refused; failures recorded."""

from __future__ import annotations

import time

import pytest

from finbrain.platform.workers import jobs
from tests.conftest import Platform


def _wait(platform: Platform, key: str, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = platform.client.get(
            f"/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}
        ).json()
        if job["status"] in {"succeeded", "failed"}:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_train_in_the_background_then_score(platform: Platform) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    r = platform.client.post(
        "/v1/credit/models",
        json={"name": "german", "dataset": "german", "promote": True},
        headers=h,
    )
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    job = _wait(platform, key, r.json()["id"])
    assert job["status"] == "succeeded" and job["progress"] == 100, job
    result = job["result"]
    assert isinstance(result, dict) and result["status"] == "champion" and result["auc"] > 0.7
    models = platform.client.get("/v1/credit/models", headers=h).json()
    assert models[0]["id"] == result["model_id"]


def test_training_from_rows_and_failures(platform: Platform) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    r = platform.client.post("/v1/credit/models", json={"name": "x"}, headers=h)
    assert r.status_code == 422  # neither dataset nor rows
    rows = [{"income": float(i), "bad": int(i % 3 == 0)} for i in range(60)]
    r = platform.client.post(
        "/v1/credit/models", json={"name": "tiny", "rows": rows, "target": "missing"}, headers=h
    )
    assert r.status_code == 202
    job = _wait(platform, key, r.json()["id"])
    assert job["status"] == "failed" and "target" in str(job["message"])


def test_interrupted_jobs_are_marked_failed(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    with platform.db.tenant(tenant_id) as session:
        job_id = jobs.create(session, tenant_id, "credit.train", {"name": "x"}).id
    assert jobs.fail_interrupted(platform.db) >= 1
    job = platform.client.get(
        f"/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert job["status"] == "failed" and "interrupted" in job["message"]


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_gbm_challenger_trained_promoted_and_serving(platform: Platform) -> None:
    from finbrain.datasets import load_german

    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    r = platform.client.post(
        "/v1/credit/models",
        json={"name": "german-gbm", "dataset": "german", "kind": "gbm", "promote": True},
        headers=h,
    )
    job = _wait(platform, key, r.json()["id"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert isinstance(result, dict) and result["kind"] == "gbm" and result["auc"] > 0.7
    applicant = load_german().drop(columns=["creditability"]).iloc[3].to_dict()
    decision = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "G-3", "features": applicant}, headers=h
    ).json()
    assert decision["model"]["id"] == "german-gbm" and decision["grade"] in "ABCDEF"
    assert 1 <= len(decision["reasons"]) <= 4 and decision["receipt"]
    r = platform.client.get("/v1/credit/models", headers=h).json()
    assert r[0]["kind"] == "gbm" and r[0]["status"] == "champion"
