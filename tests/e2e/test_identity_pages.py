"""Identity and onboarding in the console, in real headless Chromium: screen a name by hand,
browse card applications step by step, and work the referral queue."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from finbrain.identity.validators import mod11_2_check_digit
from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.e2e
FORBIDDEN = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
REFUSED = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def resident_id(born: date, sequence: int, region: str = "110105") -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + mod11_2_check_digit(body)


def thin_file(reference: str, born: date, sequence: int, *, weak: bool) -> dict[str, Any]:
    """A thin-file applicant: a strong one is approved, a weak one referred to a person."""
    body: dict[str, Any] = {
        "reference": reference,
        "applicant": {
            "name": "李静怡",
            "id_number": resident_id(born, sequence),
            "mobile": f"139{sequence:08d}",
            "device_id": f"dev-{reference}",
        },
        "monthly_income": {"amount": "1500" if weak else "15000.00", "currency": "CNY"},
        "employment": "student" if weak else "employed",
    }
    if not weak:
        body |= {"mobile_tenure_months": 60, "utility_on_time_ratio": 0.98}
    return body


def test_screen_a_name_and_see_the_hit_explained(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Screening Bank")
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-screening]")
    page.wait_for_url("**/console/screening")

    page.fill("[data-testid=screen-name]", "Kim Jong Un")
    page.fill("[data-testid=screen-dob]", "1984-01-08")
    page.select_option("[data-testid=screen-kind]", "person")
    page.click("[data-testid=screen-submit]")
    outcome = page.locator("[data-testid=screen-outcome]")
    expect(outcome).to_have_text("Match")
    assert len(page.locator("[data-testid=list-version]").inner_text()) == 16
    hits = page.locator("[data-testid=hit-row]")
    assert hits.count() >= 1
    first = hits.first.inner_text()
    assert "OFAC SDN" in first and "KIM, Jong Un" in first and "exact" in first
    explanation = page.locator("[data-testid=hit-explanation]").first.inner_text()
    assert "matches 'KIM, Jong Un'" in explanation and "dob match (1984-01-08)" in explanation

    # The screening is a recorded decision on the ledger.
    page.click("[data-testid=screen-decision]")
    page.wait_for_url("**/console/decisions/*")
    expect(page.locator("[data-testid=decision-outcome]")).to_have_text("Match")
    assert "SCR-MATCH" in page.locator("[data-testid=reasons-table]").inner_text()

    # A name without letters is refused with the field and the rule's message; nothing crashes.
    page.goto(f"{live.url}/console/screening")
    page.fill("[data-testid=screen-name]", "!!!")
    page.click("[data-testid=screen-submit]")
    expect(page.locator("[data-testid=screen-error-field]")).to_have_text("name")
    assert "no letters" in page.locator("[data-testid=screen-error]").inner_text()
    assert page.locator("[data-testid=screen-name]").input_value() == "!!!"
    assert page.locator("[data-testid=screen-result]").count() == 0
    assert browser_errors == [REFUSED]
    browser_errors.clear()

    # A date the browser would not send (posted by hand with the page's own session and token).
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    bad = page.context.request.post(
        f"{live.url}/console/screening",
        form={
            "name": "Kim Jong Un",
            "birth_date": "1984-13-40",
            "kind": "person",
            "csrf_token": token or "",
        },
    )
    assert bad.status == 422 and "birth_date" in bad.text() and "iso_date" in bad.text()

    # In Chinese, the explanation comes in Chinese.
    page.click("[data-testid=lang-zh]")
    page.wait_for_url("**/console/screening")
    expect(page.locator("h1")).to_have_text("筛查")
    page.fill("[data-testid=screen-name]", "Kim Jong Un")
    page.fill("[data-testid=screen-dob]", "1984-01-08")
    page.click("[data-testid=screen-submit]")
    expect(page.locator("[data-testid=screen-outcome]")).to_have_text("命中")
    assert "出生日期一致" in page.locator("[data-testid=hit-explanation]").first.inner_text()


def test_a_reviewer_clears_a_false_positive_and_the_hit_shows_allowed(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    """A screener sees no review form; a reviewer records why the name is not the listed
    person, and the same name screened again shows the hit allowed (a decision on the ledger)."""
    _, screener = live.platform.new_tenant("Allow Bank", scopes=["identity:screen"])
    sign_in(page, live, screener)
    page.goto(f"{live.url}/console/screening")
    page.fill("[data-testid=screen-name]", "Li Fangwei")
    page.fill("[data-testid=screen-dob]", "1990-01-01")  # the wrong birth date: still a hit
    page.click("[data-testid=screen-submit]")
    expect(page.locator("[data-testid=screen-outcome]")).to_have_text("Potential match")
    assert page.locator("[data-testid=allow-form]").count() == 0  # no identity:review
    # Signing in lands on the decisions page, which this key may not read: that 403 only.
    assert set(browser_errors) <= {FORBIDDEN}
    browser_errors.clear()

    page.context.clear_cookies()
    _, reviewer = live.platform.new_tenant("Review Bank")
    sign_in(page, live, reviewer)
    page.goto(f"{live.url}/console/screening")
    page.fill("[data-testid=screen-name]", "Li Fangwei")
    page.fill("[data-testid=screen-dob]", "1990-01-01")
    page.click("[data-testid=screen-submit]")
    first = page.locator("[data-testid=hit-row]").first
    entry = first.inner_text()
    # An empty note is refused, naming the field; nothing is recorded.
    first.locator("[data-testid=allow-submit]").click()
    expect(page.locator("[data-testid=flash]")).to_contain_text("note")
    assert page.locator("[data-testid=hit-allowed]").count() == 0
    assert browser_errors == [REFUSED]  # answered 422
    browser_errors.clear()
    page.locator("[data-testid=hit-row]").first.locator("[data-testid=allow-note]").fill(
        "Passport checked: born 1990 in Dalian, a different person"
    )
    page.locator("[data-testid=hit-row]").first.locator("[data-testid=allow-submit]").click()
    expect(page.locator("[data-testid=flash]")).to_contain_text("on the ledger")
    allowed = page.locator("[data-testid=hit-row]").filter(
        has=page.locator("[data-testid=hit-allowed]")
    )
    expect(allowed).to_have_count(1)
    assert allowed.first.inner_text().split("\t")[1] == entry.split("\t")[1]  # the same entry
    decisions = httpx.get(
        f"{live.url}/v1/decisions",
        params={"capability": "identity"},
        headers={"Authorization": f"Bearer {reviewer}"},
        timeout=30,
    ).json()["items"]
    assert [d["action"] for d in decisions].count("allow") == 1
    assert browser_errors == []


def test_a_500_character_name_keeps_the_applications_page_in_its_width(
    page: Any, live: LiveServer
) -> None:
    """The API takes names up to 500 characters; the list shows a bounded mask, and nothing
    in the page is wider than the window."""
    _, key = live.platform.new_tenant("Long Names Bank")
    body = thin_file("LONG-NAME-1", date(1990, 5, 17), 111, weak=False)
    body["applicant"]["name"] = "王" + "明" * 499
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {key}"}) as client:
        made = client.post("/v1/applications/credit-card", json=body, timeout=60)
        assert made.status_code == 201, made.text
    sign_in(page, live, key)
    page.goto(f"{live.url}/console/applications")
    assert "王***" in page.locator("main").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width}px wide in a 1280px window"


def test_applications_and_the_referral_queue(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    _, key = live.platform.new_tenant("Cards Bank")
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [
        thin_file("THIN-OK", date(1990, 5, 17), 101, weak=False),
        thin_file("THIN-WEAK-1", date(2001, 1, 2), 202, weak=True),
        thin_file("THIN-WEAK-2", date(2002, 3, 4), 303, weak=True),
    ]
    with httpx.Client(base_url=live.url, headers=headers, timeout=30) as client:
        for body in bodies:
            r = client.post("/v1/applications/credit-card", json=body)
            assert r.status_code == 201, r.text
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-applications]")
    page.wait_for_url("**/console/applications")
    rows = page.locator("[data-testid=application-row]")
    expect(rows).to_have_count(3)
    table = page.locator("[data-testid=applications-table]").inner_text()
    assert "李*" in table and "110105" in table and "19900517" not in table  # masked
    page.select_option("[data-testid=filter-status]", "referred")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**status=referred**")
    expect(rows).to_have_count(2)
    assert page.locator("[data-testid=application-status]").all_inner_texts() == ["Referred"] * 2

    # One application, every step with its decision and reasons.
    page.goto(f"{live.url}/console/applications")
    page.locator("[data-testid=application-link]", has_text="THIN-OK").click()
    page.wait_for_url("**/console/applications/*")
    expect(page.locator("[data-testid=application-status]")).to_have_text("Approved")
    steps = page.locator("[data-testid=step-row]")
    expect(steps).to_have_count(5)
    text = page.locator("[data-testid=steps-table]").inner_text()
    # Each step named in words, not by its code (the code is the decision's, on its page).
    for action in (
        "Identity check",
        "Sanctions screening",
        "Application fraud check",
        "Alternative-data assessment",
        "Credit limit",
    ):
        assert action in text
    assert "application_check" not in text and "alt_assess" not in text
    assert "APP-APPROVED" in page.locator("[data-testid=final-decision]").inner_text()
    assert page.locator("[data-testid=application-limit]").inner_text() == "2,000.00 CNY"

    # The referral queue: a bad limit is refused naming the field, then approve, then decline.
    page.click("[data-testid=nav-referrals]")
    page.wait_for_url("**/console/referrals")
    items = page.locator("[data-testid=referral]")
    expect(items).to_have_count(2)
    first = items.first
    assert first.get_attribute("data-reference") == "THIN-WEAK-1"  # oldest first
    first.locator("[data-testid=approve-amount]").fill("abc")
    first.locator("[data-testid=approve-note]").fill("income verified by payslip")
    first.locator("[data-testid=approve-submit]").click()
    expect(page.locator("[data-testid=review-error-field]")).to_have_text("limit.amount")
    expect(items).to_have_count(2)
    first = items.first
    assert first.locator("[data-testid=approve-amount]").input_value() == "abc"
    first.locator("[data-testid=approve-amount]").fill("")
    first.locator("[data-testid=approve-submit]").click()
    expect(page.locator("[data-testid=review-error-field]")).to_have_text("limit")
    assert browser_errors == [REFUSED] * 2
    browser_errors.clear()

    first = items.first
    first.locator("[data-testid=approve-amount]").fill("5000")
    first.locator("[data-testid=approve-submit]").click()
    expect(page.locator("[data-testid=flash]")).to_have_text(
        "Application THIN-WEAK-1 approved with a limit of 5,000.00 CNY."
    )
    expect(items).to_have_count(1)
    assert items.first.get_attribute("data-reference") == "THIN-WEAK-2"
    items.first.locator("[data-testid=decline-note]").fill("income too low for any limit")
    items.first.locator("[data-testid=decline-submit]").click()
    expect(page.locator("[data-testid=flash]")).to_have_text("Application THIN-WEAK-2 declined.")
    expect(page.locator("[data-testid=queue-empty]")).to_be_visible()

    # The reviewed application shows the review and its limit; in Chinese on request.
    page.goto(f"{live.url}/console/applications?status=approved")
    page.locator("[data-testid=application-link]", has_text="THIN-WEAK-1").click()
    page.wait_for_url("**/console/applications/*")
    expect(page.locator("[data-testid=review-status]")).to_have_text("Approved")
    assert page.locator("[data-testid=application-limit]").inner_text() == "5,000.00 CNY"
    assert "income verified by payslip" in page.locator("[data-testid=review-info]").inner_text()
    page.click("[data-testid=lang-zh]")
    expect(page.locator("[data-testid=application-status]")).to_have_text("已批准")
    assert "人工复核" in page.locator("nav").inner_text()
