"""An adviser's review of a contradictory questionnaire over HTTP: until an adviser confirms
answers that contradict each other, no proposal, recommendation or insisted sale uses them;
``confirm`` lets the profile stand, ``reassess`` makes it lapse; each review is a decision on
the ledger with the adviser's note; refusals record nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform
from tests.platform.advisory_shelf import ANSWERS, propose, seed_shelf

# A C4 client who also says "under one year" for the horizon: growth within a year contradicts
# itself, so the assessment waits for an adviser (QN-IC-HORIZON-OBJECTIVE, severity review).
CONTRADICTING = {**ANSWERS["C4"], "horizon": "lt_1", "objective": "growth"}


def _headers(platform: Platform) -> dict[str, str]:
    _, key = platform.new_tenant(
        scopes=["advisory:advise", "advisory:shelf", "match:recommend", "decisions:read"]
    )
    return {"Authorization": f"Bearer {key}"}


def _assess(platform: Platform, headers: dict[str, str], client_id: str) -> dict[str, Any]:
    body = {"client_id": client_id, "answers": CONTRADICTING}
    made = platform.client.post("/v1/advisory/assessments", json=body, headers=headers)
    assert made.status_code == 201, made.text
    out: dict[str, Any] = made.json()
    assert out["client"]["needs_review"] and out["decision"]["outcome"] == "review"
    return out


def _review(platform: Platform, headers: dict[str, str], **body: Any) -> Any:
    return platform.client.post("/v1/advisory/reviews", json=body, headers=headers)


def _reviews(platform: Platform, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed = platform.client.get("/v1/decisions", params={"capability": "advisory"},
                                 headers=headers).json()["items"]  # fmt: skip
    return [d for d in listed if d["action"] == "review"]


def test_nothing_is_proposed_until_an_adviser_confirms(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    assessed = _assess(platform, headers, "CL-R1")

    waiting = propose(platform.client, headers, "CL-R1")
    assert waiting.status_code == 409, waiting.text
    problem = waiting.json()
    assert problem["code"] == "FB-ADVISORY-ASSESSMENT-REVIEW"
    assert (problem["field"], problem["rule"]) == ("client_id", "assessment_confirmed")
    insisted = platform.client.post("/v1/advisory/insistences", headers=headers, json={
        "client_id": "CL-R1", "product": "BOND-A", "acknowledged": True})  # fmt: skip
    assert insisted.status_code == 409
    shown = platform.client.post("/v1/match/recommendations", json={"customer": "CL-R1"},
                                 headers=headers)  # fmt: skip
    assert shown.status_code == 409 and shown.json()["field"] == "customer"

    confirmed = _review(platform, headers, client_id="CL-R1", outcome="confirm",
                        note="Called the client: saving for a flat in 5 years")  # fmt: skip
    assert confirmed.status_code == 201, confirmed.text
    out = confirmed.json()
    assert out["client"]["needs_review"] is False
    assert out["client"]["category"] == assessed["client"]["category"]
    decision = out["decision"]
    assert (decision["action"], decision["outcome"]) == ("review", "confirm")
    assert decision["receipt"] is not None  # on the ledger
    reason = decision["reasons"][0]
    assert reason["code"] == "ADV-REVIEW-CONFIRM" and reason["value"] == assessed["decision"]["id"]
    assert "saving for a flat" in reason["text"]["en"] and "有效" in reason["text"]["zh"]

    made = propose(platform.client, headers, "CL-R1")
    assert made.status_code == 201, made.text
    # a second review of an assessment no longer waiting for one is refused, and not recorded
    again = _review(platform, headers, client_id="CL-R1", outcome="confirm", note="again")
    assert again.status_code == 409 and again.json()["rule"] == "awaiting_review"
    assert len(_reviews(platform, headers)) == 1


def test_reassessing_makes_the_assessment_lapse(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    _assess(platform, headers, "CL-R2")
    lapsed = _review(platform, headers, client_id="CL-R2", outcome="reassess",
                     note="The client misread the horizon question")  # fmt: skip
    assert lapsed.status_code == 201, lapsed.text
    assert lapsed.json()["decision"]["reasons"][0]["code"] == "ADV-REVIEW-REASSESS"
    refused = propose(platform.client, headers, "CL-R2")
    assert refused.status_code == 409
    assert refused.json()["code"] == "FB-ADVISORY-ASSESSMENT-EXPIRED"
    # answering again, consistently this time, gives a profile that may be used
    body = {"client_id": "CL-R2", "answers": ANSWERS["C4"]}
    assert platform.client.post("/v1/advisory/assessments", json=body,
                                headers=headers).status_code == 201  # fmt: skip
    assert propose(platform.client, headers, "CL-R2").status_code == 201


def test_bad_reviews_name_the_field_and_record_nothing(platform: Platform) -> None:
    headers = _headers(platform)
    _assess(platform, headers, "CL-R3")
    for body, field in (
        ({"client_id": "CL-R3", "outcome": "confirm", "note": "   "}, "note"),
        ({"client_id": "CL-R3", "outcome": "confirm", "note": ""}, "note"),
        ({"client_id": "CL-R3", "outcome": "approve", "note": "x"}, "outcome"),
        ({"client_id": "CL-R3", "outcome": "confirm"}, "note"),
    ):
        r = _review(platform, headers, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, r.text
    unknown = _review(platform, headers, client_id="CL-NOBODY", outcome="confirm", note="x")
    assert unknown.status_code == 404 and unknown.json()["field"] == "client_id"
    assert _reviews(platform, headers) == []
    client = platform.client.get("/v1/advisory/clients/CL-R3", headers=headers).json()
    assert client["needs_review"] is True  # still waiting

    _, reader = platform.new_tenant(scopes=["decisions:read"])
    forbidden = _review(platform, {"Authorization": f"Bearer {reader}"}, client_id="CL-R3",
                        outcome="confirm", note="x")  # fmt: skip
    assert forbidden.status_code == 403
