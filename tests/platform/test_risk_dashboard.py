"""The risk dashboard's queries on both backends: rule hits per day (from the alerts' rule
lists), the path from event to confirmed fraud, open cases by age, and the merchants and
terminals with the most alerts (from the stored events, in SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from finbrain.platform.risk import dashboard
from finbrain.platform.risk.tables import RiskCase
from tests.conftest import Platform

RULES = {
    "rules": [
        {
            "id": "R-LARGE",
            "when": "amount >= 5000",
            "score": 500,
            "action": "block",
            "tags": ["amount"],
            "reason": {"zh": "单笔金额 {amount} 过大", "en": "Large amount {amount}"},
        }
    ]
}


def _event(n: int, customer: str, amount: str, merchant: str | None) -> dict[str, Any]:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=60 - n)
    body: dict[str, Any] = {
        "event_id": f"E{n:04d}",
        "kind": "card",
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        "amount": amount,
        "currency": "CNY",
        "customer_id": customer,
        "card_id": f"card-{customer}",
        "terminal_id": f"T{n % 2}",
        "channel": "pos",
    }
    if merchant:
        body["merchant_id"] = merchant
    return body


def test_rule_hits_funnel_ages_and_top_merchants(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    other, _ = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    assert platform.client.post("/v1/risk/rules", json=RULES, headers=h).status_code == 201
    plan = [
        (1, "C1", "6000.00", "M-A"),
        (2, "C1", "7000.00", "M-A"),
        (3, "C2", "9000.00", "M-B"),
        (4, "C3", "8000.00", None),
        (5, "C4", "12.00", "M-A"),
    ]
    for n, customer, amount, merchant in plan:
        body = _event(n, customer, amount, merchant)
        r = platform.client.post("/v1/risk/events", json=body, headers=h)
        assert r.status_code in (200, 201), r.text
    cases = platform.client.get("/v1/risk/cases?status=open", headers=h).json()["items"]
    assert len(cases) == 3  # one per card: C1 (two alerts), C2, C3
    first = next(c for c in cases if c["alert_count"] == 2)["id"]
    closed = platform.client.post(
        f"/v1/risk/cases/{first}/close",
        json={"disposition": "fraud", "note": "chargeback"},
        headers=h,
    )
    assert closed.status_code == 200
    waiting = min(c["id"] for c in cases if c["id"] != first)
    with platform.db.tenant(tenant_id) as session:  # one open case has waited five days
        session.execute(
            update(RiskCase)
            .where(RiskCase.id == waiting)
            .values(opened_at=datetime.now(UTC) - timedelta(days=5))
        )
    with platform.db.tenant(tenant_id, write=False) as session:
        hits = dashboard.rule_hits_per_day(session)
        assert set(hits) == {"R-LARGE"} and sum(hits["R-LARGE"].values()) == 4
        f = dashboard.funnel(session)
        assert (f.scored, f.flagged, f.alerts) == (5, 4, 4)
        assert (f.cases_opened, f.cases_closed, f.confirmed_fraud) == (3, 1, 1)
        ages = dashboard.open_case_ages(session)
        assert ages == {"lt1d": 1, "1to3d": 0, "3to7d": 1, "gt7d": 0}
        assert dashboard.top_by_alerts(session, "merchant_id") == [("M-A", 2), ("M-B", 1)]
        terminals = dict(dashboard.top_by_alerts(session, "terminal_id"))
        assert sum(terminals.values()) == 4 and set(terminals) <= {"T0", "T1"}
    with platform.db.tenant(other, write=False) as session:
        assert dashboard.rule_hits_per_day(session) == {}
        assert dashboard.top_by_alerts(session, "merchant_id") == []
        assert dashboard.funnel(session) == dashboard.Funnel(0, 0, 0, 0, 0, 0)
