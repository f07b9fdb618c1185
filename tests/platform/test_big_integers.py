"""Integers beyond ±(2^53 - 1) and non-finite numbers in any canonicalised input (a credit
feature, known or not, in a single score, a batch or a card application's bureau block) are a
422 naming the field and the rule, never a 500; nothing is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from finbrain.datasets import load_german
from finbrain.platform import registry
from finbrain.platform.credit import service as credit
from tests.conftest import Platform
from tests.platform.test_card_application import application

BIG = 2**53  # the first integer a JCS number (an IEEE double) cannot tell from its neighbour


@pytest.fixture(scope="module")
def trained() -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    return card, metrics, X.head(3).to_dict(orient="records")


def _tenant(platform: Platform, trained: Any) -> dict[str, str]:
    tenant_id, key = platform.new_tenant()
    card, metrics, _ = trained
    with platform.db.tenant(tenant_id) as session:
        registry.promote(
            session, credit.register_scorecard(session, tenant_id, card, metrics, "german").id
        )
    return {"Authorization": f"Bearer {key}", "Accept-Language": "en"}


def _refused(r: Any, field: str, rule: str = "safe_integer") -> None:
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (problem["field"], problem["rule"]) == (field, rule)
    assert problem["errors"][0]["field"] == field


@pytest.mark.parametrize("name", ["credit_amount", "not_a_model_feature"])
def test_a_big_integer_feature_is_named(platform: Platform, trained: Any, name: str) -> None:
    h = _tenant(platform, trained)
    _, _, applicants = trained
    features = {**applicants[0], name: BIG + 1}
    r = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "A1", "features": features}, headers=h
    )
    _refused(r, f"features.{name}")
    batch = {
        "applicants": [
            {"applicant_id": "B0", "features": applicants[0]},
            {"applicant_id": "B1", "features": {**applicants[1], name: -BIG}},
        ]
    }
    r = platform.client.post("/v1/credit/score/batch", json=batch, headers=h)
    _refused(r, f"applicants.1.features.{name}")
    assert platform.client.get("/v1/decisions", headers=h).json()["items"] == []


def test_the_largest_safe_integer_is_scored(platform: Platform, trained: Any) -> None:
    h = _tenant(platform, trained)
    _, _, applicants = trained
    features = {**applicants[0], "not_a_model_feature": BIG - 1}
    r = platform.client.post(
        "/v1/credit/score", json={"applicant_id": "A1", "features": features}, headers=h
    )
    assert r.status_code == 201, r.text


def test_a_non_finite_number_is_named(platform: Platform, trained: Any) -> None:
    h = {**_tenant(platform, trained), "Content-Type": "application/json"}
    # Python's JSON reader takes 1e400 as infinity and the non-standard NaN literal.
    for literal in ("1e400", "NaN"):
        body = '{"applicant_id": "A1", "features": {"duration_in_month": 12, "x": LIT}}'
        r = platform.client.post(
            "/v1/credit/score", content=body.replace("LIT", literal), headers=h
        )
        _refused(r, "features.x", "finite_number")


def test_a_card_applications_bureau_block(platform: Platform, trained: Any) -> None:
    h = _tenant(platform, trained)
    _, _, applicants = trained
    body = application("APP-BIG", bureau={"features": {**applicants[0], "extra": BIG * 4}})
    r = platform.client.post("/v1/applications/credit-card", json=body, headers=h)
    _refused(r, "bureau.features.extra")
    assert platform.client.get("/v1/applications", headers=h).json()["items"] == []


def test_risk_events_carry_no_number_to_overflow(platform: Platform) -> None:
    """Every event field is text (amounts are decimal strings), so a big integer anywhere is a
    named 422 of its own: it never reaches the digest."""
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    now = datetime.now(UTC).isoformat()
    event = {
        "event_id": "big-1",
        "kind": "card",
        "occurred_at": now,
        "amount": "10.00",
        "currency": "CNY",
        "customer_id": "C1",
        "card_id": "K1",
    }
    for name in ("amount", "event_id", "customer_id", "card_id", "terminal_id"):
        r = platform.client.post("/v1/risk/events", json={**event, name: BIG * 8}, headers=h)
        assert r.status_code == 422 and r.json()["field"] == name, r.text
        r = platform.client.post(
            "/v1/risk/events/batch", json={"events": [{**event, name: BIG * 8}]}, headers=h
        )
        assert r.status_code == 422 and r.json()["field"] == f"events.0.{name}", r.text


def test_a_big_integer_in_a_query_is_named(platform: Platform) -> None:
    """The live stream's page cursor is bounded like the ledger's sizes (2^62): a bigger one
    is a 422 naming it, not the database driver's overflow (a 500)."""
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    r = platform.client.get(f"/v1/risk/events?before={2**70}", headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("before", "less_than_equal")
    assert platform.client.get(f"/v1/risk/events?before={2**62}", headers=h).status_code == 200
