"""Proposals over HTTP: a client's assessment, the bank's shelf and prices give an allocation,
orders and an explanation, recorded as a decision on the ledger; never an order the client's
category forbids; bad input refused naming the field and the rule, with nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from finbrain.platform.advisory.tables import AdvisoryClient
from tests.conftest import Platform
from tests.platform.advisory_shelf import LEVEL, PRODUCTS, assess, propose, seed_shelf


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    scopes = scopes or ["advisory:advise", "advisory:shelf", "decisions:read"]
    _, key = platform.new_tenant(scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def bank(platform: Platform) -> dict[str, str]:
    headers = _headers(platform)
    seed_shelf(platform.client, headers)
    return headers


def _decisions(platform: Platform, headers: dict[str, str], action: str) -> list[Any]:
    listed = platform.client.get("/v1/decisions?limit=200", headers=headers).json()["items"]
    return [d for d in listed if d["action"] == action]


def test_a_proposal_is_a_decision_with_its_allocation_and_orders(
    platform: Platform, bank: dict[str, str]
) -> None:
    assess(platform.client, bank, "CL-4", "C4")
    made = propose(platform.client, bank, "CL-4")
    assert made.status_code == 201, made.text
    out = made.json()
    decision = out["decision"]
    assert made.headers["location"] == f"/v1/advisory/proposals/{out['id']}"
    assert decision["id"] == out["id"] and decision["receipt"] is not None
    assert (decision["capability"], decision["action"], decision["outcome"]) == (
        "advisory",
        "propose",
        "propose",
    )
    assert decision["grade"] == "C4" and decision["subject"] == {"type": "client", "id": "CL-4"}
    codes = [r["code"] for r in decision["reasons"]]
    assert codes[:3] == ["ADV-PROFILE", "ADV-ALLOCATION", "ADV-METHOD-TARGET-RISK"]
    assert all(r["text"]["zh"] and r["text"]["en"] for r in decision["reasons"])
    assert 0.99 <= sum(out["weights"].values()) <= 1.0 + 1e-6
    assert all(LEVEL[c] <= 4 for c in out["weights"])
    buys = [o for o in out["orders"] if o["side"] == "buy"]
    assert buys and sum(Decimal(o["amount"]) for o in buys) <= Decimal("100000")
    assert out["figures"]["vol_budget"] == 0.15 and out["figures"]["volatility"] > 0
    assert out["shelf_version"] == 2 and out["cash"] == "100000"

    read = platform.client.get(f"/v1/advisory/proposals/{out['id']}", headers=bank)
    assert read.status_code == 200 and read.json() == out
    recorded = platform.client.get(f"/v1/decisions/{out['id']}", headers=bank).json()
    assert recorded["input_digest"] == decision["input_digest"]


@pytest.mark.parametrize("category", ["C1", "C2", "C3", "C5"])
def test_no_order_is_above_the_clients_category(
    platform: Platform, bank: dict[str, str], category: str
) -> None:
    """With holdings of every level, what is bought never exceeds the client's level (a
    lowest-category client: R1 only), whatever the method."""
    assess(platform.client, bank, f"CL-{category}", category)
    holdings = [
        {"code": "EQ-A", "value": "20000", "held_days": 400},
        {"code": "LEV", "value": "5000", "held_days": 400},
        {"code": "BOND-A", "value": "10000", "held_days": 30},
    ]
    top = int(category[1])
    for method in ("target_risk", "min_variance", "hrp"):
        made = propose(platform.client, bank, f"CL-{category}", holdings=holdings, method=method)
        assert made.status_code == 201, made.text
        out = made.json()
        bought = {o["code"] for o in out["orders"] if o["side"] == "buy"}
        assert all(LEVEL[c] <= top for c in bought), (method, bought)
        assert all(LEVEL[c] <= top for c in out["weights"]), (method, out["weights"])
        sold = {o["code"] for o in out["orders"] if o["side"] == "sell"}
        assert {c for c in ("EQ-A", "LEV") if LEVEL[c] > top} <= sold  # unsuitable: sold
    if category == "C1":  # the lowest category: R1 products only (deposit, money fund)
        assert set(out["weights"]) <= {"DEP1Y", "MMF"}


def _refused(response: Any, status: int, code: str, field: str, rule: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["field"], body.get("rule")) == (code, field, rule), body


def test_bad_input_is_refused_and_nothing_is_recorded(
    platform: Platform, bank: dict[str, str]
) -> None:
    assess(platform.client, bank, "CL-3", "C3")
    client = platform.client
    _refused(propose(client, bank, "NOBODY"), 404, "FB-NOT-FOUND", "client_id", None)
    _refused(propose(client, bank, "CL-3", cash="0"), 422, "FB-VALIDATION", "cash",
             "something_to_invest")  # fmt: skip
    _refused(propose(client, bank, "CL-3", cash="-5"), 422, "FB-VALIDATION", "cash",
             "not_negative")  # fmt: skip
    negative = [{"code": "BOND-A", "value": "-100"}]
    _refused(propose(client, bank, "CL-3", holdings=negative), 422, "FB-VALIDATION",
             "holdings.BOND-A", "not_negative")  # fmt: skip
    off_shelf = [{"code": "GONE", "value": "100"}]
    _refused(propose(client, bank, "CL-3", holdings=off_shelf), 422, "FB-VALIDATION",
             "holdings.GONE", "on_the_shelf")  # fmt: skip
    twice = [{"code": "MMF", "value": "1"}, {"code": "MMF", "value": "2"}]
    _refused(propose(client, bank, "CL-3", holdings=twice), 422, "FB-VALIDATION",
             "holdings.MMF", "one_holding_per_product")  # fmt: skip
    dollars = {"client_id": "CL-3", "cash": {"amount": "100", "currency": "USD"}}
    _refused(client.post("/v1/advisory/proposals", json=dollars, headers=bank), 422,
             "FB-VALIDATION", "cash", "shelf_currency")  # fmt: skip
    unknown_method = propose(client, bank, "CL-3", method="astrology")
    assert unknown_method.status_code == 422 and "method" in unknown_method.text

    # An expired assessment: assess again first.
    with platform.db.tenant(_tenant(platform, bank)) as session:
        past = datetime.now(UTC) - timedelta(days=1)
        session.execute(
            update(AdvisoryClient)
            .where(AdvisoryClient.client_id == "CL-3")
            .values(expires_at=past, assessed_at=past - timedelta(days=365))
        )
    expired = propose(client, bank, "CL-3")
    _refused(expired, 409, "FB-ADVISORY-ASSESSMENT-EXPIRED", "client_id", "assessment_current")
    assert "expired" in expired.json()["title"]
    assert _decisions(platform, bank, "propose") == []


def _tenant(platform: Platform, headers: dict[str, str]) -> str:
    secret = headers["Authorization"].removeprefix("Bearer ")
    return next(t for t, k in platform.tenants if k == secret)


def test_an_empty_shelf_or_nothing_suitable_is_refused(platform: Platform) -> None:
    headers = _headers(platform)
    assess(platform.client, headers, "CL-1", "C1")
    _refused(propose(platform.client, headers, "CL-1"), 422, "FB-ADVISORY-NO-SHELF", "shelf",
             "at_least_one_product")  # fmt: skip
    risky = [p for p in PRODUCTS if LEVEL[p["code"]] >= 3]
    platform.client.post("/v1/advisory/products", json={"products": risky}, headers=headers)
    nothing = propose(platform.client, headers, "CL-1")
    _refused(nothing, 422, "FB-ADVISORY-EMPTY-SHELF", "shelf", "a_suitable_product_for_C1")
    assert "C1" in nothing.json()["title"] and nothing.json()["detail"]
    assert _decisions(platform, headers, "propose") == []


def test_a_retried_proposal_is_made_once(platform: Platform, bank: dict[str, str]) -> None:
    assess(platform.client, bank, "CL-5", "C5")
    body = {"client_id": "CL-5", "cash": {"amount": "50000", "currency": "CNY"}}
    retry = {**bank, "Idempotency-Key": "proposal-cl-5-1"}
    first = platform.client.post("/v1/advisory/proposals", json=body, headers=retry)
    second = platform.client.post("/v1/advisory/proposals", json=body, headers=retry)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert len(_decisions(platform, bank, "propose")) == 1


def test_the_outlook_backtests_the_method_and_simulates_the_goal(
    platform: Platform, bank: dict[str, str]
) -> None:
    assess(platform.client, bank, "CL-4", "C4")
    made = propose(platform.client, bank, "CL-4").json()
    url = f"/v1/advisory/proposals/{made['id']}/outlook"
    out = platform.client.get(url, headers=bank)
    assert out.status_code == 200, out.text
    body = out.json()
    test = body["backtest"]
    assert test["train_days"] == 249 and test["every_days"] == 63
    series = test["series"]
    assert len(series["days"]) == len(series["proposal"]) == len(series["equal_weight"]) > 50
    assert series["days"] == sorted(series["days"])
    for figures in (test["proposal"], test["equal_weight"]):
        assert {"annual_return", "volatility", "max_drawdown", "costs", "turnover"} <= set(figures)
        assert figures["max_drawdown"] <= 0 <= figures["volatility"]
    goal = body["goal"]
    assert 0 <= goal["probability"] <= 1 and goal["years"] == 5 and goal["paths"] == 5000
    assert goal["invested"] == "100000" and goal["target"] == "121665"  # 100,000 x 1.04^5
    fan = goal["fan"]
    assert all(a <= b <= c for a, b, c in zip(fan["5"], fan["50"], fan["95"], strict=True))
    assert goal["reason"]["code"] == "ADV-GOAL"
    higher = platform.client.get(url, params={"target": "300000"}, headers=bank).json()["goal"]
    assert higher["probability"] <= goal["probability"] and higher["target"] == "300000"
    saving = platform.client.get(url, params={"target": "300000", "monthly": "3000"},
                                 headers=bank).json()["goal"]  # fmt: skip
    assert saving["probability"] >= higher["probability"] and saving["invested"] == "280000"
    assert platform.client.get(url, params={"years": 0}, headers=bank).status_code == 422


def test_a_short_history_has_no_backtest(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=90)
    assess(platform.client, headers, "CL-4", "C4")
    made = propose(platform.client, headers, "CL-4")
    assert made.status_code == 201, made.text
    out = platform.client.get(
        f"/v1/advisory/proposals/{made.json()['id']}/outlook", headers=headers
    ).json()
    assert out["backtest"] is None and out["backtest_note"] == "history_too_short"
    assert out["goal"] is not None  # 90 days hold more than two months' blocks


def test_random_clients_never_get_an_unsuitable_order(sqlite_platform: Platform) -> None:
    """Random answers through the API (contradictions are refused and skipped): every order
    bought is re-checked here by the China rules written out independently: level at most the
    category, R1 only for the lowest category, no lock-up longer than the horizon, from R3 only
    kinds the client chose."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from finbrain.advisory import load_questionnaire

    platform = sqlite_platform
    bank = _headers(platform)
    seed_shelf(platform.client, bank, days=200)
    questions = load_questionnaire().questions
    terms = {p["code"]: p for p in PRODUCTS}
    seen = {"proposals": 0}

    @st.composite
    def answers(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in questions:
            ids = [o.id for o in q.options]
            if q.kind == "multiple":
                out[q.id] = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
            else:
                out[q.id] = draw(st.sampled_from(ids))
        return out

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(given_answers=answers(), method=st.sampled_from(["target_risk", "min_variance"]))
    def check(given_answers: dict[str, Any], method: str) -> None:
        body = {"client_id": "CL-RANDOM", "answers": given_answers}
        assessed = platform.client.post("/v1/advisory/assessments", json=body, headers=bank)
        assume(assessed.status_code == 201)  # a contradiction is refused: not a client
        profile = assessed.json()["client"]
        if profile["needs_review"]:  # answers to talk over: refused until an adviser confirms
            waiting = propose(platform.client, bank, "CL-RANDOM", method=method)
            assert waiting.status_code == 409, waiting.text
            review = {"client_id": "CL-RANDOM", "outcome": "confirm", "note": "checked"}
            confirmed = platform.client.post("/v1/advisory/reviews", json=review, headers=bank)
            assert confirmed.status_code == 201, confirmed.text
        made = propose(platform.client, bank, "CL-RANDOM", method=method)
        if made.status_code == 422:  # nothing suitable with a history: refused, never bent
            assert made.json()["code"] == "FB-ADVISORY-EMPTY-SHELF"
            return
        assert made.status_code == 201, made.text
        seen["proposals"] += 1
        top = int(profile["category"][1])
        horizon = profile["facts"].get("horizon_years")
        interests = profile["facts"].get("interests")
        for order in made.json()["orders"]:
            if order["side"] != "buy":
                continue
            product = terms[order["code"]]
            level = LEVEL[order["code"]]
            assert level <= top and (not profile["lowest"] or level == 1), (profile, order)
            lock_years = product.get("lock_up_days", 0) / 365
            assert horizon is None or lock_years <= horizon + 1e-9, (profile, order)
            if level >= 3 and interests is not None:
                assert product["kind"] in interests, (profile, order)

    check()
    assert seen["proposals"] >= 5  # the property was exercised, not skipped
