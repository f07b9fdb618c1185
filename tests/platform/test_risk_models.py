"""Risk model versions: a model trained on real handbook data becomes champion and scores
events live; promoting another version swaps it without a restart."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.datasets import load_fraud_handbook
from finbrain.platform import risk as service
from finbrain.risk.events import frame_from_handbook
from tests.conftest import Platform


@pytest.fixture(scope="module")
def trained() -> tuple[Any, dict[str, Any]]:
    raw = load_fraud_handbook()
    raw = raw[(raw["TX_DATETIME"] >= "2018-05-01") & (raw["TX_DATETIME"] < "2018-05-15")]
    return service.train_model(frame_from_handbook(raw))


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
