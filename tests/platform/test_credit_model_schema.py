"""GET /v1/credit/models/{id} tells a loan system what an applicant record must carry: each
feature the model reads, with its label and allowed values (a category's levels, a number's
trained range), so nobody has to guess German text labels."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.datasets import load_german
from finbrain.platform import registry
from finbrain.platform.credit import service as credit
from tests.conftest import Platform

pytestmark = pytest.mark.slow  # trains a scorecard and a GBM on German credit


@pytest.fixture(scope="module")
def german() -> Any:
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    gbm, gbm_metrics = credit.train_gbm(X, y)
    return X, card, metrics, gbm, gbm_metrics


def _check_schema(features: list[dict[str, Any]], X: Any, used: list[str]) -> None:
    assert [f["name"] for f in features] == used
    by_name = {f["name"]: f for f in features}
    purpose = by_name.get("purpose") or next(f for f in features if f["type"] == "category")
    column = X[purpose["name"]]
    assert purpose["type"] == "category" and purpose["levels"]
    assert set(purpose["levels"]) <= {str(v) for v in column.dropna().unique()}
    assert purpose["label"]["zh"] and purpose["label"]["en"]
    numbers = [f for f in features if f["type"] == "number"]
    assert numbers
    for f in numbers:
        assert f["min"] >= X[f["name"]].min() and f["max"] <= X[f["name"]].max()
        assert f["min"] <= f["max"] and f["integer"] is True  # German's numbers are counts
        assert "levels" not in f or f["levels"] is None
    assert "personal_status_and_sex" not in by_name  # protected: never a feature


def test_a_models_schema_lists_every_feature_with_its_allowed_values(
    sqlite_platform: Platform, german: Any
) -> None:
    p = sqlite_platform
    X, card, metrics, gbm, gbm_metrics = german
    tenant_id, key = p.new_tenant()
    with p.db.tenant(tenant_id) as session:
        card_id = credit.register_scorecard(session, tenant_id, card, metrics, "german").id
        gbm_id = credit.register_gbm(session, tenant_id, gbm, gbm_metrics, "german-gbm").id
        registry.promote(session, card_id)
    h = {"Authorization": f"Bearer {key}"}

    r = p.client.get(f"/v1/credit/models/{card_id}", headers=h)
    assert r.status_code == 200, r.text
    model = r.json()
    assert model["id"] == card_id and model["kind"] == "scorecard"
    _check_schema(model["features"], X, list(card.selected_))
    # The champion under its alias: what the next score needs.
    champion = p.client.get("/v1/credit/models/champion", headers=h).json()
    assert champion["id"] == card_id and champion["features"] == model["features"]
    gbm_model = p.client.get(f"/v1/credit/models/{gbm_id}", headers=h).json()
    _check_schema(gbm_model["features"], X, list(gbm.features_))

    # A record built only from the schema scores: the first level, the lowest number.
    record = {
        f["name"]: f["levels"][0] if f["type"] == "category" else f["min"]
        for f in model["features"]
    }
    scored = p.client.post(
        "/v1/credit/score", json={"applicant_id": "SCHEMA-1", "features": record}, headers=h
    )
    assert scored.status_code == 201, scored.text

    # Another tenant's model, or none: 404.
    _, other = p.new_tenant()
    r = p.client.get(f"/v1/credit/models/{card_id}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404
    r = p.client.get("/v1/credit/models/champion", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404


def test_a_model_registered_before_schemas_gets_one_from_its_artifact(
    sqlite_platform: Platform, german: Any
) -> None:
    p = sqlite_platform
    _, card, metrics, _, _ = german
    tenant_id, key = p.new_tenant()
    older = {k: v for k, v in metrics.items() if k != "feature_schema"}
    with p.db.tenant(tenant_id) as session:
        card_id = credit.register_scorecard(session, tenant_id, card, older, "old").id
    r = p.client.get(f"/v1/credit/models/{card_id}", headers={"Authorization": f"Bearer {key}"})
    features = r.json()["features"]
    assert [f["name"] for f in features] == list(card.selected_)
    categories = [f for f in features if f["type"] == "category"]
    assert categories and all(f["levels"] for f in categories)
