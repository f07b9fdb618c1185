"""Every console page in both languages, walked in Chromium over a seeded bank: no code or
identifier reaches the visible text (``application_check``, ``alt_assess``, a bare ``score``
in a Chinese page), and the English header names the product once (issue 16)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from finbrain.platform import bootstrap
from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.platform.advisory_shelf import ANSWERS, assess, propose, seed_shelf
from tests.platform.assistant_seed import CUSTOMER, seed_assistant
from tests.platform.marketing_seed import seed_bank

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# The codes the platform writes into decisions, cases and steps: a Chinese page shows none of
# them (an English page may, as words of its sentences).
CODES = re.compile(  # a whole word, not part of an id or an address (card-0042, …/ledger/…)
    r"(?<![\w\-/.:])(?:approve|refer|decline|allow|review|block|clear|potential|match|score|screen|verify|"
    r"limit|assigned|fail|none|pass|open|closed|fraud|pending|approved|referred|declined|"
    r"champion|candidate|retired|card|customer|account|application|identity|credit|risk|"
    r"journey|ledger)(?![\w\-/.:])"
)
# A page that is a stored document, not a console page: the model development report keeps the
# dataset's own column names, which is what a model validator checks it against.
DOCUMENTS = ("/report",)
FIRST_LINKS = (
    "a[href^='/console/decisions/0']",
    "a[href^='/console/applications/0']",
    "a[href^='/console/risk/cases/0']",
    "a[href^='/console/advisory/proposals/0']",
    "a[href^='/console/profile/customers/']",
)


def _seed(live: LiveServer, tenant_id: str, key: str) -> None:
    db = live.platform.db
    bootstrap.ensure_demo_credit(db, tenant_id)
    bootstrap.ensure_demo_identity(db, tenant_id)
    bootstrap.ensure_demo_risk(db, tenant_id, events=200, train_customers=300, train_days=21)
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    big = {
        "event_id": "walk-big-1",
        "kind": "card",
        "occurred_at": now,
        "amount": "250000.00",
        "currency": "CNY",
        "customer_id": "walk-c1",
        "card_id": "walk-card-1",
        "terminal_id": "walk-t1",
        "channel": "ecom",
    }
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=live.url, headers=headers, timeout=60) as client:
        assert client.post("/v1/risk/events", json=big).status_code == 201
        client.post("/v1/identity/screen", json={"name": "Li Fangwei", "birth_date": "1990-01-01"})
    seed_shelf(live.platform.client, headers, days=300)
    assess(live.platform.client, headers, "walk-client-1", "C4")
    # a client whose answers contradict each other: the page's adviser-review section
    mixed = {**ANSWERS["C4"], "horizon": "lt_1", "objective": "growth"}
    body = {"client_id": "walk-client-review", "answers": mixed}
    assert live.platform.client.post("/v1/advisory/assessments", json=body,
                                     headers=headers).status_code == 201  # fmt: skip
    made = propose(live.platform.client, headers, "walk-client-1")
    assert made.status_code == 201, made.text
    # a client insisting (its warning on the client's page), a recorded recommendation and a
    # withdrawn product of the proposal (the shelf's badge, the proposal's notice)
    insisted = live.platform.client.post("/v1/advisory/insistences", headers=headers, json={
        "client_id": "walk-client-1", "product": "LEV", "acknowledged": True})  # fmt: skip
    assert insisted.status_code == 201, insisted.text
    live.platform.client.post("/v1/match/interactions", headers=headers, json={"interactions": [
        {"customer": "walk-client-2", "product": "MIX-B", "kind": "purchase"}]})  # fmt: skip
    shown = live.platform.client.post("/v1/match/recommendations", headers=headers,
                                      json={"customer": "walk-client-1"})  # fmt: skip
    assert shown.status_code == 201, shown.text
    gone = sorted(made.json()["weights"])[-1]
    assert live.platform.client.post("/v1/advisory/products/withdrawals", headers=headers,
                                     json={"codes": [gone]}).status_code == 200  # fmt: skip
    # the assistant's knowledge base and a hand-off ticket in the queue (its reasons, state and
    # the task under way shown as words)
    seed_assistant(live.platform, tenant_id)
    for text in ("冻结我的信用卡", "转人工"):
        chat = {"session_id": "walk-chat", "customer_id": CUSTOMER, "text": text}
        said = live.platform.client.post("/v1/assistant/messages", json=chat, headers=headers)
        assert said.status_code == 200, said.text
    seed_bank(db, tenant_id)  # profiles, pilots with outcomes, the uplift model


def _pages(page: Any, live: LiveServer) -> list[str]:
    paths = [
        "/console/decisions",
        "/console/ledger",
        "/console/credit",
        "/console/screening",
        "/console/applications",
        "/console/referrals",
        "/console/risk",
        "/console/risk/alerts",
        "/console/risk/rules",
        "/console/advisory",
        "/console/advisory/questionnaire",
        "/console/advisory/clients/walk-client-1",
        "/console/advisory/clients/walk-client-review",
        "/console/assistant",
        "/console/assistant/knowledge",
        "/console/assistant/tickets",
        "/console/profile",
        "/console/profile/segments/0",
        "/console/marketing",
        "/console/marketing/new",
        "/console/marketing/campaigns/spring-rewards",
        "/console/marketing/campaigns/pilot-cashback",
    ]
    for path in list(paths):
        page.goto(live.url + path)
        for selector in FIRST_LINKS:
            links = page.locator(selector)
            href = links.first.get_attribute("href") if links.count() else None
            if href and href not in paths:
                paths.append(href)
    assert any("/console/risk/cases/" in p for p in paths), "the seed opened no case"
    assert any("/console/applications/" in p for p in paths)
    assert any("/console/advisory/proposals/" in p for p in paths)
    assert any("/console/profile/customers/" in p for p in paths)
    return paths


def test_every_page_speaks_the_language_it_is_in(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    tenant_id, key = live.platform.new_tenant("Walk Bank")
    _seed(live, tenant_id, key)
    sign_in(page, live, key)
    page.wait_for_url("**/console/decisions")
    paths = _pages(page, live)
    problems: list[str] = []
    for lang in ("zh", "en"):
        page.goto(f"{live.url}/console/lang/{lang}?next=/console/decisions")
        for path in paths:
            if path.endswith(DOCUMENTS):
                continue
            page.goto(live.url + path)
            text = page.locator("body").inner_text()
            found = set(SNAKE.findall(text))
            if lang == "zh":
                found |= set(CODES.findall(text))
            if found:
                problems.append(f"{lang} {path}: {sorted(found)[:12]}")
        if lang == "en":
            assert page.locator(".brand").inner_text().strip() == "finbrain"
    assert problems == [], "\n".join(problems)
    assert browser_errors == []
