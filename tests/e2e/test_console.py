"""The console in real headless Chromium: sign in, browse decisions, switch zh/en, sign out."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from finbrain.platform import tenancy
from tests.e2e.conftest import LiveServer
from tests.platform.helpers import add_decisions

pytestmark = pytest.mark.e2e


def sign_in(page: Any, live: LiveServer, key: str) -> None:
    page.goto(f"{live.url}/console/")
    page.fill("#api_key", key)
    page.click("[data-testid=login-submit]")


def test_sign_in_browse_and_page_through_decisions(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Console Bank")
    made = add_decisions(live.platform.db, tenant_id, 60)
    page.goto(f"{live.url}/console/decisions")
    assert page.url.endswith("/console/login")  # not signed in yet

    page.fill("#api_key", key + "tampered")
    page.click("[data-testid=login-submit]")
    assert page.locator("[data-testid=login-error]").is_visible()
    assert browser_errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    browser_errors.clear()

    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    assert page.locator("[data-testid=tenant-name]").inner_text().endswith("Console Bank")
    assert page.locator("[data-testid=total]").inner_text() == "60"
    page.wait_for_selector("#outcome-chart[data-rendered=true]")  # ECharts drew it
    assert page.locator("#outcome-chart canvas").count() >= 1
    rows = page.locator("[data-testid=decision-row]")
    assert rows.count() == 50
    page.click("[data-testid=load-more]")  # htmx fetches the next page in place
    expect(rows).to_have_count(60)
    assert page.locator("[data-testid=load-more]").count() == 0

    # Newest first: the first row opens the last decision made.
    page.locator("[data-testid=decision-link]").first.click()
    page.wait_for_url(f"**/console/decisions/{made[-1].id}")
    assert page.locator("[data-testid=decision-id]").inner_text() == made[-1].id
    assert page.locator("[data-testid=reason-row]").count() == 1
    assert "test reason" in page.locator("[data-testid=reasons-table]").inner_text()
    # Times in the bank's zone (Asia/Shanghai by default), the UTC time on hover.
    shown = page.locator("dl.facts time").first
    utc = datetime.fromisoformat(str(shown.get_attribute("datetime")).replace("Z", "+00:00"))
    local = utc.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert shown.inner_text() == local and str(shown.get_attribute("title")).endswith(" UTC")
    # The receipt reads as a ledger entry; the signed checkpoint and the proof open on demand.
    receipt = page.locator("[data-testid=receipt]")
    assert page.locator("[data-testid=receipt-entry]").inner_text() == "entry 59 of the ledger"
    assert "finbrain.local/ledger/" in receipt.inner_text()  # the checkpoint's origin line
    receipt.locator("summary").last.click()
    assert "hashes" in receipt.locator("summary").last.inner_text()


def test_filter_by_outcome(page: Any, live: LiveServer) -> None:
    tenant_id, key = live.platform.new_tenant()
    add_decisions(live.platform.db, tenant_id, 9)
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.fill("[data-testid=filter-outcome]", "decline")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**outcome=decline**")
    badges = page.locator("[data-testid=decision-row] .badge")
    assert badges.all_inner_texts() == ["Decline"] * 3
    assert [badges.nth(i).get_attribute("title") for i in range(3)] == ["decline"] * 3


def test_language_switch_and_sign_out(page: Any, live: LiveServer) -> None:
    _, key = live.platform.new_tenant()
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    assert page.locator("h1").inner_text() == "Decisions"  # browser asks for en-US
    assert page.locator("[data-testid=no-decisions]").is_visible()
    page.click("[data-testid=lang-zh]")
    page.wait_for_url("**/console/decisions")
    assert page.locator("h1").inner_text() == "决策记录"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("[data-testid=lang-en]")
    assert page.locator("h1").inner_text() == "Decisions"
    page.click("[data-testid=logout]")
    page.wait_for_url("**/console/login")
    page.goto(f"{live.url}/console/decisions")
    assert page.url.endswith("/console/login")


def test_revoked_key_is_signed_out_at_once(page: Any, live: LiveServer) -> None:
    tenant_id, key = live.platform.new_tenant()
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    with live.platform.db.platform() as session:
        principal = tenancy.authenticate(session, key)
        tenancy.revoke_key(session, principal.key_id, tenant_id=tenant_id)
    page.reload()
    assert page.url.endswith("/console/login")


def test_other_tenants_decision_is_not_found(page: Any, live: LiveServer) -> None:
    a, _ = live.platform.new_tenant()
    other = add_decisions(live.platform.db, a, 1)[0]
    _, key_b = live.platform.new_tenant()
    sign_in(page, live, key_b)
    page.wait_for_url("**/console/decisions")
    # The browser's own session (cookies shared), without rendering an error page.
    response = page.context.request.get(f"{live.url}/console/decisions/{other.id}")
    assert response.status == 404
    assert other.input_digest not in response.text()


def test_api_docs_render_offline(page: Any, live: LiveServer) -> None:
    """Swagger UI is served from vendored files: it renders with no outside request."""
    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/decisions" in " ".join(paths)
    assert "finbrain" in page.locator(".title").first.inner_text()


def test_ledger_explorer_verifies_a_receipt(page: Any, live: LiveServer) -> None:
    from finbrain.ledger import Signer
    from finbrain.platform.ledger import TenantLedger, checkpoint_due_logs

    tenant_id, key = live.platform.new_tenant("Ledger Bank")
    made = add_decisions(live.platform.db, tenant_id, 6)
    checkpoint_due_logs(live.platform.db)
    regulator = Signer.generate("regulator.example/witness")
    with live.platform.db.tenant(tenant_id) as session:
        TenantLedger(session, tenant_id, live.platform.settings).add_witness(
            regulator.verifier().vkey
        )
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-ledger]")
    page.wait_for_url("**/console/ledger")
    assert page.locator("[data-testid=ledger-size]").inner_text() == "6"
    assert page.locator("[data-testid=log-vkey]").inner_text().startswith("finbrain.local/ledger/")
    assert "Not yet witnessed" in page.locator("[data-testid=witnessed]").inner_text()
    assert "regulator.example/witness" in page.locator("[data-testid=witness-list]").inner_text()
    assert page.locator("[data-testid=checkpoint-row]").count() >= 1

    page.fill("[data-testid=verify-decision]", made[2].id)
    page.click("[data-testid=verify-submit]")
    verdict = page.locator("[data-testid=verdict]")
    assert verdict.inner_text().startswith("Valid") and "entry 2" in verdict.inner_text()

    page.fill("[data-testid=verify-decision]", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    page.click("[data-testid=verify-submit]")
    assert page.locator("[data-testid=verdict]").inner_text().startswith("Invalid")

    # From a decision's page, one click verifies it on the ledger.
    page.goto(f"{live.url}/console/decisions/{made[4].id}")
    page.click("[data-testid=verify-link]")
    assert "entry 4" in page.locator("[data-testid=verdict]").inner_text()


def test_credit_page_scores_an_applicant_by_hand(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    from finbrain.platform.bootstrap import DEMO_DECISIONS, ensure_demo_credit

    tenant_id, key = live.platform.new_tenant("Credit Bank")
    ensure_demo_credit(live.platform.db, tenant_id)  # German scorecard + its decisions
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-credit]")
    page.wait_for_url("**/console/credit")
    assert page.locator("[data-testid=model-row]").count() == 2  # the champion, a challenger
    assert "Champion" in page.locator("[data-testid=models-table]").inner_text()
    assert page.locator("[data-testid=scorecard-table] tbody tr").count() > 10
    page.fill("[data-testid=applicant-id]", "BRANCH-42")
    page.click("[data-testid=score-submit]")
    result = page.locator("[data-testid=score-result]")
    assert result.is_visible()
    assert page.locator("[data-testid=result-outcome]").inner_text() in {
        "Approve",
        "Refer",
        "Decline",
    }
    assert int(page.locator("[data-testid=result-score]").inner_text()) > 0
    # The hand-scored decision is a real one: it is listed with the others.
    page.click("[data-testid=nav-credit]")
    page.goto(f"{live.url}/console/decisions")
    assert page.locator("[data-testid=total]").inner_text() == str(DEMO_DECISIONS + 1)
    # A bad value is refused with the field named, and nothing is recorded.
    page.goto(f"{live.url}/console/credit")
    numeric = page.locator("input[inputmode=decimal]").first
    numeric.fill("abc")
    page.click("[data-testid=score-submit]")
    assert page.locator("[data-testid=score-error]").is_visible()
    assert browser_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    browser_errors.clear()


def test_model_report_opens_from_the_credit_page(page: Any, live: LiveServer) -> None:
    from finbrain.platform.bootstrap import ensure_demo_credit

    tenant_id, key = live.platform.new_tenant("Report Bank")
    ensure_demo_credit(live.platform.db, tenant_id)
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.goto(f"{live.url}/console/credit")
    with page.context.expect_page() as opened:
        page.click("[data-testid=report-link]")
    report = opened.value
    report.wait_for_load_state()
    assert "1. Model card" in report.content() and "7. Fairness" in report.content()
    assert report.locator("svg").count() >= 4
    report.close()
