"""Recommendations over HTTP: learnt from what customers bought and hold (sent by the bank, or
in proposals), never a product the client's suitability excludes (violation rate 0, whatever
the client bought before), nothing held repeated, and clear refusals."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.match import violation_rate
from tests.conftest import Platform
from tests.platform.advisory_shelf import LEVEL, PRODUCTS, assess, propose, seed_shelf

CODES = [p["code"] for p in PRODUCTS]
BOLD = ["EQ-A", "EQ-B", "ETF300", "LEV", "MIX-A"]
CAUTIOUS = ["DEP1Y", "MMF", "BOND-A", "BOND-B"]


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    scopes = scopes or ["advisory:advise", "advisory:shelf", "match:recommend", "decisions:read"]
    _, key = platform.new_tenant(scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


def _feedback(platform: Platform, headers: dict[str, str], rows: list[dict[str, Any]]) -> Any:
    sent = platform.client.post(
        "/v1/match/interactions", json={"interactions": rows}, headers=headers
    )
    assert sent.status_code == 200, sent.text
    return sent.json()


def _recommend(platform: Platform, headers: dict[str, str], customer: str, k: int = 10) -> Any:
    return platform.client.get(
        "/v1/match/recommendations", params={"customer": customer, "k": k}, headers=headers
    )


def _crowd() -> list[dict[str, Any]]:
    """Bold customers buy equity and mixed funds, cautious ones deposits and bonds."""
    rows = []
    for n in range(40):
        liked = BOLD if n % 2 else CAUTIOUS
        for i in range(3):
            rows.append({"customer": f"crowd-{n}", "product": liked[(n + i) % len(liked)],
                         "kind": "purchase"})  # fmt: skip
    return rows


@pytest.fixture
def bank(platform: Platform) -> dict[str, str]:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    assert _feedback(platform, headers, _crowd()) == {"written": 120}
    return headers


def test_recommendations_never_break_suitability(platform: Platform, bank: dict[str, str]) -> None:
    """Each client bought the boldest products before (an R5, R4s): the mask still keeps every
    product above the client's category out of the list."""
    for category in ("C1", "C2", "C3", "C4", "C5"):
        customer = f"CL-{category}"
        assess(platform.client, bank, customer, category)
        _feedback(platform, bank, [{"customer": customer, "product": c, "kind": "purchase"}
                                   for c in ("LEV", "EQ-A", "ETF300")])  # fmt: skip
        made = _recommend(platform, bank, customer)
        assert made.status_code == 200, made.text
        out = made.json()
        decision, items = out["decision"], out["items"]
        top = int(category[1])
        allowed = [LEVEL[c] <= top and (category != "C1" or LEVEL[c] == 1) for c in CODES]
        listed = [item["code"] for item in items]
        assert listed and violation_rate(listed, CODES, allowed) == 0.0, (category, listed)
        assert out["eligible"] == sum(allowed) and out["shelf"] == len(PRODUCTS)
        assert (decision["capability"], decision["action"], decision["outcome"]) == (
            "match",
            "recommend",
            "recommend",
        )
        assert decision["subject"] == {"type": "customer", "id": customer}
        assert decision["receipt"] is None  # a GET records nothing
        assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
        assert [r["feature"] for r in decision["reasons"][: len(items)]] == listed
        left_out = len(CODES) - sum(allowed)
        if left_out:
            assert decision["reasons"][-1]["code"] == "MATCH-FILTERED"
            assert decision["reasons"][-1]["value"] == left_out
    assert out["feedback"] == 120 + 15


def test_what_a_client_holds_is_not_recommended_again(
    platform: Platform, bank: dict[str, str]
) -> None:
    assess(platform.client, bank, "CL-4", "C4")
    _feedback(platform, bank, [{"customer": "CL-4", "product": "MIX-A", "kind": "view"}])
    before = [i["code"] for i in _recommend(platform, bank, "CL-4", k=20).json()["items"]]
    assert len(before) == len(CODES) - 1  # known: every suitable product scored (not LEV, R5)
    held = before[0]
    _feedback(platform, bank, [{"customer": "CL-4", "product": held, "kind": "holding"}])
    after = [i["code"] for i in _recommend(platform, bank, "CL-4", k=20).json()["items"]]
    assert held not in after and len(after) == len(before) - 1


