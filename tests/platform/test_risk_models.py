"""Risk model versions: a model trained on real handbook data becomes champion and scores
events live; promoting another version swaps it without a restart."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.datasets import load_fraud_handbook
from finbrain.platform.risk import service
from finbrain.risk.events import frame_from_handbook
from tests.conftest import Platform


@pytest.fixture(scope="module")
def trained() -> tuple[Any, dict[str, Any]]:
    raw = load_fraud_handbook()
    raw = raw[(raw["TX_DATETIME"] >= "2018-05-01") & (raw["TX_DATETIME"] < "2018-05-15")]
    return service.train_model(frame_from_handbook(raw))


@pytest.mark.slow
def test_promoted_models_score_live(platform: Platform, trained: Any) -> None:
    model, metrics = trained
    assert metrics["auc"] > 0.8 and 0 < metrics["ap"] <= 1
    tenant_id, key = platform.new_tenant()
    headers = {"Authorization": f"Bearer {key}"}
    with platform.db.tenant(tenant_id) as session:
        first = service.register_model(session, tenant_id, model, metrics, "gbm-a").id
        second = service.register_model(session, tenant_id, model, metrics, "gbm-b").id
    listed = platform.client.get("/v1/risk/models", headers=headers).json()
    assert {m["name"] for m in listed} == {"gbm-a", "gbm-b"}
    body = {
        "event_id": "M1",
        "kind": "card",
        "occurred_at": "2026-11-01T09:00:00Z",
        "amount": "250.00",
        "currency": "EUR",
        "customer_id": "C1",
        "card_id": "C1",
        "terminal_id": "T1",
    }
    before = platform.client.post("/v1/risk/events", json=body, headers=headers).json()
    assert before["decision"]["model"] is None  # no champion yet: rules only
    r = platform.client.post(f"/v1/risk/models/{first}/promote", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "champion"
    scored = platform.client.post(
        "/v1/risk/events", json={**body, "event_id": "M2"}, headers=headers
    ).json()
    assert scored["decision"]["model"]["id"] == "gbm-a"
    # The other version, still a candidate, scored the same event in shadow.
    stream = platform.client.get("/v1/risk/events?limit=1", headers=headers).json()["items"]
    assert stream[0]["body"]["challenger"]["id"] == "gbm-b"
    assert 0.0 <= stream[0]["body"]["challenger_score"] <= 1.0
    # An amount far above 220 is the handbook's first fraud scenario: the model sees it.
    assert scored["decision"]["score"] > before["decision"]["score"]
    platform.client.post(f"/v1/risk/models/{second}/promote", headers=headers)
    later = platform.client.post(
        "/v1/risk/events", json={**body, "event_id": "M3"}, headers=headers
    ).json()
    assert later["decision"]["model"]["id"] == "gbm-b"
    stream = platform.client.get("/v1/risk/events?limit=1", headers=headers).json()["items"]
    assert "challenger" not in stream[0]["body"]  # the old champion is retired, not a challenger
    # Another tenant's model id, or a credit model id, is not found.
    _, other_key = platform.new_tenant()
    r = platform.client.post(
        f"/v1/risk/models/{first}/promote", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert r.status_code == 404


@pytest.mark.slow
def test_a_model_is_trained_on_the_tenants_own_log_and_labels(platform: Platform) -> None:
    """Two days of handbook payments scored live, their frauds labelled (as dispositions
    would), then ``POST /v1/risk/models``: the job fits on the log with the engine's own
    feature declarations, and the new version scores every later event in shadow."""
    from finbrain.risk.events import events_from_frame

    tenant_id, key = platform.new_tenant()
    headers = {"Authorization": f"Bearer {key}"}
    early = platform.client.post("/v1/risk/models", json={"name": "mine"}, headers=headers)
    assert early.status_code == 202
    job = platform.client.get(early.headers["Location"], headers=headers).json()
    assert job["status"] == "failed" and "FB-VALIDATION" in job["message"]  # no labels yet
    raw = load_fraud_handbook()
    raw = raw[(raw["TX_DATETIME"] >= "2018-05-01") & (raw["TX_DATETIME"] < "2018-05-03")]
    frame = frame_from_handbook(raw)
    events = list(events_from_frame(frame.drop(columns=["is_fraud", "seq"])))
    tenant = platform.client.app.state.risk.tenant(tenant_id)  # type: ignore[attr-defined]
    for start in range(0, len(events), 1000):
        tenant.submit(events[start : start + 1000], None, None, timeout=120)
    frauds = [str(e) for e in frame.loc[frame["is_fraud"] == 1, "event_id"]]
    assert len(frauds) > 100
    labelled = platform.client.post(
        "/v1/risk/labels",
        json={"labels": [{"event_id": e, "is_fraud": True} for e in frauds]},
        headers=headers,
    )
    assert labelled.status_code < 300, labelled.text
    bad = platform.client.post(
        "/v1/risk/models", json={"name": "x", "holdout": 0.9}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("holdout")
    started = platform.client.post("/v1/risk/models", json={"name": "mine"}, headers=headers)
    assert started.status_code == 202, started.text
    job = platform.client.get(started.headers["Location"], headers=headers).json()
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["status"] == "candidate" and result["train_events"] > 10_000
    # The log and its labels are exactly the training frame the handbook gives directly: the
    # same features from the same declarations, so the same model and held-out metrics.
    _, direct = service.train_model(frame)
    assert (result["auc"], result["ap"]) == (direct["auc"], direct["ap"])
    assert result["auc"] > 0.55  # two days: little history for the terminal and velocity windows
    listed = {m["id"]: m for m in platform.client.get("/v1/risk/models", headers=headers).json()}
    assert listed[result["model_id"]]["name"] == "mine"
    # The engine took it as the challenger: the next event carries its shadow score.
    after = {
        "event_id": "after-training",
        "kind": "card",
        "occurred_at": "2018-05-03T00:10:00Z",
        "amount": "80.00",
        "currency": "EUR",
        "customer_id": "1",
        "card_id": "1",
        "terminal_id": "2",
    }
    scored = platform.client.post("/v1/risk/events", json=after, headers=headers)
    assert scored.status_code == 201, scored.text
    stream = platform.client.get("/v1/risk/events?limit=1", headers=headers).json()["items"]
    assert stream[0]["event_id"] == "after-training"
    assert 0 <= stream[0]["body"]["challenger_score"] <= 1
    assert stream[0]["body"]["challenger"]["id"] == "mine"
