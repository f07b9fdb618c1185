"""Walk every endpoint in the OpenAPI spec with a second tenant's key: nothing of the first leaks.

The list of operations comes from the spec itself, so an endpoint added later is walked too; a
POST whose body this test does not know how to build fails the test until it is added below.
"""

from __future__ import annotations

import re
from typing import Any

from finbrain.ledger import Signer
from finbrain.platform.ledger import checkpoint_due_logs
from tests.conftest import Platform
from tests.platform.advisory_shelf import ANSWERS, PRODUCTS, price_rows
from tests.platform.assistant_seed import seed_assistant
from tests.platform.helpers import add_decisions

A_CLIENT = "CL-A-PRIVATE"  # the first bank's advisory client and a product of its shelf
A_PRODUCT = "A-PRIVATE-FUND"
A_FAQ = "a-private-faq"  # the first bank's knowledge-base entry and its answer
A_ANSWER = "A-BANK-PRIVATE-ANSWER"

# Minimal valid bodies for POST endpoints (extend when a capability adds one).
BODIES: dict[str, dict[str, Any] | None] = {
    "/v1/keys": {"label": "probe", "scopes": ["decisions:read"]},
    "/v1/tenants": {"name": "Probe Bank"},
    "/v1/tenants/{tenant_id}/keys": {"label": "probe"},
    "/v1/ledger/witnesses": {"vkey": Signer.generate("probe.witness").verifier().vkey},
    "/v1/ledger/cosignatures": {
        "size": 1,
        "cosignature": Signer.generate("probe.witness").cosign("x\n1\nAA==\n", 1),
    },
}
BODIES["/v1/credit/score"] = {"applicant_id": "probe", "features": {}}
BODIES["/v1/credit/models/{model_id}/promote"] = None
BODIES["/v1/credit/score/batch"] = {"applicants": [{"applicant_id": "p", "features": {}}]}
BODIES["/v1/credit/models"] = {"name": "probe", "rows": [{"a": 1, "y": 0}], "target": "y"}
BODIES["/v1/identity/validate"] = {"kind": "id", "value": "11010519491231002X"}
BODIES["/v1/identity/screen"] = {"name": "Probe Person", "customer_id": "probe"}
BODIES["/v1/identity/rescreen"] = None
BODIES["/v1/identity/allow-decisions"] = {
    "name": "Probe Person",
    "list_id": "un",
    "entry_id": "probe",
    "note": "probe",
}
BODIES["/v1/applications/credit-card"] = None
BODIES["/v1/advisory/assessments"] = {"client_id": "probe", "answers": {}}
BODIES["/v1/advisory/products"] = {
    "products": [{"code": "probe", "name": {"zh": "探测", "en": "probe"}, "kind": "deposit",
                  "risk": "R1", "expected_return": "0.01"}]
}  # fmt: skip
BODIES["/v1/advisory/prices"] = {"prices": [{"code": "probe", "day": "2025-01-02", "price": "1"}]}
BODIES["/v1/advisory/proposals"] = {
    "client_id": A_CLIENT,
    "cash": {"amount": "100", "currency": "CNY"},
}
BODIES["/v1/advisory/products/withdrawals"] = {"codes": [A_PRODUCT]}
BODIES["/v1/advisory/reviews"] = {
    "client_id": A_CLIENT,
    "outcome": "confirm",
    "note": "checked with the client",
}
BODIES["/v1/advisory/insistences"] = {
    "client_id": A_CLIENT,
    "product": A_PRODUCT,
    "acknowledged": True,
}
BODIES["/v1/match/recommendations"] = {"customer": A_CLIENT}
BODIES["/v1/match/interactions"] = {
    "interactions": [{"customer": A_CLIENT, "product": A_PRODUCT, "kind": "view"}]
}
BODIES["/v1/assistant/messages"] = {
    "session_id": "s-a",
    "customer_id": "probe",
    "text": "我的卡丢了",
}
BODIES["/v1/assistant/customers"] = {"customers": [{"id": "probe"}]}
BODIES["/v1/assistant/knowledge"] = {
    "entries": [{"id": "probe", "questions": ["probe?"], "answer": {"zh": "探", "en": "probe"}}]
}
BODIES["/v1/assistant/knowledge/delete"] = {"ids": [A_FAQ]}
BODIES["/v1/assistant/tickets/{ticket_id}/take"] = None
BODIES["/v1/assistant/tickets/{ticket_id}/close"] = None
BODIES["/v1/assistant/models"] = {"public": False}
BODIES["/v1/applications/{application_id}/review"] = {"outcome": "decline", "note": "probe"}
_EVENT = {
    "event_id": "probe-1",
    "kind": "card",
    "occurred_at": "2026-11-01T09:00:00Z",
    "amount": "10.00",
    "currency": "CNY",
    "customer_id": "probe",
    "card_id": "probe-card",
}
_RULES = [
    {
        "id": "R-PROBE",
        "when": "amount > 1",
        "score": 1,
        "action": None,
        "tags": [],
        "reason": {"zh": "探测", "en": "probe"},
    }
]
BODIES["/v1/risk/events"] = _EVENT
BODIES["/v1/risk/events/batch"] = {"events": [_EVENT]}
BODIES["/v1/risk/labels"] = {"labels": [{"event_id": "probe-1", "is_fraud": True}]}
BODIES["/v1/risk/rules"] = {"rules": _RULES}
BODIES["/v1/risk/rules/backtest"] = {"rules": _RULES}
BODIES["/v1/risk/cases/{case_id}/assign"] = {"assignee": "probe"}
BODIES["/v1/risk/cases/{case_id}/comments"] = {"body": "probe"}
BODIES["/v1/risk/models/{model_id}/promote"] = None
BODIES["/v1/risk/models"] = {"name": "probe"}
BODIES["/v1/risk/cases/{case_id}/close"] = {"disposition": "fraud", "note": "probe"}
BODIES["/v1/profile/builds"] = None
BODIES["/v1/marketing/campaigns"] = {
    "id": "probe",
    "name": {"zh": "探测", "en": "probe"},
    "offers": [{"code": "o", "name": {"zh": "探", "en": "o"}, "value": "1", "cost": "1"}],
    "budget": "10",
}
BODIES["/v1/marketing/campaigns/{campaign_id}/select"] = {
    "customers": [{"customer_id": "probe", "opted_out": False, "uplift": {"o": 0.1}}]
}
BODIES["/v1/marketing/campaigns/{campaign_id}/outcomes"] = {
    "outcomes": [{"customer_id": "a-secret-customer", "responded": True}]
}
BODIES["/v1/marketing/consents"] = {"customers": [{"customer_id": "probe", "opted_out": True}]}
BODIES["/v1/marketing/models"] = None
BODIES["/v1/marketing/campaigns/{campaign_id}/selections"] = None
A_CAMPAIGN = "a-campaign"

