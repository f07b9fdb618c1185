"""The online credit-card application: identity → screening → application fraud → credit →
limit → outcome, every step a decision on the ledger; the referral queue; bad input refused
with nothing stored; retries answered once."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from finbrain.core.decision import Decision
from finbrain.datasets import load_german
from finbrain.identity.validators import mod11_2_check_digit
from finbrain.ledger import Verifier, check_receipt
from finbrain.platform import registry
from finbrain.platform.credit import service as credit
from finbrain.platform.store.models import CardApplication, DecisionRow
from tests.conftest import Platform


def resident_id(born: date, sequence: int = 123, region: str = "110105") -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + mod11_2_check_digit(body)


@pytest.fixture(scope="module")
def german() -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A scorecard and the bureau files of its safest and riskiest real applicants."""
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    records = [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in X.head(200).to_dict(orient="records")
    ]
    by_pd = sorted(records, key=lambda r: card.score_record(r).probability_bad)
    return (card, metrics), by_pd[0], by_pd[-1]


def _tenant(platform: Platform, german: Any) -> tuple[str, dict[str, str]]:
    tenant_id, key = platform.new_tenant()
    (card, metrics), _, _ = german
    with platform.db.tenant(tenant_id) as session:
        row = credit.register_scorecard(session, tenant_id, card, metrics, "german")
        registry.promote(session, row.id)
    return tenant_id, {"Authorization": f"Bearer {key}"}


def application(reference: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": reference,
        "applicant": {
            "name": "李静怡",
            "id_number": resident_id(date(1990, 5, 17)),
            "mobile": "+86 138 0013 8000",
            "device_id": f"dev-{reference}",
        },
        "monthly_income": {"amount": "15000.00", "currency": "CNY"},
        "employment": "employed",
    }
    for key, value in overrides.items():
        if key in ("name", "id_number", "mobile", "device_id"):
            body["applicant"][key] = value
        else:
            body[key] = value
    return body


