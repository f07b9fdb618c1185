"""Only a person's recorded allow decision clears a strong name hit (issue 15): the decision is
on the ledger, later screenings (API, re-screening, the card journey's step) show the hit as
allowed and no longer count it, for that tenant only; the outcome policy is a setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Platform, _close, make_platform

LI = {"name": "Li Fangwei", "kind": "person", "birth_date": "1990-01-01"}  # a wrong birth date


def _screen(platform: Platform, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = platform.client.post("/v1/identity/screen", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _allow(platform: Platform, headers: dict[str, str], hit: dict[str, Any], **extra: Any) -> Any:
    body = {
        "name": LI["name"],
        "list_id": hit["list_id"],
        "entry_id": hit["entry_id"],
        "note": "Passport G1234 checked: born 1990 in Dalian, not the listed person",
        **extra,
    }
    return platform.client.post("/v1/identity/allow-decisions", json=body, headers=headers)


def test_an_allow_decision_clears_that_hit_for_that_tenant_only(platform: Platform) -> None:
    _, key = platform.new_tenant()
    headers = {"Authorization": f"Bearer {key}"}
    first = _screen(platform, headers, LI)
    assert first["outcome"] == "potential_match"  # a wrong birth date never clears a name
    hit = first["hits"][0]
    assert hit["allowed"] is False

    made = _allow(platform, headers, hit, customer_id="C-77")
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["decision"]["action"] == "allow" and out["decision"]["outcome"] == "clear"
    assert out["decision"]["receipt"] is not None  # on the ledger
    assert out["allow"]["decided_by"] and out["allow"]["entry_digest"]
    assert made.headers["location"] == f"/v1/decisions/{out['decision']['id']}"

    again = _screen(platform, headers, {**LI, "customer_id": "C-77"})
    allowed = [
        h
        for h in again["hits"]
        if (h["list_id"], h["entry_id"]) == (hit["list_id"], hit["entry_id"])
    ]
    assert allowed and allowed[0]["allowed"] is True
    assert all(h["allowed"] for h in again["hits"]) == (again["outcome"] == "clear")
    reasons = " ".join(r["text"]["en"] for r in again["decision"]["reasons"])
    assert "allow" in reasons.lower() or again["outcome"] == "clear"

    listed = platform.client.get("/v1/identity/allow-decisions", headers=headers).json()
    assert [a["id"] for a in listed["items"]] == [out["allow"]["id"]]

    _, other_key = platform.new_tenant()
    other = {"Authorization": f"Bearer {other_key}"}
    assert _screen(platform, other, LI)["hits"][0]["allowed"] is False  # not the other bank's
    assert platform.client.get("/v1/identity/allow-decisions", headers=other).json()["items"] == []


def test_allow_decisions_need_their_own_scope_and_a_listed_entry(platform: Platform) -> None:
    _, screener = platform.new_tenant(scopes=["identity:screen"])
    headers = {"Authorization": f"Bearer {screener}"}
    hit = _screen(platform, headers, LI)["hits"][0]
    refused = _allow(platform, headers, hit)
    assert refused.status_code == 403 and "identity:review" in refused.text

    _, admin = platform.new_tenant()
    admin_headers = {"Authorization": f"Bearer {admin}"}
    unknown = _allow(platform, admin_headers, {**hit, "entry_id": "NO-SUCH-ENTRY"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "entry_id"
    no_note = _allow(platform, admin_headers, hit, note="")
    assert no_note.status_code == 422 and "note" in no_note.text
    wrong_list = _allow(platform, admin_headers, {**hit, "list_id": "interpol"})
    assert wrong_list.status_code == 422 and "list_id" in wrong_list.text
    # Nothing was recorded by the refusals.
    decisions = platform.client.get(
        "/v1/decisions", params={"capability": "identity"}, headers=admin_headers
    ).json()
    assert all(d["action"] != "allow" for d in decisions["items"])


@pytest.mark.parametrize(
    ("policy", "outcome"), [("name_decides", "potential_match"), ("attribute_weighted", "clear")]
)
def test_the_outcome_policy_is_a_setting(tmp_path: Path, policy: str, outcome: str) -> None:
    platform = make_platform("sqlite", tmp_path, None, screening_policy=policy)
    try:
        _, key = platform.new_tenant()
        out = _screen(platform, {"Authorization": f"Bearer {key}"}, LI)
        assert out["outcome"] == outcome
    finally:
        _close(platform)
