"""Advisory over HTTP: the questionnaire as a bank's app shows it, a client's assessment as a
decision on the ledger that becomes the client's current profile, refusals that name the
answer and the rule, and one bank never seeing another's clients."""

from __future__ import annotations

from typing import Any

from tests.advisory.test_questionnaire import BALANCED
from tests.conftest import Platform


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    _, key = platform.new_tenant(scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


def _assess(platform: Platform, headers: dict[str, str], answers: dict[str, Any]) -> Any:
    body = {"client_id": "CL-0001", "answers": answers}
    return platform.client.post("/v1/advisory/assessments", json=body, headers=headers)


def test_the_questionnaire_is_bilingual_and_keeps_its_points(platform: Platform) -> None:
    headers = _headers(platform, ["advisory:advise"])
    form = platform.client.get("/v1/advisory/questionnaire", headers=headers).json()
    assert (form["id"], form["version"]) == ("cn-retail", "2026.1") and len(form["digest"]) == 64
    assert {q["dimension"] for q in form["questions"]} == {"capacity", "willingness"}
    first = form["questions"][0]["options"][0]
    assert first["text"]["zh"] and first["text"]["en"] and "points" not in first


def test_an_assessment_is_a_decision_and_the_clients_profile(platform: Platform) -> None:
    headers = _headers(platform, ["advisory:advise", "decisions:read"])
    made = _assess(platform, headers, dict(BALANCED))
    assert made.status_code == 201, made.text
    out = made.json()
    decision, profile = out["decision"], out["client"]
    assert (decision["capability"], decision["action"], decision["grade"]) == (
        "advisory",
        "assess",
        "C4",
    )
    assert decision["receipt"] is not None and decision["subject"]["id"] == "CL-0001"
    assert all(r["text"]["zh"] and r["text"]["en"] for r in decision["reasons"])
    assert profile["category"] == "C4" and profile["decision_id"] == decision["id"]
    assert made.headers["location"] == "/v1/advisory/clients/CL-0001"
    read = platform.client.get("/v1/advisory/clients/CL-0001", headers=headers).json()
    assert read["category"] == "C4" and read["expires_at"] > read["assessed_at"]

    # Re-assessed after a change of circumstances: the profile follows the latest decision.
    timid = {**BALANCED, "loss_tolerance": "lt_5", "objective": "preserve"}
    again = _assess(platform, headers, timid)
    assert again.status_code == 201, again.text
    latest = platform.client.get("/v1/advisory/clients/CL-0001", headers=headers).json()
    assert latest["decision_id"] == again.json()["decision"]["id"]
    assert latest["category"] < "C4"

    # Another bank sees neither the client nor the decisions.
    other = _headers(platform, ["advisory:advise"])
    assert platform.client.get("/v1/advisory/clients/CL-0001", headers=other).status_code == 404


def test_bad_answers_name_the_question_and_record_nothing(platform: Platform) -> None:
    headers = _headers(platform, ["advisory:advise", "decisions:read"])
    missing = {k: v for k, v in BALANCED.items() if k != "income"}
    refused = _assess(platform, headers, missing)
    assert refused.status_code == 422 and refused.json()["field"] == "answers.income"
    unknown = _assess(platform, headers, {**BALANCED, "income": "a_lot"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "answers.income"
    bad_client = platform.client.post(
        "/v1/advisory/assessments",
        json={"client_id": "no spaces allowed", "answers": dict(BALANCED)},
        headers=headers,
    )
    assert bad_client.status_code == 422 and "client_id" in bad_client.text
    listed = platform.client.get("/v1/decisions", headers=headers).json()
    assert listed["items"] == []
    assert platform.client.get("/v1/advisory/clients/CL-0001", headers=headers).status_code == 404


def test_the_scope_is_needed(platform: Platform) -> None:
    headers = _headers(platform, ["credit:score"])
    refused = _assess(platform, headers, dict(BALANCED))
    assert refused.status_code == 403 and "advisory:advise" in refused.text