def test_a_new_client_gets_popularity_and_proposals_count_as_feedback(
    platform: Platform, bank: dict[str, str]
) -> None:
    assess(platform.client, bank, "CL-NEW", "C5")
    out = _recommend(platform, bank, "CL-NEW", k=3).json()
    assert {i["source"] for i in out["items"]} == {"popularity"}
    assert [r["code"] for r in out["decision"]["reasons"][:3]] == ["MATCH-POPULARITY"] * 3
    assert propose(platform.client, bank, "CL-NEW").status_code == 201
    again = _recommend(platform, bank, "CL-NEW", k=3).json()
    assert again["feedback"] > out["feedback"]  # the proposal's orders were learnt from
    assert {i["source"] for i in again["items"]} <= {"collaborative", "features"}


def test_with_no_feedback_nothing_is_ranked(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    assess(platform.client, headers, "CL-2", "C2")
    out = _recommend(platform, headers, "CL-2").json()
    assert out["items"] == [] and out["feedback"] == 0
    assert out["decision"]["outcome"] == "none"
    assert out["decision"]["reasons"][0]["code"] == "MATCH-NO-FEEDBACK"


def test_refusals_name_the_field(platform: Platform, bank: dict[str, str]) -> None:
    unknown = _recommend(platform, bank, "NOBODY")
    assert unknown.status_code == 404 and unknown.json()["field"] == "customer"
    bad = platform.client.post(
        "/v1/match/interactions",
        json={"interactions": [_crowd()[0], {"customer": "x", "product": "GONE",
                                             "kind": "view"}]},
        headers=bank,
    )  # fmt: skip
    assert bad.status_code == 422
    assert (bad.json()["field"], bad.json()["rule"]) == ("interactions.1.product", "on_the_shelf")
    assess(platform.client, bank, "CL-3", "C3")
    assert _recommend(platform, bank, "CL-3").json()["feedback"] == 120  # nothing was written
    assert _recommend(platform, bank, "CL-3", k=0).status_code == 422
    weightless = {"customer": "x", "product": "MMF", "kind": "view", "weight": 0}
    refused = platform.client.post(
        "/v1/match/interactions", json={"interactions": [weightless]}, headers=bank
    )
    assert refused.status_code == 422 and "weight" in refused.text

    no_scope = _headers(platform, ["advisory:advise"])
    assert _recommend(platform, no_scope, "CL-3").status_code == 403
    other = _headers(platform)  # another bank does not know the client
    assert _recommend(platform, other, "CL-3").status_code == 404


def test_a_recommendation_shown_to_a_client_is_on_the_ledger(
    platform: Platform, bank: dict[str, str]
) -> None:
    """POST records the list as a decision (with its receipt); the GET preview lists the same
    products and records nothing."""
    assess(platform.client, bank, "CL-4", "C4")
    preview = _recommend(platform, bank, "CL-4", k=5).json()
    assert preview["decision"]["receipt"] is None
    made = platform.client.post(
        "/v1/match/recommendations", json={"customer": "CL-4", "k": 5}, headers=bank
    )
    assert made.status_code == 201, made.text
    out = made.json()
    assert [i["code"] for i in out["items"]] == [i["code"] for i in preview["items"]]
    assert out["decision"]["receipt"] is not None
    stored = platform.client.get(f"/v1/decisions/{out['decision']['id']}", headers=bank)
    assert stored.status_code == 200 and stored.json()["capability"] == "match"
    assert platform.client.get(f"/v1/decisions/{preview['decision']['id']}",
                               headers=bank).status_code == 404  # fmt: skip
    refused = platform.client.post(
        "/v1/match/recommendations", json={"customer": "NOBODY"}, headers=bank
    )
    assert refused.status_code == 404 and refused.json()["field"] == "customer"
    bad_k = platform.client.post(
        "/v1/match/recommendations", json={"customer": "CL-4", "k": 0}, headers=bank
    )
    assert bad_k.status_code == 422 and "k" in bad_k.text
