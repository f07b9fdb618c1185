"""The "client insists" flow and withdrawing a product, in headless Chromium: an adviser records
a client insisting on a product above the client's category (the special warning is shown and
must be confirmed first), a lowest-category client is refused, a shelf keeper withdraws a fund,
and a proposal that holds it says so; in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.platform.advisory_shelf import assess, propose, seed_shelf

pytestmark = pytest.mark.e2e
REFUSED = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def test_a_client_insists_and_a_product_is_withdrawn(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Insisting Bank")
    api = {"Authorization": f"Bearer {key}"}
    seed_shelf(live.platform.client, api, days=250)
    assess(live.platform.client, api, "CL-C2", "C2")
    assess(live.platform.client, api, "CL-LOW", "C1")
    assess(live.platform.client, api, "CL-C3", "C3")
    held = propose(live.platform.client, api, "CL-C3", cash="70000",
                   holdings=[{"code": "MIX-A", "value": "30000"}])  # fmt: skip
    assert held.status_code == 201, held.text

    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-advisory]")
    page.wait_for_url("**/console/advisory")
    page.click("[data-testid=client-row] a >> text=CL-C2")
    page.wait_for_url("**/console/advisory/clients/CL-C2")
    expect(page.locator("[data-testid=insist-table]")).to_have_count(0)

    # above the client's category: the warning first, nothing recorded until it is confirmed
    page.select_option("[data-testid=insist-product]", "EQ-A")
    page.click("[data-testid=insist-submit]")
    expect(page.locator("[data-testid=insist-warning]")).to_contain_text("Special risk warning")
    expect(page.locator("[data-testid=insist-warning]")).to_contain_text("R4")
    expect(page.locator("[data-testid=insist-error]")).to_contain_text("acknowledged")
    expect(page.locator("[data-testid=insist-table]")).to_have_count(0)
    expect(page.locator("[data-testid=insist-product]")).to_have_value("EQ-A")  # kept
    page.check("[data-testid=insist-acknowledged]")
    page.click("[data-testid=insist-submit]")
    page.wait_for_url("**/console/advisory/clients/CL-C2")
    expect(page.locator("[data-testid=flash]")).to_contain_text("after reading the special")
    expect(page.locator("[data-testid=insist-row]")).to_have_count(1)
    expect(page.locator("[data-testid=insist-outcome]")).to_have_text("Allowed after the warning")
    expect(page.locator("[data-testid=insist-row]")).to_contain_text("Special risk warning")
    page.click("[data-testid=insist-row] a")  # the decision on the ledger
    page.wait_for_url("**/console/decisions/*")
    expect(page.locator("body")).to_contain_text("SUIT-INSIST-WARNING")

    # the lowest category: refused even on insistence, and the refusal is recorded
    page.goto(f"{live.url}/console/advisory/clients/CL-LOW")
    page.select_option("[data-testid=insist-product]", "BOND-A")
    page.check("[data-testid=insist-acknowledged]")
    page.click("[data-testid=insist-submit]")
    page.wait_for_url("**/console/advisory/clients/CL-LOW")
    expect(page.locator("[data-testid=flash]")).to_contain_text("even on insistence")
    expect(page.locator("[data-testid=insist-outcome]")).to_have_text("Block")

    # withdraw a fund from the shelf: the shelf, the insist form and the proposal say so
    page.click("[data-testid=nav-advisory]")
    page.wait_for_url("**/console/advisory")
    page.check("[data-testid=withdraw-confirm-MIX-A]")
    page.click("[data-testid=withdraw-MIX-A]")
    page.wait_for_url("**/console/advisory")
    expect(page.locator("[data-testid=flash]")).to_contain_text("MIX-A is withdrawn from sale")
    row = page.locator("[data-testid=product-row]", has_text="MIX-A")
    expect(row.locator("[data-testid=product-withdrawn]")).to_be_visible()
    expect(page.locator("[data-testid=product-withdrawn]")).to_have_count(1)
    page.click("[data-testid=client-row] a >> text=CL-C3")
    page.wait_for_url("**/console/advisory/clients/CL-C3")
    options = page.locator("[data-testid=insist-product] option").all_inner_texts()
    assert options and not any(o.startswith("MIX-A") for o in options)
    page.click("[data-testid=proposal-row] a")
    page.wait_for_url("**/console/advisory/proposals/*")
    expect(page.locator("[data-testid=proposal-withdrawn]")).to_contain_text("MIX-A")

    page.goto(f"{live.url}/console/lang/zh?next=/console/advisory/clients/CL-C2")
    page.wait_for_url("**/console/advisory/clients/CL-C2")
    expect(page.locator("[data-testid=insist] h2")).to_have_text("客户坚持购买")
    expect(page.locator("[data-testid=insist-outcome]")).to_have_text("警示后允许")
    assert set(browser_errors) == {REFUSED}  # the unconfirmed warning answered 422
    browser_errors.clear()
