"""The queues a person works on a phone (issue 16): at 390 px wide the referral queue and the
applications list fit the screen (no sideways scroll of the page) and their actions stay
reachable."""

from __future__ import annotations

from typing import Any

import pytest

from finbrain.platform import bootstrap
from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.e2e


def test_the_referral_queue_fits_a_phone(
    browser: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Phone Bank")
    bootstrap.ensure_demo_credit(live.platform.db, tenant_id)
    bootstrap.ensure_demo_identity(live.platform.db, tenant_id)
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live, key)  # type: ignore[arg-type]
        page.wait_for_url("**/console/decisions")
        for path in ("/console/referrals", "/console/applications"):
            page.goto(f"{live.url}{path}")
            wide = page.evaluate("document.scrollingElement.scrollWidth")
            culprits = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                ".right > 392).slice(0, 8).map(e => e.tagName + '.' + e.className + ' '"
                " + Math.round(e.getBoundingClientRect().right))"
            )
            assert wide <= 390 + 1, (path, wide, culprits)  # the page itself never scrolls sideways
        page.goto(f"{live.url}/console/referrals")
        submit = page.locator("button[type=submit]").first
        submit.scroll_into_view_if_needed()
        box = submit.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()
    assert browser_errors == []
