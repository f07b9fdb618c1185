"""Real-time risk in the console, in real headless Chromium: the live stream polls new events
in, a rule is backtested and published from the editor, its alert is worked to a closed case."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.e2e
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LARGE = {
    "id": "R-LARGE",
    "when": "amount >= 5000",
    "score": 500,
    "action": "block",
    "tags": ["amount"],
    "reason": {"zh": "单笔金额 {amount} 过大", "en": "Large amount {amount}"},
}


def event(n: int, *, amount: str = "42.50", customer: str = "C1") -> dict[str, Any]:
    return {
        "event_id": f"E{n:06d}",
        "kind": "card",
        "occurred_at": (T0 + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        "amount": amount,
        "currency": "CNY",
        "customer_id": customer,
        "card_id": f"card-{customer}",
        "terminal_id": f"T{n % 3}",
        "channel": "pos",
    }


def client(live: LiveServer, key: str) -> httpx.Client:
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_the_stream_polls_new_events_in(page: Any, live: LiveServer) -> None:
    _, key = live.platform.new_tenant("Stream Bank")
    with client(live, key) as api:
        r = api.post("/v1/risk/events/batch", json={"events": [event(n) for n in range(1, 6)]})
        assert r.status_code == 200, r.text
        sign_in(page, live, key)
        page.wait_for_url("**/console/decisions")
        page.click("[data-testid=nav-risk]")
        page.wait_for_url("**/console/risk")
        rows = page.locator("[data-testid=risk-row]")
        expect(rows).to_have_count(5)
        assert rows.first.get_attribute("data-event") == "E000005"  # newest first
        assert "42.50 CNY" in rows.first.inner_text() and "C1 / card-C1" in rows.first.inner_text()
        expect(page.locator("[data-testid=count-events]")).to_have_text("5")
        expect(page.locator(".risk-chart[data-rendered=true] canvas")).to_have_count(1)

        # A new event arrives: htmx polling brings it in without a reload.
        assert api.post("/v1/risk/events", json=event(6, amount="88.00")).status_code == 201
        expect(rows).to_have_count(6, timeout=6_000)
        expect(rows.first).to_have_attribute("data-event", "E000006")
        expect(page.locator("[data-testid=count-events]")).to_have_text("6")
        expect(page.locator(".risk-chart[data-rendered=true] canvas")).to_have_count(1)

    # The language switch keeps the page; labels come in Chinese.
    page.click("[data-testid=lang-zh]")
    page.wait_for_url("**/console/risk")
    expect(page.locator("h1")).to_have_text("风险监控")
    expect(page.locator("[data-testid=risk-table] thead")).to_contain_text("命中规则")
    zh = {"allow": "放行", "review": "复核", "block": "拦截"}
    badge = rows.first.locator(".badge")
    assert badge.inner_text() == zh[badge.get_attribute("title")]


def test_rule_editor_alert_queue_and_case_work(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Fraud Bank")
    with client(live, key) as api:
        r = api.post("/v1/risk/events/batch", json={"events": [event(n) for n in range(1, 4)]})
        assert r.status_code == 200, r.text
        sign_in(page, live, key)
        page.wait_for_url("**/console/decisions")
        page.click("[data-testid=nav-rules]")
        page.wait_for_url("**/console/risk/rules")
        expect(page.locator("[data-testid=rules-version]")).to_have_text("1")
        starter = json.loads(page.locator("[data-testid=rules-text]").input_value())
        assert len(starter) >= 10 and starter[0]["id"] == "R-AMT-VERY-HIGH"

        # A bad rule is refused, naming rules[0].when and the rule it breaks.
        bad = [{**LARGE, "when": "amont >= 5000"}]
        page.fill("[data-testid=rules-text]", json.dumps(bad, indent=2))
        page.click("[data-testid=publish-submit]")
        expect(page.locator("[data-testid=rules-error-field]")).to_have_text("rules[0].when")
        expect(page.locator("[data-testid=rules-error-rule]")).to_have_text("unknown_identifier")
        assert "did you mean amount" in page.locator("[data-testid=rules-error]").inner_text()
        assert "amont" in page.locator("[data-testid=rules-text]").input_value()  # kept
        expect(page.locator("[data-testid=rules-version]")).to_have_text("1")

        # Backtest the good rule over the scored history, then publish it.
        page.fill("[data-testid=rules-text]", json.dumps([LARGE], indent=2))
        page.click("[data-testid=backtest-submit]")
        report = page.locator("[data-testid=backtest-report]")
        expect(report).to_be_visible()
        assert "3 events" in report.inner_text()
        row = page.locator("[data-testid=backtest-row]")
        expect(row).to_have_count(1)
        assert row.inner_text().split("\t")[:4] == ["R-LARGE", "active", "Block", "0"]
        assert page.locator("[data-testid=totals-active]").is_visible()
        page.click("[data-testid=publish-submit]")
        expect(page.locator("[data-testid=publish-ok]")).to_have_text(
            "Published: version 2 is live."
        )
        expect(page.locator("[data-testid=rules-version]")).to_have_text("2")
        assert browser_errors == [
            "Failed to load resource: the server responded with a status of 422 "
            "(Unprocessable Entity)"
        ]
        browser_errors.clear()

        # The rule is live: a big payment is blocked and opens a case.
        out = api.post("/v1/risk/events", json=event(4, amount="6000.00")).json()
        assert out["decision"]["outcome"] == "block" and out["case_id"]

    page.click("[data-testid=nav-alerts]")
    page.wait_for_url("**/console/risk/alerts")
    alerts = page.locator("[data-testid=alert-row]")
    expect(alerts).to_have_count(1)
    text = alerts.first.inner_text()
    assert "R-LARGE" in text and "E000004" in text and "Block" in text and "card-C1" in text
    alerts.first.locator("[data-testid=case-link]").click()
    page.wait_for_url(f"**/console/risk/cases/{out['case_id']}")
    expect(page.locator("[data-testid=case-status]")).to_have_text("Open")
    assert page.locator("[data-testid=case-entity]").inner_text() == "Card: card-C1"
    features = page.locator("[data-testid=features-table]").inner_text()
    # Named in words; the engine's identifier is on hover.
    assert "Transactions of the customer in 1d" in features and "cust_count_1d" not in features
    named = page.locator("[data-testid=feature-row] td[title=cust_count_1d]")
    assert named.inner_text() == "Transactions of the customer in 1d"
    assert page.locator("[data-testid=feature-row]").count() >= 30
    reasons = page.locator("[data-testid=reasons-table]").inner_text()
    assert "R-LARGE" in reasons and "Large amount 6,000" in reasons
    assert "6000.00" in page.locator("[data-testid=event-table]").inner_text()

    page.fill("[data-testid=assign-input]", "analyst-7")
    page.click("[data-testid=assign-submit]")
    expect(page.locator("[data-testid=flash]")).to_have_text("Assigned to analyst-7.")
    expect(page.locator("[data-testid=case-assignee]")).to_have_text("analyst-7")
    page.fill("[data-testid=comment-input]", "customer confirmed theft")
    page.click("[data-testid=comment-submit]")
    expect(page.locator("[data-testid=flash]")).to_have_text("Comment added.")
    page.select_option("[data-testid=close-disposition]", "fraud")
    page.fill("[data-testid=close-note]", "chargeback received")
    page.click("[data-testid=close-submit]")
    expect(page.locator("[data-testid=case-status]")).to_have_text("Closed")
    expect(page.locator("[data-testid=case-disposition]")).to_have_text("Fraud")
    assert page.locator("[data-testid=case-forms]").count() == 0
    history = page.locator("[data-testid=note]")
    expect(history).to_have_count(3)
    assert "customer confirmed theft" in history.nth(1).inner_text()
    assert "fraud: chargeback received" in history.nth(2).inner_text()

    # The queue is empty; the closed case's event is a fraud label now.
    page.click("[data-testid=nav-alerts]")
    expect(page.locator("[data-testid=no-alerts]")).to_be_visible()
    with live.platform.db.tenant(out["decision"]["tenant_id"], write=False) as session:
        from sqlalchemy import select

        from finbrain.platform.store.models import RiskLabel

        labels = dict(session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud)).all())
    assert labels == {"E000004": True}
