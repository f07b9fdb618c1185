"""A decision page a person reads (issue 16): reasons first as sentences with their effect in
the model's unit, the values they cite labelled, the grade explained by the master scale, and
the receipt as a ledger entry — in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finbrain.platform import bootstrap
from finbrain.platform.store.models import DecisionRow
from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.e2e


def test_a_credit_decision_reads_reasons_first_with_points_and_its_grade(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Reading Bank")
    bootstrap.ensure_demo_credit(live.platform.db, tenant_id)
    with live.platform.db.tenant(tenant_id, write=False) as session:
        row = session.scalars(
            select(DecisionRow)
            .where(DecisionRow.capability == "credit", DecisionRow.grade.in_(("C", "D", "E")))
            .limit(1)
        ).one()
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/decisions/{row.id}")
    # Reasons come before the details, each with the points it cost.
    order = page.locator("h2").all_inner_texts()
    assert order.index("Reasons") < order.index("Details") < order.index("Ledger receipt")
    effects = page.get_by_test_id("reason-effect").all_inner_texts()
    assert effects and all("points below this feature's best band" in e for e in effects)
    inputs = page.get_by_test_id("input-row")
    assert inputs.count() >= 1
    first = inputs.first.locator("td").first
    assert "_" not in first.inner_text() and "_" in str(first.get_attribute("title"))
    grade = page.get_by_test_id("decision-grade")
    expect(grade).to_contain_text(f"Grade {row.grade}: probability of default")
    grade.locator("summary").click()
    expect(page.get_by_test_id("master-scale").locator("tr")).to_have_count(6)
    expect(page.get_by_test_id("receipt-badge")).to_contain_text("of the ledger")

    page.goto(f"{live.url}/console/lang/zh?next=/console/decisions/{row.id}")
    page.wait_for_url(f"**/console/decisions/{row.id}")
    assert "比该项最佳分段少" in page.get_by_test_id("reason-effect").first.inner_text()
    expect(page.get_by_test_id("decision-grade")).to_contain_text(
        f"{row.grade} 级：主标尺上违约概率"
    )
    assert browser_errors == []
