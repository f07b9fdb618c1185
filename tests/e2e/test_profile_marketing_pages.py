"""Profiles and marketing in the console, in headless Chromium, over a bank with scored
payments, built profiles, two pilots with recorded outcomes and a trained uplift model: a
banker reads the segment dashboard's charts, opens a segment and a customer's 360 page; builds
a campaign through the form (a refusal names the field and keeps what was typed), reads its
expected lift, runs the selection and reads who was chosen, why, and who was held out; trains
the uplift model again from the console."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.platform.marketing_seed import seed_bank

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REFUSED = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def _spec(page: Any, testid: str) -> dict[str, Any]:
    box = page.locator(f"[data-testid={testid}]")
    expect(box).to_have_attribute("data-rendered", "true")
    assert box.locator("canvas").count() >= 1
    return dict(json.loads(str(box.get_attribute("data-chart"))))


def _bank(live: LiveServer, name: str) -> str:
    tenant_id, key = live.platform.new_tenant(name)
    seed_bank(live.platform.db, tenant_id)
    return key


def test_segment_dashboard_segment_and_customer_360(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    key = _bank(live, "Profile Bank")
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-profile]")
    page.wait_for_url("**/console/profile")
    rows = page.locator("[data-testid=segment-row]")
    count = rows.count()
    assert count >= 2
    sizes = _spec(page, "sizes-chart")
    assert sizes["title"] == "Customers per segment" and sizes["y"]["name"] == "Customers"
    assert len(sizes["series"][0]["data"]) == count
    effects = _spec(page, "effects-chart")
    assert "standard deviations" in effects["y"]["name"] and len(effects["series"]) == count
    tags = _spec(page, "tags-chart")
    assert tags["x"]["data"] and all("_" not in name for name in tags["x"]["data"])
    expect(page.locator("[data-testid=build-summary]")).to_contain_text("customers")
    first_size = int(rows.nth(0).locator("td").nth(1).inner_text())
    # a segment: its persona, its own chart, its customers
    rows.nth(0).locator("[data-testid=segment-link]").click()
    page.wait_for_url("**/console/profile/segments/0")
    _spec(page, "segment-effects-chart")
    listed = page.locator("[data-testid=segment-customer]")
    assert listed.count() == min(first_size, 200)
    customer = listed.nth(0).locator("a").inner_text()
    listed.nth(0).locator("a").click()
    page.wait_for_url(f"**/console/profile/customers/{customer}")
    expect(page.locator("[data-testid=customer-id]")).to_have_text(customer)
    assert page.locator("[data-testid=feature-row]").count() > 20
    expect(page.locator("[data-testid=customer-segment-link]")).to_be_visible()
    # the pilots decided about every customer: the 360 page lists those decisions
    expect(page.locator("[data-testid=customer-decisions] tbody tr")).not_to_have_count(0)
    # the look-up form, a good id and a bad one
    page.click("[data-testid=nav-profile]")
    page.fill("[data-testid=customer-lookup-id]", customer)
    page.click("[data-testid=customer-lookup-submit]")
    page.wait_for_url(f"**/console/profile/customers/{customer}")
    page.click("[data-testid=nav-profile]")
    page.fill("[data-testid=customer-lookup-id]", "not a customer!")
    page.click("[data-testid=customer-lookup-submit]")
    expect(page.locator("[data-testid=lookup-error]")).to_be_visible()
    # rebuild from the console: build 2 appears once the job is done
    page.click("[data-testid=rebuild]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Rebuild started")
    deadline = time.monotonic() + 60
    while "(build 2)" not in page.locator("[data-testid=build-summary]").inner_text():
        assert time.monotonic() < deadline, "the profiles were not rebuilt"
        time.sleep(0.5)
        page.reload()
    # in Chinese
    page.click("[data-testid=lang-zh]")
    expect(page.locator("h1")).to_have_text("客户画像")
    assert _spec(page, "sizes-chart")["title"] == "各客群客户数"
    assert browser_errors == []


def test_build_a_campaign_see_its_expected_lift_and_run_it(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    key = _bank(live, "Marketing Bank")
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-marketing]")
    page.wait_for_url("**/console/marketing")
    expect(page.locator("[data-testid=campaign-row]")).to_have_count(3)
    expect(page.locator("[data-testid=model-summary]")).to_contain_text("Version 1")
    expect(page.locator("[data-testid=model-offer]")).to_have_count(2)

    page.click("[data-testid=new-campaign]")
    page.wait_for_url("**/console/marketing/new")
    page.fill("[data-testid=campaign-id]", "web-offer")
    page.fill("[data-testid=campaign-name-zh]", "网页活动")
    page.fill("[data-testid=campaign-name-en]", "Web campaign")
    page.fill("[data-testid=campaign-budget]", "0")
    page.fill("[data-testid=campaign-control]", "20")
    page.fill("[data-testid=offer0-code]", "web-cashback")
    page.fill("[data-testid=offer0-name-zh]", "网页返现")
    page.fill("[data-testid=offer0-name-en]", "Web cashback")
    page.select_option("[data-testid=offer0-treatment]", "cashback")
    page.fill("[data-testid=offer0-value]", "60")
    page.fill("[data-testid=offer0-cost]", "2")
    page.select_option("[data-testid=offer0-rule0-column]", "frequency_365d")
    page.select_option("[data-testid=offer0-rule0-op]", "ge")
    page.fill("[data-testid=offer0-rule0-value]", "3")
    page.click("[data-testid=campaign-submit]")
    expect(page.locator("[data-testid=campaign-error-field]")).to_have_text("budget")
    expect(page.locator("[data-testid=offer0-code]")).to_have_value("web-cashback")
    assert browser_errors == [REFUSED]
    browser_errors.clear()
    page.fill("[data-testid=campaign-budget]", "100")
    page.click("[data-testid=campaign-submit]")
    page.wait_for_url("**/console/marketing/campaigns/web-offer")
    expect(page.locator("[data-testid=flash]")).to_contain_text("web-offer")
    expect(page.locator("[data-testid=campaign-offers]")).to_contain_text("Transactions")
    # the expected lift, before anything is recorded
    offered = int(page.locator("[data-testid=expected-offered]").inner_text())
    assert offered > 0
    assert float(page.locator("[data-testid=expected-responses]").inner_text()) > 0
    gain = _spec(page, "gain-chart")
    assert gain["x"]["name"] == "Customers contacted" and len(gain["series"]) == 2
    assert gain["x"]["data"][-1] == str(offered)
    _spec(page, "offers-chart")
    expect(page.locator("[data-testid=none-chosen]")).to_be_visible()
    # run it (a background job over every profiled customer): who was chosen and why, who was
    # held out
    page.click("[data-testid=run-selection]")
    page.wait_for_url("**/console/marketing/campaigns/web-offer")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Selection started")
    deadline = time.monotonic() + 60
    while not page.locator("[data-testid=last-selection]").count():
        assert time.monotonic() < deadline, "the selection did not finish"
        assert not page.locator("[data-testid=selection-failed]").count()
        time.sleep(0.5)
        page.reload()
    expect(page.locator("[data-testid=last-selection]")).to_contain_text(f"{offered} contacted")
    expect(page.locator("[data-testid=run-selection]")).to_be_enabled()
    chosen = page.locator("[data-testid=chosen-row]")
    assert chosen.count() == min(100, offered)  # nothing changed between estimate and run
    assert "Web cashback" in chosen.nth(0).inner_text()
    expect(page.locator("[data-testid=campaign-spent]")).not_to_have_text("0.00 CNY")
    held = page.locator("[data-testid=control-row]").count()
    assert held >= 1
    chosen.nth(0).locator("td").nth(4).locator("a").click()
    page.wait_for_url("**/console/decisions/*")
    page.go_back()
    # a pilot shows its real lift from the recorded outcomes
    page.goto(f"{live.url}/console/marketing/campaigns/pilot-fee-waiver")
    _spec(page, "measured-chart")
    expect(page.locator("[data-testid=lift-value]")).to_contain_text("pp")
    # train again from the console: version 2 appears once the job is done
    page.click("[data-testid=nav-marketing]")
    page.click("[data-testid=train-model]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Training started")
    deadline = time.monotonic() + 60
    while "Version 2" not in page.locator("[data-testid=uplift-model]").inner_text():
        assert time.monotonic() < deadline, "the model was not retrained"
        time.sleep(0.5)
        page.reload()
    page.click("[data-testid=lang-zh]")
    expect(page.locator("h1")).to_have_text("精准营销")
    assert browser_errors == []