def test_a_good_applicant_is_approved_with_every_step_on_the_ledger(
    platform: Platform, german: Any
) -> None:
    _, headers = _tenant(platform, german)
    _, safest, _ = german
    body = application("APP-0001", bureau={"features": safest})
    r = platform.client.post("/v1/applications/credit-card", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "approved" and out["outcome"] == "approve"
    steps = [(d["capability"], d["action"]) for d in out["steps"]]
    assert steps == [
        ("identity", "verify"),
        ("identity", "screen"),
        ("risk", "application_check"),
        ("credit", "score"),
        ("credit", "limit"),
    ]
    assert out["decision"]["capability"] == "journey"
    assert out["decision"]["reasons"][0]["code"] == "APP-APPROVED"
    # Limit: a multiple of income by grade, rounded down to 1,000, never above the cap.
    amount = float(out["limit"]["amount"])
    assert 0 < amount <= 200_000 and amount % 1000 == 0 and out["limit"]["currency"] == "CNY"
    # The applicant's numbers are stored masked, never in clear.
    assert (
        out["applicant"]["id_number"].startswith("110105") and "*" in out["applicant"]["id_number"]
    )
    assert "19900517" not in str(out)
    # Every step and the outcome carry a receipt that verifies against the tenant's key.
    vkey = platform.client.get("/v1/ledger/checkpoint", headers=headers).json()["vkey"]
    for raw in [*out["steps"], out["decision"]]:
        decision = Decision.model_validate(raw)
        assert decision.receipt is not None
        check_receipt(decision.ledger_entry(), decision.receipt, Verifier.parse(vkey))
        assert all(reason["text"]["zh"] and reason["text"]["en"] for reason in raw["reasons"])


def test_thin_file_applicants_are_never_declined_automatically(
    platform: Platform, german: Any
) -> None:
    _, headers = _tenant(platform, german)
    strong = application("THIN-1", mobile_tenure_months=60, utility_on_time_ratio=0.98)
    r = platform.client.post("/v1/applications/credit-card", json=strong, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["thin_file"] and out["status"] == "approved"
    assert out["steps"][3]["action"] == "alt_assess"
    assert out["limit"] == {"amount": "2000.00", "currency": "CNY"}  # the starter limit
    weak = application(
        "THIN-2",
        id_number=resident_id(date(2001, 1, 2), 456),
        mobile="13900139000",
        monthly_income={"amount": "1500", "currency": "CNY"},
        employment="student",
    )
    out = platform.client.post("/v1/applications/credit-card", json=weak, headers=headers).json()
    assert out["status"] == "referred" and out["review_status"] == "pending"
    assert out["decision"]["reasons"][0]["code"] == "APP-REFERRED"


def test_under_age_and_risky_bureau_files_decline(platform: Platform, german: Any) -> None:
    _, headers = _tenant(platform, german)
    _, safest, riskiest = german
    today = date.today()
    minor = application(
        "MINOR-1",
        id_number=resident_id(date(today.year - 16, 1, 1), 222),
        bureau={"features": safest},
    )
    out = platform.client.post("/v1/applications/credit-card", json=minor, headers=headers).json()
    assert out["status"] == "declined" and out["limit"] is None
    codes = [r["code"] for r in out["decision"]["reasons"]]
    assert codes[0] == "APP-DECLINED" and "ID-UNDER-AGE" in codes
    risky = application(
        "RISKY-1",
        id_number=resident_id(date(1985, 3, 3), 333),
        mobile="13700137000",
        bureau={"features": riskiest},
    )
    out = platform.client.post("/v1/applications/credit-card", json=risky, headers=headers).json()
    assert out["steps"][3]["outcome"] in ("decline", "refer")
    assert out["status"] in ("declined", "referred")


def test_a_sanctioned_name_is_not_approved(platform: Platform, german: Any) -> None:
    _, headers = _tenant(platform, german)
    _, safest, _ = german
    # A designated person on the UN and OFAC lists, applying with his listed date of birth.
    body = application(
        "SANC-1",
        name="Kim Jong Un",
        id_number=resident_id(date(1984, 1, 8), 555),
        mobile="13600136000",
        bureau={"features": safest},
    )
    out = platform.client.post("/v1/applications/credit-card", json=body, headers=headers).json()
    screen = out["steps"][1]
    assert screen["outcome"] in ("potential_match", "match")
    assert screen["reasons"][0]["code"] in ("SCR-POTENTIAL", "SCR-MATCH")
    assert out["status"] in ("referred", "declined")


def test_shared_devices_and_repeat_applications_are_referred(
    platform: Platform, german: Any
) -> None:
    _, headers = _tenant(platform, german)
    _, safest, _ = german
    first = application("DEV-1", device_id="shared-device", bureau={"features": safest})
    assert (
        platform.client.post("/v1/applications/credit-card", json=first, headers=headers).json()[
            "status"
        ]
        == "approved"
    )
    second = application(
        "DEV-2",
        id_number=resident_id(date(1979, 9, 9), 777),
        mobile="13500135000",
        device_id="shared-device",
        bureau={"features": safest},
    )
    out = platform.client.post("/v1/applications/credit-card", json=second, headers=headers).json()
    check = out["steps"][2]
    assert check["outcome"] == "review"
    assert [r["code"] for r in check["reasons"]] == ["AF-DEVICE-SHARED"]
    assert out["status"] == "referred"
    # The first applicant again within 30 days: already approved.
    again = application("DEV-3", device_id="other-device", bureau={"features": safest})
    out = platform.client.post("/v1/applications/credit-card", json=again, headers=headers).json()
    assert "AF-DUPLICATE" in [r["code"] for r in out["steps"][2]["reasons"]]


def test_bad_identity_fields_are_refused_and_nothing_is_stored(
    platform: Platform, german: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tenant_id, headers = _tenant(platform, german)
    good = resident_id(date(1990, 5, 17))
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    cases = [
        ({"id_number": wrong}, "applicant.id_number", "check_digit"),
        ({"id_number": "110105199002300123"}, "applicant.id_number", None),
        ({"mobile": "010-12345678"}, "applicant.mobile", None),
        ({"name": "!!!"}, "applicant.name", "no_letters"),
        ({"name": "😀😀"}, "applicant.name", "no_letters"),
        ({"name": "王" * 600}, "applicant.name", None),
        ({"name": "王Xiao明"}, "applicant.name", "one_script"),
        ({"monthly_income": {"amount": "-5", "currency": "CNY"}}, "monthly_income.amount", None),
        ({"monthly_income": {"amount": "5", "currency": "XYZ"}}, "monthly_income.currency", None),
    ]
    caplog.set_level(logging.DEBUG)
    for i, (override, field, rule) in enumerate(cases):
        body = application(f"BAD-{i}", **override)
        r = platform.client.post("/v1/applications/credit-card", json=body, headers=headers)
        assert r.status_code == 422, (override, r.text)
        problem = r.json()
        fields = [problem.get("field")] + [e.get("field") for e in problem.get("errors", [])]
        assert any(f and f.startswith(field) for f in fields), (field, problem)
        if rule:
            assert problem.get("rule") == rule, problem
        assert wrong not in r.text
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(CardApplication)) == 0
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 0
    assert wrong not in caplog.text and good not in caplog.text


def test_retries_and_references_never_duplicate(platform: Platform, german: Any) -> None:
    tenant_id, headers = _tenant(platform, german)
    body = application("IDEM-1", mobile_tenure_months=40)
    keyed = {**headers, "Idempotency-Key": "card-app-IDEM-1"}
    first = platform.client.post("/v1/applications/credit-card", json=body, headers=keyed)
    again = platform.client.post("/v1/applications/credit-card", json=body, headers=keyed)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    unkeyed = platform.client.post("/v1/applications/credit-card", json=body, headers=headers)
    assert unkeyed.status_code == 409 and unkeyed.json()["field"] == "reference"
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(CardApplication)) == 1
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 6


def test_the_referral_queue_and_human_review(platform: Platform, german: Any) -> None:
    _, headers = _tenant(platform, german)
    weak = application(
        "REF-1", monthly_income={"amount": "1000", "currency": "CNY"}, employment="unemployed"
    )
    created = platform.client.post("/v1/applications/credit-card", json=weak, headers=headers)
    app_id = created.json()["id"]
    queue = platform.client.get(
        "/v1/applications", params={"review_status": "pending"}, headers=headers
    ).json()
    assert [item["id"] for item in queue["items"]] == [app_id]
    missing_limit = platform.client.post(
        f"/v1/applications/{app_id}/review",
        json={"outcome": "approve", "note": "verified payslips"},
        headers=headers,
    )
    assert missing_limit.status_code == 422 and missing_limit.json()["field"] == "limit"
    r = platform.client.post(
        f"/v1/applications/{app_id}/review",
        json={
            "outcome": "approve",
            "limit": {"amount": "3000", "currency": "CNY"},
            "note": "verified payslips",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "approved" and out["review_status"] == "approved"
    assert out["outcome"] == "refer"  # the automated outcome is never rewritten
    assert out["review_decision"]["action"] == "human_review"
    assert out["review_decision"]["receipt"] is not None
    assert out["limit"] == {"amount": "3000.00", "currency": "CNY"}
    twice = platform.client.post(
        f"/v1/applications/{app_id}/review",
        json={"outcome": "decline", "note": "changed my mind"},
        headers=headers,
    )
    assert twice.status_code == 409
    assert (
        platform.client.get(
            "/v1/applications", params={"review_status": "pending"}, headers=headers
        ).json()["items"]
        == []
    )
