"""Credit scoring through the platform: champion scorecard, decisions with reasons on the
ledger, idempotent retries, clear errors, model versions and promotion."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.datasets import load_german
from finbrain.ledger import Verifier, check_receipt
from finbrain.platform import registry
from finbrain.platform.credit import service as credit
from tests.conftest import Platform


@pytest.fixture(scope="module")
def trained() -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    return card, metrics, X.head(20).to_dict(orient="records")


def _champion(platform: Platform, tenant_id: str, trained: Any) -> str:
    card, metrics, _ = trained
    with platform.db.tenant(tenant_id) as session:
        row = credit.register_scorecard(session, tenant_id, card, metrics, "german")
        registry.promote(session, row.id)
        return row.id


def test_score_an_applicant(platform: Platform, trained: Any) -> None:
    tenant_id, key = platform.new_tenant()
    _champion(platform, tenant_id, trained)
    _, metrics, applicants = trained
    assert metrics["auc"] > 0.75
    h = {"Authorization": f"Bearer {key}", "Idempotency-Key": "app-1"}
    body = {"applicant_id": "LOS-2026-0001", "features": applicants[0]}
    r = platform.client.post("/v1/credit/score", json=body, headers=h)
    assert r.status_code == 201, r.text
    decision = r.json()
    assert decision["capability"] == "credit" and decision["outcome"] in {
        "approve",
        "refer",
        "decline",
    }
    assert decision["grade"] in "ABCDEF" and decision["model"]["id"] == "german"
    assert len(decision["reasons"]) <= 4
    assert all(x["text"]["zh"] and x["text"]["en"] for x in decision["reasons"])
    assert r.headers["location"] == f"/v1/decisions/{decision['id']}"
    again = platform.client.post("/v1/credit/score", json=body, headers=h)
    assert again.json() == decision and again.headers["idempotent-replayed"] == "true"
    # The receipt proves the decision is on the tenant's ledger.
    cp = platform.client.get("/v1/ledger/checkpoint", headers={"Authorization": f"Bearer {key}"})
    from finbrain.core.decision import Decision

    parsed = Decision.model_validate(decision)
    assert parsed.receipt is not None
    check_receipt(parsed.ledger_entry(), parsed.receipt, Verifier.parse(cp.json()["vkey"]))


def test_scoring_errors_name_the_field(platform: Platform, trained: Any) -> None:
    tenant_id, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    _, _, applicants = trained
    r = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "A1", "features": applicants[0]}, headers=h
    )
    assert r.status_code == 404  # no champion yet
    _champion(platform, tenant_id, trained)
    features = dict(applicants[0])
    features.pop("duration_in_month")
    r = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "A1", "features": features}, headers=h
    )
    assert r.status_code == 422 and r.json()["field"] == "features.duration_in_month"
    r = platform.client.post(
        "/v1/credit/score",
        json={"applicant_id": "A1", "features": {**applicants[0], "duration_in_month": "long"}},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["rule"] == "number"
    r = platform.client.post(
        "/v1/credit/score",
        json={"applicant_id": "110101 199003074518", "features": applicants[0]},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["field"] == "applicant_id"
    _, reader = platform.new_tenant(scopes=["decisions:read"])
    r = platform.client.post(
        "/v1/credit/score",
        json={"applicant_id": "A1", "features": applicants[0]},
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert r.status_code == 403


def test_versions_and_promotion(platform: Platform, trained: Any) -> None:
    tenant_id, key = platform.new_tenant()
    first = _champion(platform, tenant_id, trained)
    card, metrics, applicants = trained
    with platform.db.tenant(tenant_id) as session:
        second = credit.register_scorecard(session, tenant_id, card, metrics, "german").id
    h = {"Authorization": f"Bearer {key}"}
    listed = platform.client.get("/v1/credit/models", headers=h).json()
    assert [(m["version"], m["status"]) for m in listed] == [(2, "candidate"), (1, "champion")]
    r = platform.client.post(f"/v1/credit/models/{second}/promote", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "champion"
    statuses = {
        m["id"]: m["status"] for m in platform.client.get("/v1/credit/models", headers=h).json()
    }
    assert statuses == {first: "retired", second: "champion"}
    decision = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "A2", "features": applicants[1]}, headers=h
    ).json()
    assert decision["model"]["version"] == "2"


def test_batch_scoring_is_all_or_nothing(platform: Platform, trained: Any) -> None:
    tenant_id, key = platform.new_tenant()
    _champion(platform, tenant_id, trained)
    _, _, applicants = trained
    h = {"Authorization": f"Bearer {key}"}
    body = {
        "applicants": [{"applicant_id": f"B-{i}", "features": a} for i, a in enumerate(applicants)]
    }
    r = platform.client.post("/v1/credit/score/batch", json=body, headers=h)
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [d["subject"]["id"] for d in items] == [f"B-{i}" for i in range(len(applicants))]
    assert [d["receipt"]["leaf_index"] for d in items] == list(range(len(applicants)))
    broken = dict(applicants[5])
    broken.pop("duration_in_month")
    body["applicants"][5]["features"] = broken
    r = platform.client.post("/v1/credit/score/batch", json=body, headers=h)
    assert r.status_code == 422
    assert r.json()["field"] == "applicants.5.features.duration_in_month"
    listed = platform.client.get("/v1/decisions?limit=200", headers=h).json()["items"]
    assert len(listed) == len(applicants)  # the refused batch left nothing behind