_SHELF = [
    {**PRODUCTS[0], "code": "A-DEPOSIT"},
    {**PRODUCTS[5], "code": A_PRODUCT},
]

# Query strings that aim at the first tenant's log positions.
QUERIES: dict[str, str] = {
    "/v1/ledger/proof/inclusion": "leaf=0&size=5",
    "/v1/ledger/proof/consistency": "from=1&to=5",
    "/v1/ledger/entries": "start=0&end=5",
    "/v1/match/recommendations": f"customer={A_CLIENT}",
}


def _advise(platform: Platform, headers: dict[str, str]) -> dict[str, Any]:
    """The first bank's advisory: a shelf, an assessed client and a proposal."""
    client = platform.client
    assert client.post(
        "/v1/advisory/products", json={"products": _SHELF}, headers=headers
    ).is_success
    assert client.post("/v1/advisory/prices", json={"prices": price_rows(90, products=_SHELF)},
                       headers=headers).is_success  # fmt: skip
    assessed = client.post("/v1/advisory/assessments", headers=headers,
                           json={"client_id": A_CLIENT, "answers": ANSWERS["C4"]})  # fmt: skip
    made = client.post("/v1/advisory/proposals", json=BODIES["/v1/advisory/proposals"],
                       headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    return {**made.json(), "assessment": assessed.json()["decision"]["id"]}


def _assist(platform: Platform, tenant_id: str, headers: dict[str, str]) -> tuple[str, list[str]]:
    """The first bank's assistant: a private FAQ entry, a conversation and its hand-off."""
    seed_assistant(platform, tenant_id)
    entry = {"id": A_FAQ, "questions": ["私有问题"], "answer": {"zh": A_ANSWER, "en": A_ANSWER}}
    assert platform.client.post("/v1/assistant/knowledge", json={"entries": [entry]},
                                headers=headers).is_success  # fmt: skip
    chat = {"session_id": "s-a-private", "customer_id": "CUST-A-PRIVATE", "text": "转人工"}
    handed = platform.client.post("/v1/assistant/messages", headers=headers, json=chat)
    assert handed.status_code == 200, handed.text
    ticket_id: str = handed.json()["handoff"]["ticket_id"]
    return ticket_id, [d["id"] for d in handed.json()["decisions"]]


def _market(platform: Platform, headers: dict[str, str]) -> list[str]:
    """The first bank's marketing: a consent, a campaign, a selection and its outcome; the
    selection's decision ids."""
    client = platform.client
    offer = {**BODIES["/v1/marketing/campaigns"]["offers"][0], "value": "10"}
    body = {**BODIES["/v1/marketing/campaigns"], "id": A_CAMPAIGN, "offers": [offer],
            "control_share": 0}  # fmt: skip
    assert client.post("/v1/marketing/campaigns", json=body, headers=headers).is_success
    assert client.post("/v1/marketing/consents", headers=headers, json={"customers": [
        {"customer_id": "a-secret-customer", "opted_out": False}]}).is_success  # fmt: skip
    made = client.post(f"/v1/marketing/campaigns/{A_CAMPAIGN}/select", headers=headers, json={
        "customers": [{"customer_id": "a-secret-customer", "uplift": {"o": 0.5}}]})  # fmt: skip
    assert made.json()["decisions"][0]["outcome"] == "offer", made.text
    done = client.post(f"/v1/marketing/campaigns/{A_CAMPAIGN}/outcomes", headers=headers,
                       json=BODIES["/v1/marketing/campaigns/{campaign_id}/outcomes"])  # fmt: skip
    assert done.status_code == 200, done.text
    return [d["id"] for d in made.json()["decisions"]]


def test_second_tenant_sees_nothing_of_the_first(platform: Platform) -> None:
    a_id, a_admin = platform.new_tenant("Bank A")
    b_id, b_admin = platform.new_tenant("Bank B")
    a_decisions = add_decisions(platform.db, a_id, 5)
    ha = {"Authorization": f"Bearer {a_admin}"}
    a_key = platform.client.post("/v1/keys", json={"label": "a-secret-system"}, headers=ha).json()
    a_proposal = _advise(platform, ha)
    a_ticket, a_chat_decisions = _assist(platform, a_id, ha)
    a_marketing = _market(platform, ha)
    checkpoint_due_logs(platform.db)
    a_leaves = platform.client.get("/v1/ledger/entries?start=0&end=5", headers=ha).json()
    a_secrets = {
        *(leaf["leaf_hash"] for leaf in a_leaves["items"]),
        a_id,
        a_key["id"],
        a_key["secret"],
        "a-secret-system",
        *(d.id for d in a_decisions),
        *(d.input_digest for d in a_decisions),
        a_proposal["id"],
        a_proposal["decision"]["input_digest"],
        A_PRODUCT,
        A_ANSWER,
        a_ticket,
        "s-a-private",
        "CUST-A-PRIVATE",
        "a-secret-customer",
        *a_marketing,
    }
    a_objects = [
        a_id,
        a_key["id"],
        *(d.id for d in a_decisions),
        a_proposal["id"],
        a_ticket,
        A_CAMPAIGN,
    ]

    spec = platform.client.get("/openapi.json").json()
    hb = {"Authorization": f"Bearer {b_admin}", "Accept-Language": "en"}
    walked: set[tuple[str, str]] = set()
    for path, item in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method in item:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = re.findall(r"{(\w+)}", path)
            candidates = [path]
            if params:
                candidates = []
                for obj in a_objects:  # every path parameter filled with each of A's ids
                    url = path
                    for p in params:
                        url = url.replace("{" + p + "}", obj)
                    candidates.append(url)
            body = None
            if method in {"post", "put", "patch"}:
                assert path in BODIES, f"add a probe body for {method.upper()} {path}"
                body = BODIES[path]
            if path in QUERIES:
                candidates = [f"{url}?{QUERIES[path]}" for url in candidates]
            for url in candidates:
                r = platform.client.request(method.upper(), url, headers=hb, json=body)
                walked.add((method, path))
                assert r.status_code < 500, (method, url, r.text)
                # A problem's "instance" echoes the caller's own URL; everything else must be clean.
                text = r.text
                if r.headers.get("content-type") == "application/problem+json":
                    text = str({k: v for k, v in r.json().items() if k != "instance"})
                for secret in a_secrets:
                    assert secret not in text, f"{method.upper()} {url} leaked {secret!r}"
                if params:
                    # Another tenant's object: 404 (or 403 on operator-only paths), never 200.
                    assert r.status_code in (403, 404, 422), (method, url, r.status_code)
                    if r.status_code == 404:
                        assert r.json()["code"] == "FB-NOT-FOUND"
    assert ("get", "/v1/decisions/{decision_id}") in walked
    assert ("delete", "/v1/keys/{key_id}") in walked

    # A's objects are untouched after the walk.
    listed = platform.client.get("/v1/decisions?limit=200", headers=ha).json()["items"]
    assert sorted(d["id"] for d in listed) == sorted(
        [*(d.id for d in a_decisions), a_proposal["id"], a_proposal["assessment"],
         *a_chat_decisions, *a_marketing]
    )  # fmt: skip
    ticket = platform.client.get(f"/v1/assistant/tickets/{a_ticket}", headers=ha).json()
    assert ticket["status"] == "open" and ticket["agent"] is None
    faq = platform.client.get("/v1/assistant/knowledge?limit=200", headers=ha).json()["items"]
    assert A_FAQ in [e["id"] for e in faq]
    lift = platform.client.get(f"/v1/marketing/campaigns/{A_CAMPAIGN}", headers=ha).json()
    assert lift["spent"] == "1.00"  # B's selections and outcomes never touched A's campaign
    assert ("get", "/v1/advisory/proposals/{proposal_id}/outlook") in walked
    shelf = platform.client.get("/v1/advisory/products", headers=ha).json()
    assert [p["code"] for p in shelf["items"]] == sorted(p["code"] for p in _SHELF)
    assert all(p["withdrawn_at"] is None for p in shelf["items"])  # B withdrew nothing of A's
    keys = platform.client.get("/v1/keys", headers=ha).json()["items"]
    assert all(k["revoked_at"] is None for k in keys)
    assert b_id not in str(listed)
