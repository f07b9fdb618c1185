"""The console refuses cross-site writes: a per-session token on every state-changing form and
htmx request, one check for every unsafe route, and Origin / Sec-Fetch-Site checks."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from finbrain.identity.validators import mod11_2_check_digit
from finbrain.platform.store.models import CardApplication
from tests.conftest import Platform

ORIGIN = "http://testserver"  # the TestClient's own origin
SAME = {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "finbrain_console"


@pytest.fixture
def console(sqlite_platform: Platform) -> Platform:
    """A platform on SQLite: the console keeps nothing backend-specific."""
    return sqlite_platform


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in through the login form; the token of the signed-in session."""
    pre = token_of(client.get("/console/login").text)
    r = client.post(
        "/console/login",
        data={"api_key": key, "csrf_token": pre},
        headers=SAME,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/decisions", r.text
    return token_of(client.get("/console/referrals").text)


def session_cookie(client: TestClient) -> tuple[str, dict[str, Any]]:
    """The raw cookie and the session it carries (signed, not encrypted: anyone can read it)."""
    raw = client.cookies.get(COOKIE)
    assert raw
    payload = raw.split(".")[0]
    decoded = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    return decoded, json.loads(decoded)


def referred(p: Platform, key: str, reference: str, sequence: int) -> str:
    """A thin-file applicant with a weak profile: referred to a person; its id."""
    body17 = f"110105{date(2001, 1, 2):%Y%m%d}{sequence:03d}"
    body = {
        "reference": reference,
        "applicant": {
            "name": "李静怡",
            "id_number": body17 + mod11_2_check_digit(body17),
            "mobile": f"139{sequence:08d}",
            "device_id": f"dev-{reference}",
        },
        "monthly_income": {"amount": "1500", "currency": "CNY"},
        "employment": "student",
    }
    r = p.client.post(
        "/v1/applications/credit-card", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "referred"
    return str(r.json()["id"])


def review_status(p: Platform, tenant_id: str, application_id: str) -> str | None:
    with p.db.tenant(tenant_id, write=False) as session:
        row = session.get(CardApplication, application_id)
        assert row is not None
        return row.review_status


def approve(token: str | None, amount: str = "50000") -> dict[str, str]:
    form = {"outcome": "approve", "amount": amount, "note": "payslip seen"}
    return form if token is None else {**form, "csrf_token": token}


# -- login: a pre-session token ---------------------------------------------------------------
def test_login_form_carries_a_pre_session_token_and_works(console: Platform) -> None:
    _, key = console.new_tenant("Login Bank")
    page = console.client.get("/console/login")
    assert page.status_code == 200
    pre = token_of(page.text)
    signed = sign_in(console.client, key)
    assert signed != pre  # a fresh token once signed in: the pre-session one is spent
    assert console.client.get("/console/decisions", follow_redirects=False).status_code == 200


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({}, SAME),  # no token
        ({"csrf_token": "forged"}, SAME),  # a wrong token
        (None, {"Origin": "http://evil.example"}),  # the right token from another site
        (None, {"Sec-Fetch-Site": "cross-site"}),
    ],
    ids=["no-token", "wrong-token", "origin-evil", "cross-site"],
)
def test_login_is_refused_without_its_token_or_from_another_site(
    console: Platform, data: dict[str, str] | None, headers: dict[str, str]
) -> None:
    """Login CSRF: nobody signs a victim in to the attacker's tenant."""
    _, key = console.new_tenant()
    pre = token_of(console.client.get("/console/login").text)
    form = {"api_key": key, **(data if data is not None else {"csrf_token": pre})}
    r = console.client.post("/console/login", data=form, headers=headers, follow_redirects=False)
    assert r.status_code == 403
    _, session = session_cookie(console.client)
    assert "key_id" not in session


def test_login_without_having_loaded_the_form_is_refused(console: Platform) -> None:
    _, key = console.new_tenant()
    r = console.client.post(
        "/console/login", data={"api_key": key, "csrf_token": "x"}, follow_redirects=False
    )
    assert r.status_code == 403


# -- the referral review: the reported attack ---------------------------------------------------
def test_review_without_token_is_refused_and_nothing_changes(console: Platform) -> None:
    tenant_id, key = console.new_tenant("Cards Bank")
    app_id = referred(console, key, "REF-1", 101)
    sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}", data=approve(None), headers=SAME, follow_redirects=False
    )
    assert r.status_code == 403
    assert "csrf_token" in r.text and "matches_session" in r.text  # the page names the rule
    assert review_status(console, tenant_id, app_id) == "pending"


