"""Cross-site request forgery against the console, in real headless Chromium.

The attacker's page is served from another port of 127.0.0.1: the same *site* as the console,
so the SameSite=Strict session cookie goes along with its requests. The console must still
refuse them, and a person's own clicks must keep working.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from finbrain.platform.store.models import CardApplication
from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.e2e.test_identity_pages import thin_file
from tests.platform.helpers import add_decisions

pytestmark = pytest.mark.e2e


def attack_form(target: str) -> str:
    """The page the issue reproduced: a form that submits itself on load."""
    return f"""<!doctype html><html><body>
<form id="f" method="post" action="{target}">
  <input name="outcome" value="approve"><input name="amount" value="88888">
  <input name="note" value="looks fine"><input name="csrf_token" value="guessed">
</form>
<script>document.getElementById("f").submit();</script>
</body></html>"""


def attack_fetch(target: str) -> str:
    """The same request sent by fetch (no-cors, with credentials): the attacker reads nothing
    back but would not need to."""
    return f"""<!doctype html><html><body><p id="state">sending</p>
<script>
fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "application/x-www-form-urlencoded"}},
  body: "outcome=approve&amount=88888&note=looks+fine"}})
  .finally(function () {{ document.getElementById("state").textContent = "sent"; }});
</script></body></html>"""


@pytest.fixture
def attacker() -> Iterator[tuple[str, dict[str, str]]]:
    """A server on another port of 127.0.0.1; tests put pages into the dict by path."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "not here").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def referral(live: LiveServer) -> tuple[str, str, str]:
    """(tenant id, key, id of an application referred to a person)."""
    tenant_id, key = live.platform.new_tenant("Target Bank")
    body = thin_file("THIN-WEAK-CSRF", date(2001, 1, 2), 202, weak=True)
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as api:
        r = api.post("/v1/applications/credit-card", json=body)
    assert r.status_code == 201 and r.json()["status"] == "referred", r.text
    return tenant_id, key, r.json()["id"]


def review_of(live: LiveServer, tenant_id: str, application_id: str) -> tuple[Any, Any]:
    with live.platform.db.tenant(tenant_id, write=False) as session:
        row = session.get(CardApplication, application_id)
        assert row is not None
        return row.review_status, row.limit_minor


@pytest.mark.parametrize("kind", ["form", "fetch"])
def test_a_same_site_page_on_another_port_cannot_approve_a_referral(
    browser: Any, live: LiveServer, attacker: tuple[str, dict[str, str]], kind: str
) -> None:
    tenant_id, key, app_id = referral(live)
    target = f"{live.url}/console/referrals/{app_id}"
    evil_url, pages = attacker
    assert evil_url.split(":")[1] == live.url.split(":")[1]  # same host: the same site
    pages["/win"] = attack_form(target) if kind == "form" else attack_fetch(target)

    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live, key)  # the victim is signed in to the console
        page.wait_for_url("**/console/decisions")
        before = review_of(live, tenant_id, app_id)
        assert before[0] == "pending"

        with page.expect_response(
            lambda r: r.url == target and r.request.method == "POST"
        ) as answered:
            page.goto(f"{evil_url}/win")
        response = answered.value
        assert response.status == 403
        if kind == "form":  # the victim sees why, in the console's own words
            page.wait_for_url(target)
            text = page.locator("[data-testid=csrf-refused]").inner_text()
            assert "same_origin" in text and "Sec-Fetch-Site" in text
        else:
            expect(page.locator("#state")).to_have_text("sent")
        assert review_of(live, tenant_id, app_id) == before  # still undecided, no limit

        # The person's own click, in the same session, still works.
        page.goto(f"{live.url}/console/referrals")
        item = page.locator("[data-testid=referral]").first
        item.locator("[data-testid=approve-amount]").fill("5000")
        item.locator("[data-testid=approve-note]").fill("income verified by payslip")
        item.locator("[data-testid=approve-submit]").click()
        expect(page.locator("[data-testid=flash]")).to_have_text(
            "Application THIN-WEAK-CSRF approved with a limit of 5,000.00 CNY."
        )
        assert review_of(live, tenant_id, app_id) == ("approved", 500_000)
    finally:
        context.close()


def test_a_form_on_an_expired_session_gets_a_page_that_says_so(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    """A stale form (its session signed out in another tab) is refused with a clear page, and
    the sign-in form shown next to it works."""
    _, key = live.platform.new_tenant()
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    page.goto(f"{live.url}/console/screening")
    other = page.context.new_page()
    other.goto(f"{live.url}/console/decisions")
    other.click("[data-testid=logout]")  # a new session, with a new token
    other.wait_for_url("**/console/login")
    other.close()
    page.fill("[data-testid=screen-name]", "Kim Jong Un")
    page.click("[data-testid=screen-submit]")
    refused = page.locator("[data-testid=csrf-refused]")
    expect(refused).to_contain_text("csrf_token")
    expect(refused).to_contain_text("matches_session")
    assert browser_errors == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    browser_errors.clear()
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")


def test_htmx_requests_carry_the_token_header(page: Any, live: LiveServer) -> None:
    """htmx takes the token from hx-headers on <body>: a future htmx POST needs no more."""
    tenant_id, key = live.platform.new_tenant()
    add_decisions(live.platform.db, tenant_id, 60)
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    with page.expect_request(lambda r: "cursor=" in r.url) as sent:
        page.click("[data-testid=load-more]")
    assert sent.value.headers.get("x-csrf-token") == token
    assert sent.value.headers.get("hx-request") == "true"
