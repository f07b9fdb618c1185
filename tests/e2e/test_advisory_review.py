"""An adviser reviews a contradictory questionnaire in headless Chromium: the client's page says
the answers wait for a review and refuses a proposal; a blank note is refused and records
nothing; the confirmed review goes on the ledger and the proposal can then be made; in English
and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.platform.advisory_shelf import ANSWERS, seed_shelf

pytestmark = pytest.mark.e2e
REFUSED = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def test_an_adviser_confirms_contradicting_answers(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Reviewing Bank")
    api = {"Authorization": f"Bearer {key}"}
    seed_shelf(live.platform.client, api, days=250)
    answers = {**ANSWERS["C4"], "horizon": "lt_1", "objective": "growth"}
    body = {"client_id": "CL-MIXED", "answers": answers}
    made = live.platform.client.post("/v1/advisory/assessments", headers=api, json=body)
    assert made.status_code == 201 and made.json()["client"]["needs_review"], made.text

    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.goto(f"{live.url}/console/advisory/clients/CL-MIXED")
    expect(page.locator("[data-testid=client-review]")).to_be_visible()
    expect(page.locator("[data-testid=review]")).to_contain_text("contradict")
    # a proposal is refused until the review, naming the client and the rule
    page.click("[data-testid=proposal-submit]")
    expect(page.locator("[data-testid=proposal-error]")).to_contain_text("adviser")
    expect(page.locator("[data-testid=proposal-error-field]")).to_have_text("client_id")

    # a blank note: refused on the page, nothing recorded, the choice kept
    page.check("[data-testid=review-reassess]")
    page.fill("[data-testid=review-note]", "   ")
    page.click("[data-testid=review-submit]")
    expect(page.locator("[data-testid=review-error]")).to_contain_text("note")
    expect(page.locator("[data-testid=review-reassess]")).to_be_checked()
    listed = live.platform.client.get("/v1/decisions?capability=advisory", headers=api).json()
    assert [d["action"] for d in listed["items"]] == ["assess"]

    page.check("[data-testid=review-confirm]")
    page.fill("[data-testid=review-note]", "Called the client: saving for a flat in five years")
    page.click("[data-testid=review-submit]")
    page.wait_for_url("**/console/advisory/clients/CL-MIXED")
    expect(page.locator("[data-testid=flash]")).to_contain_text("the assessment stands")
    expect(page.locator("[data-testid=client-review]")).to_have_count(0)
    expect(page.locator("[data-testid=review]")).to_have_count(0)
    listed = live.platform.client.get("/v1/decisions?capability=advisory", headers=api).json()
    review = next(d for d in listed["items"] if d["action"] == "review")
    assert review["outcome"] == "confirm" and review["receipt"] is not None
    assert "saving for a flat" in review["reasons"][0]["text"]["en"]

    page.click("[data-testid=proposal-submit]")
    page.wait_for_url("**/console/advisory/proposals/*")

    # Chinese: the review section of another client waiting for one
    body = {"client_id": "CL-MIXED-2", "answers": answers}
    other = live.platform.client.post("/v1/advisory/assessments", headers=api, json=body)
    assert other.status_code == 201
    page.goto(f"{live.url}/console/lang/zh?next=/console/advisory/clients/CL-MIXED-2")
    page.wait_for_url("**/console/advisory/clients/CL-MIXED-2")
    expect(page.locator("[data-testid=review]")).to_contain_text("投资顾问复核矛盾答案")
    page.check("[data-testid=review-reassess]")
    page.fill("[data-testid=review-note]", "客户误读了投资期限问题")
    page.click("[data-testid=review-submit]")
    page.wait_for_url("**/console/advisory/clients/CL-MIXED-2")
    expect(page.locator("[data-testid=flash]")).to_contain_text("测评已失效")
    # the two refusals answered 422 (the page with the error), which the browser logs
    assert browser_errors.count(REFUSED) == 2
    browser_errors[:] = [e for e in browser_errors if e != REFUSED]