def test_review_with_a_wrong_token_is_refused(console: Platform) -> None:
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-2", 102)
    token = sign_in(console.client, key)
    for forged in ("forged", token[:-1], token + "x", ""):
        r = console.client.post(
            f"/console/referrals/{app_id}",
            data=approve(forged),
            headers=SAME,
            follow_redirects=False,
        )
        assert r.status_code == 403, forged
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(None),
        headers={**SAME, "X-CSRF-Token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert review_status(console, tenant_id, app_id) == "pending"


def test_another_sessions_token_is_refused(console: Platform) -> None:
    """The token is bound to its session: one signed-in user's token does not fit another's."""
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-3", 103)
    sign_in(console.client, key)
    with TestClient(console.client.app) as other:
        theirs = sign_in(other, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(theirs),
        headers=SAME,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert review_status(console, tenant_id, app_id) == "pending"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://testserver:8101"},  # same site, another port
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver:8101"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": ORIGIN},  # the browser's word wins
    ],
    ids=["evil", "other-port", "null", "same-site", "same-site-only", "cross-site"],
)
def test_cross_origin_review_is_refused_even_with_the_token(
    console: Platform, headers: dict[str, str]
) -> None:
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-4", 104)
    token = sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(token, "88888"),
        headers=headers,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "same_origin" in r.text
    assert review_status(console, tenant_id, app_id) == "pending"


def test_refusal_is_a_problem_for_a_client_that_asks_for_json(console: Platform) -> None:
    _, key = console.new_tenant()
    app_id = referred(console, key, "REF-5", 105)
    token = sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(token),
        headers={"Origin": "http://evil.example", "Accept": "application/json"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "FB-CSRF"
    assert (problem["field"], problem["rule"]) == ("Origin", "same_origin")


def test_review_with_token_from_the_same_origin_works(console: Platform) -> None:
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-6", 106)
    token = sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(token),
        headers=SAME,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/referrals"
    assert review_status(console, tenant_id, app_id) == "approved"


def test_a_non_browser_client_with_the_token_works(console: Platform) -> None:
    """No Origin and no Sec-Fetch-Site (a script, an old browser): the token decides."""
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-7", 107)
    token = sign_in(console.client, key)
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data={"outcome": "decline", "note": "too thin", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert review_status(console, tenant_id, app_id) == "declined"


def test_htmx_sends_the_token_as_a_header(console: Platform) -> None:
    """Every page's <body> gives htmx the token (hx-headers): no inline script, CSP unchanged."""
    tenant_id, key = console.new_tenant()
    app_id = referred(console, key, "REF-8", 108)
    token = sign_in(console.client, key)
    page = console.client.get("/console/decisions").text
    body = re.search(r"<body[^>]*hx-headers='([^']+)'", page)
    assert body, "the body has no hx-headers"
    assert json.loads(body.group(1)) == {"X-CSRF-Token": token}
    r = console.client.post(
        f"/console/referrals/{app_id}",
        data=approve(None),
        headers={**SAME, "X-CSRF-Token": token, "HX-Request": "true"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert review_status(console, tenant_id, app_id) == "approved"


def test_signing_out_needs_the_token_and_spends_it(console: Platform) -> None:
    _, key = console.new_tenant()
    token = sign_in(console.client, key)
    refused = console.client.post("/console/logout", headers=SAME, follow_redirects=False)
    assert refused.status_code == 403
    assert console.client.get("/console/decisions", follow_redirects=False).status_code == 200
    r = console.client.post(
        "/console/logout", data={"csrf_token": token}, headers=SAME, follow_redirects=False
    )
    assert r.status_code == 303
    again = token_of(console.client.get("/console/login").text)
    assert again != token


# -- one check for every unsafe route ---------------------------------------------------------
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {
    "application_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "case_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "verb": "assign",
    "decision_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "model_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "client_id": "client-1",
    "ticket_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "campaign_id": "spring",
    "customer_id": "C000001",
    "segment": "0",
}


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute of the app, looking into included routers (FastAPI >= 0.16x keeps an
    included router whole, as ``original_router``, instead of copying its routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def test_every_unsafe_console_route_checks_the_token(console: Platform) -> None:
    _, key = console.new_tenant()
    sign_in(console.client, key)
    routes = [
        (method, route.path)
        for route in api_routes(console.client.app.routes)  # type: ignore[attr-defined]
        if route.path.startswith("/console")
        for method in sorted((route.methods or set()) & UNSAFE)
    ]
    assert {path for _, path in routes} >= {
        "/console/login",
        "/console/logout",
        "/console/screening",
        "/console/credit/score",
        "/console/referrals/{application_id}",
        "/console/risk/cases/{case_id}/{verb}",
        "/console/risk/rules",
    }
    for method, path in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        r = console.client.request(method, url, data={"x": "1"}, headers=SAME)
        assert r.status_code == 403, (method, path, r.status_code)


def test_every_post_form_in_the_templates_carries_the_token() -> None:
    folder = resources.files("finbrain.platform.console") / "templates"
    forms = 0
    for template in folder.iterdir():
        if not template.name.endswith(".html"):
            continue
        text = template.read_text("utf-8")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I):
                forms += 1
                assert '<input type="hidden" name="csrf_token" value="{{ csrf_token }}">' in form, (
                    template.name,
                    form[:120],
                )
    assert forms >= 10  # login, logout, screening, credit, approve, decline, 3 case forms, rules
    base = (folder / "base.html").read_text("utf-8")
    assert '<body hx-headers=\'{"X-CSRF-Token": "{{ csrf_token }}"}\'>' in base
