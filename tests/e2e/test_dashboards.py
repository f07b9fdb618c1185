"""Dashboards in Chromium, both languages: the charts draw from the seeded bank's data, with
titles and axes in the page's language and the policy's cut-offs marked (issue 16)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from finbrain.platform import bootstrap
from tests.conftest import LiveServer
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.e2e
LARGE_RULE = {
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


def large_payment(n: int, merchant: str) -> dict[str, Any]:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5 - n)
    return {
        "event_id": f"BIG-{n}",
        "kind": "card",
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        "amount": "8000.00",
        "currency": "CNY",
        "customer_id": f"BIG-C{n}",
        "card_id": f"BIG-card-{n}",
        "terminal_id": "T-BIG",
        "merchant_id": merchant,
        "channel": "pos",
    }


def _spec(page: Any, testid: str) -> dict[str, Any]:
    """The chart's spec, once drawn; the chart's screenshot is kept as a test artefact."""
    box = page.locator(f"[data-testid={testid}]")
    expect(box).to_have_attribute("data-rendered", "true")
    assert box.locator("canvas").count() >= 1
    lang = page.locator("html").get_attribute("lang") or "xx"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(ARTIFACTS / f"{testid}-{lang}.png"))
    return dict(json.loads(str(box.get_attribute("data-chart"))))


def test_credit_and_overview_charts_in_both_languages(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Dashboard Bank")
    bootstrap.ensure_demo_credit(live.platform.db, tenant_id)
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    overview = _spec(page, "outcome-chart")
    assert overview["title"] == "Decisions per day by outcome"
    assert overview["y"]["name"] == "Decisions" and overview["x"]["name"] == "Day (UTC)"
    assert {s["family"] for s in overview["series"]} <= {"good", "review", "bad", "neutral"}
    assert len(overview["series"]) <= 4  # families, not one series per outcome code

    page.goto(f"{live.url}/console/credit")
    scores = _spec(page, "credit-scores-chart")
    assert scores["x"]["name"] == "Credit score (points)" and scores["y"]["name"] == "Applicants"
    assert sum(scores["series"][0]["data"]) >= 1  # the demo's scored applicants
    assert {m["label"] for m in scores["marks"]} <= {"approve", "decline"}
    outcomes = _spec(page, "credit-outcomes-chart")
    shares = [sum(day) for day in zip(*(s["data"] for s in outcomes["series"]), strict=True)]
    assert all(99.0 <= total <= 101.0 for total in shares)  # per-day shares add up to 100 %
    assert len(outcomes["x"]["data"]) == bootstrap.DEMO_DAYS  # a week of decisions
    psi = _spec(page, "credit-psi-chart")
    assert len(psi["x"]["data"]) == bootstrap.DEMO_DAYS
    assert all(0 <= v < 1 for v in psi["series"][0]["data"])  # held-out applicants: stable
    assert [s["data"][0] for s in psi["series"][1:]] == [0.10, 0.25]
    csi = _spec(page, "credit-csi-chart")
    assert csi["y"]["name"] == "CSI" and len(csi["x"]["data"]) == bootstrap.DEMO_DAYS
    features = csi["series"][:-2]
    assert len(features) == 5 and all("_" not in s["name"] for s in features)  # labels, not ids
    assert all(v is None or 0 <= v < 0.25 for s in features for v in s["data"])
    calibration = _spec(page, "credit-calibration-chart")
    assert len(calibration["series"]) == 4 and len(calibration["x"]["data"]) == 10
    compared = page.get_by_test_id("compared-row")
    expect(compared).to_have_count(2)
    expect(compared.first).to_contain_text("Champion")
    expect(compared.last).to_contain_text("Gradient boosting")

    page.goto(f"{live.url}/console/lang/zh?next=/console/credit")
    page.wait_for_url("**/console/credit")
    zh = _spec(page, "credit-scores-chart")
    assert zh["x"]["name"] == "信用分（分）" and "审批阈值" in zh["title"]
    zh_csi = _spec(page, "credit-csi-chart")
    assert "特征稳定性" in zh_csi["title"]
    assert all(re.search("[\u4e00-\u9fff]", s["name"]) for s in zh_csi["series"])
    assert browser_errors == []


@pytest.mark.slow  # trains the small demo risk model
def test_risk_dashboard_counts_events_per_hour_and_scores(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Risk Dashboard Bank")
    bootstrap.ensure_demo_risk(
        live.platform.db, tenant_id, events=300, train_customers=300, train_days=21
    )
    # Large payments at three merchants set off a rule: alerts and cases the demo analyst works.
    h = {"Authorization": f"Bearer {key}"}
    r = live.platform.client.post("/v1/risk/rules", json=LARGE_RULE, headers=h)
    assert r.status_code == 201, r.text
    for n in range(4):
        body = large_payment(n, merchant=f"M-{n % 3}")
        assert live.platform.client.post("/v1/risk/events", json=body, headers=h).is_success
    bootstrap.work_demo_cases(live.platform.db, tenant_id)
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/risk")
    traffic = _spec(page, "risk-traffic-chart")
    assert traffic["x"]["name"] == "Hour (UTC)" and traffic["y"]["name"] == "Events"
    assert sum(sum(s["data"]) for s in traffic["series"]) >= 1
    assert [s["family"] for s in traffic["series"]] == ["good", "bad"]
    scores = _spec(page, "risk-scores-chart")
    assert len(scores["x"]["data"]) == 20 and scores["x"]["data"][0] == "0–50"
    assert sum(scores["series"][0]["data"]) == 304  # every scored event, once
    funnel = _spec(page, "risk-funnel-chart")
    scored, flagged, alerts, opened, closed, fraud = funnel["series"][0]["data"]
    assert scored >= 304 and scored >= flagged >= alerts >= 4 and opened >= 4
    assert (closed, fraud) == (2, 1)  # the demo analyst closed two cases, one as fraud
    ageing = _spec(page, "risk-ageing-chart")
    assert sum(ageing["series"][0]["data"]) == opened - closed
    rules = _spec(page, "risk-rules-chart")
    assert rules["y"]["name"] == "Alerts"
    assert {"name": "R-LARGE", "data": [4]} in rules["series"]
    terminals = _spec(page, "risk-terminals-chart")
    assert terminals["kind"] == "hbar" and 1 <= len(terminals["x"]["data"]) <= 10
    counts = terminals["series"][0]["data"]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= alerts
    merchants = _spec(page, "risk-merchants-chart")
    assert merchants["x"]["data"] == ["M-0", "M-1", "M-2"]
    assert merchants["series"][0]["data"] == [2, 1, 1]

    page.goto(f"{live.url}/console/lang/zh?next=/console/risk")
    page.wait_for_url("**/console/risk")
    assert _spec(page, "risk-funnel-chart")["x"]["data"][-1] == "确认欺诈"
    assert _spec(page, "risk-ageing-chart")["y"]["name"] == "未结案件数"
    for chart in ("risk-traffic-chart", "risk-scores-chart", "risk-rules-chart"):
        _spec(page, chart)
    assert browser_errors == []


def test_ledger_dashboard_shows_growth_witnesses_and_a_verified_log(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Ledger Dashboard Bank")
    bootstrap.ensure_demo_credit(live.platform.db, tenant_id)
    signed = bootstrap.ensure_demo_witness(live.platform.db, tenant_id)
    assert signed >= bootstrap.DEMO_DECISIONS  # the demo's scored applicants are on the log
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/ledger")
    growth = _spec(page, "ledger-growth-chart")
    assert growth["x"]["name"] == "Hour (UTC)" and growth["y"]["name"] == "Entries"
    assert max(growth["series"][0]["data"]) == signed
    cadence = _spec(page, "ledger-cadence-chart")
    assert sum(cadence["series"][0]["data"]) >= 1
    expect(page.get_by_test_id("log-check")).to_contain_text(f"size {signed}")
    row = page.get_by_test_id("witness-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(bootstrap.DEMO_WITNESS)
    expect(row.locator("td").nth(1)).to_have_text(str(signed))

    page.goto(f"{live.url}/console/lang/zh?next=/console/ledger")
    page.wait_for_url("**/console/ledger")
    assert _spec(page, "ledger-growth-chart")["y"]["name"] == "条目数"
    expect(page.get_by_test_id("log-check")).to_contain_text("根哈希与存储的条目一致")
    assert browser_errors == []


def test_applications_dashboard_shows_steps_and_reasons_in_both_languages(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Applications Dashboard Bank")
    bootstrap.ensure_demo_credit(live.platform.db, tenant_id)
    made = bootstrap.ensure_demo_identity(live.platform.db, tenant_id)
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/applications")
    steps = _spec(page, "journey-steps-chart")
    assert steps["x"]["data"][0] == "Identity check" and steps["x"]["data"][-1] == "Card decision"
    final = [sum(s["data"][-1] for s in steps["series"])]
    assert final == [made]  # the final decision's bar counts every application once
    assert {s["family"] for s in steps["series"]} <= {"good", "review", "bad", "neutral"}
    reasons = _spec(page, "journey-reasons-chart")
    assert reasons["kind"] == "hbar"
    assert {"Possible sanctions-list match", "Sanctions-list match"} & set(reasons["x"]["data"])
    assert not [r for r in reasons["x"]["data"] if "_" in r]  # named, never an identifier
    assert [s["family"] for s in reasons["series"]] == ["review", "bad"]

    page.goto(f"{live.url}/console/lang/zh?next=/console/applications")
    page.wait_for_url("**/console/applications")
    zh = _spec(page, "journey-reasons-chart")
    assert {"制裁名单疑似命中", "制裁名单命中"} & set(zh["x"]["data"])
    assert zh["series"][0]["name"] == "转人工"
    assert browser_errors == []


def test_screening_dashboard_counts_hits_per_list_and_the_queue(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Screening Dashboard Bank")
    for customer_id, name in (("C-1", "Kim Jong Un"), ("C-2", "Maria Gonzalez")):
        r = live.platform.client.post(
            "/v1/identity/screen",
            json={"name": name, "customer_id": customer_id, "kind": "person"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201, r.text
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/screening")
    screens = _spec(page, "screens-chart")
    assert sum(sum(s["data"]) for s in screens["series"]) == 2
    hits = _spec(page, "hits-chart")
    assert hits["x"]["data"] == ["OFAC SDN", "UK FCDO", "UN"]
    assert sum(sum(s["data"]) for s in hits["series"]) >= 1
    assert [s["family"] for s in hits["series"]] == ["review", "bad"]
    queue = _spec(page, "queue-chart")
    assert queue["x"]["data"][0] == "under 1 day" and queue["series"][0]["data"][0] == 1
    expect(page.get_by_test_id("list-versions").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("version-coverage")).to_contain_text(
        "Customers last screened on it: 2"
    )

    page.goto(f"{live.url}/console/lang/zh?next=/console/screening")
    page.wait_for_url("**/console/screening")
    assert _spec(page, "queue-chart")["x"]["data"][0] == "不足 1 天"
    assert browser_errors == []
