"""Marketing over the API on both backends: campaigns as objects, selections whose every
outcome is a decision on the ledger, consent never overridden, the contact cap counted across
campaigns, the budget across selections, and bad input refused naming the field."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform


def _campaign(cid: str, budget: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "name": {"zh": "信用卡分期优惠", "en": "Card instalment offer"},
        "offers": [
            {
                "code": "cashback",
                "name": {"zh": "返现", "en": "Cashback"},
                "value": "200",
                "cost": "10.00",
                "eligibility": [{"column": "age", "op": "ge", "value": 18}],
            },
            {
                "code": "coupon",
                "name": {"zh": "优惠券", "en": "Coupon"},
                "value": "100",
                "cost": "2.00",
            },
        ],
        "budget": budget,
        "control_share": 0.0,
        **extra,
    }


def _customer(n: int, cashback: float, coupon: float, **over: Any) -> dict[str, Any]:
    return {
        "customer_id": f"C{n:03d}",
        "opted_out": False,
        "attributes": {"age": 30},
        "uplift": {"cashback": cashback, "coupon": coupon},
        **over,
    }


def test_campaign_selection_records_decisions_and_respects_consent(platform: Platform) -> None:
    _, key = platform.new_tenant()
    other, other_key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    r = platform.client.post("/v1/marketing/campaigns", json=_campaign("spring"), headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/marketing/campaigns/spring" and r.json()["spent"] == "0.00"
    again = platform.client.post("/v1/marketing/campaigns", json=_campaign("spring"), headers=h)
    assert again.status_code == 409 and again.json()["field"] == "id"
    customers = [
        _customer(1, 0.30, 0.01, opted_out=True),  # the best uplift, but opted out
        _customer(2, 0.20, 0.05, opted_out=None),  # consent unknown: counts as opted out
        _customer(3, 0.20, 0.05),
        _customer(4, 0.01, 0.08, attributes={"age": 16}),  # too young for cashback
        _customer(5, 0.0, 0.0),  # nothing worth the cost
    ]
    r = platform.client.post(
        "/v1/marketing/campaigns/spring/select", json={"customers": customers}, headers=h
    )
    assert r.status_code == 200, r.text
    made = {d["subject"]["id"]: d for d in r.json()["decisions"]}
    assert [d["subject"]["id"] for d in r.json()["decisions"]] == [
        c["customer_id"] for c in customers
    ]
    assert made["C001"]["outcome"] == "excluded" and made["C002"]["outcome"] == "excluded"
    assert made["C003"]["outcome"] == "offer" and made["C003"]["reasons"][0]["value"] == "cashback"
    assert made["C004"]["outcome"] == "offer" and made["C004"]["reasons"][0]["value"] == "coupon"
    assert made["C005"]["outcome"] == "no_offer"
    assert all(d["receipt"] for d in made.values())  # each on the ledger
    summary = r.json()["summary"]
    assert summary["offered"] == 2 and summary["opted_out"] == 2 and summary["spend"] == "12.00"
    listed = platform.client.get("/v1/decisions?capability=marketing", headers=h).json()["items"]
    assert len(listed) == 5
    campaign = platform.client.get("/v1/marketing/campaigns/spring", headers=h).json()
    assert campaign["spent"] == "12.00" and campaign["last_selection"]["offered"] == 2
    # Another bank sees nothing of it.
    h2 = {"Authorization": f"Bearer {other_key}"}
    assert platform.client.get("/v1/marketing/campaigns/spring", headers=h2).status_code == 404
    assert platform.client.get("/v1/marketing/campaigns", headers=h2).json()["items"] == []
    assert other


def test_budget_carries_over_and_the_contact_cap_spans_campaigns(platform: Platform) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    cap = {"contact_cap": {"max_contacts": 1, "window_days": 30}}
    for cid, budget in (("small", "12.00"), ("later", "100.00")):
        body = _campaign(cid, budget, **cap)
        assert (
            platform.client.post("/v1/marketing/campaigns", json=body, headers=h).status_code == 201
        )
    first = platform.client.post(
        "/v1/marketing/campaigns/small/select",
        json={"customers": [_customer(1, 0.2, 0.05)]},
        headers=h,
    ).json()
    assert first["decisions"][0]["outcome"] == "offer"
    # The budget left (2.00) pays one coupon, not a cashback.
    second = platform.client.post(
        "/v1/marketing/campaigns/small/select",
        json={"customers": [_customer(2, 0.2, 0.05), _customer(3, 0.2, 0.0)]},
        headers=h,
    ).json()
    outcomes = [(d["outcome"], d["reasons"][0]["value"]) for d in second["decisions"]]
    assert outcomes.count(("offer", "coupon")) <= 1 and ("offer", "cashback") not in outcomes
    spent = platform.client.get("/v1/marketing/campaigns/small", headers=h).json()["spent"]
    assert float(spent) <= 12.00
    # C001 was contacted by "small": "later" may not contact them again within 30 days.
    third = platform.client.post(
        "/v1/marketing/campaigns/later/select",
        json={"customers": [_customer(1, 0.2, 0.05), _customer(9, 0.2, 0.05)]},
        headers=h,
    ).json()
    assert [d["outcome"] for d in third["decisions"]] == ["excluded", "offer"]


def test_bad_input_names_the_field(platform: Platform) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    zero = platform.client.post("/v1/marketing/campaigns", json=_campaign("z", "0"), headers=h)
    assert zero.status_code == 422 and "budget" in zero.json()["field"]
    floats = _campaign("f")
    floats["offers"][0]["cost"] = 10.5
    r = platform.client.post("/v1/marketing/campaigns", json=floats, headers=h)
    assert r.status_code == 422 and "cost" in r.json()["field"]
    empty = _campaign("e")
    empty["offers"] = []
    r = platform.client.post("/v1/marketing/campaigns", json=empty, headers=h)
    assert r.status_code == 422 and r.json()["field"].endswith("offers")
    assert platform.client.post(
        "/v1/marketing/campaigns", json=_campaign("ok"), headers=h
    ).is_success
    missing = _customer(1, 0.2, 0.05)
    del missing["uplift"]["coupon"]
    r = platform.client.post(
        "/v1/marketing/campaigns/ok/select", json={"customers": [missing]}, headers=h
    )
    assert r.status_code == 422 and r.json()["field"] == "customers.0.uplift.coupon"
    twice = [_customer(1, 0.2, 0.05), _customer(1, 0.1, 0.05)]
    r = platform.client.post(
        "/v1/marketing/campaigns/ok/select", json={"customers": twice}, headers=h
    )
    assert r.status_code == 422 and r.json()["field"] == "customers.customer_id"
    r = platform.client.post("/v1/marketing/campaigns/ok/select", json={"customers": []}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "customers"
    r = platform.client.post(
        "/v1/marketing/campaigns/none/select", json={"customers": [missing]}, headers=h
    )
    assert r.status_code == 404
    # Nothing of the refused selections was recorded.
    assert (
        platform.client.get("/v1/decisions?capability=marketing", headers=h).json()["items"] == []
    )
