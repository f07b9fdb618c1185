"""Withdrawing products from the shelf (下架) over HTTP: final, all or none, refusals naming
``codes.<n>``; a withdrawn product is never bought by a new proposal nor listed by a
recommendation; a holding of it is capped at what is held; proposals made before stay as
recorded and name it."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform
from tests.platform.advisory_shelf import PRODUCTS, assess, propose, seed_shelf


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    scopes = scopes or ["advisory:advise", "advisory:shelf", "match:recommend"]
    _, key = platform.new_tenant(scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


def _withdraw(platform: Platform, headers: dict[str, str], *codes: str) -> Any:
    return platform.client.post(
        "/v1/advisory/products/withdrawals", json={"codes": list(codes)}, headers=headers
    )


def _products(platform: Platform, headers: dict[str, str]) -> dict[str, Any]:
    listed = platform.client.get("/v1/advisory/products", headers=headers).json()
    return {p["code"]: p for p in listed["items"]}


def test_a_withdrawn_product_is_never_bought_or_recommended(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=250)
    assess(platform.client, headers, "CL-3", "C3")
    before = propose(platform.client, headers, "CL-3")
    assert before.status_code == 201, before.text
    bought = {o["code"] for o in before.json()["orders"] if o["side"] == "buy"}
    assert bought - {"DEP1Y", "MMF"}, bought
    gone = sorted(bought - {"DEP1Y", "MMF"})[0]
    version = platform.client.get("/v1/advisory/products", headers=headers).json()["shelf"]

    out = _withdraw(platform, headers, gone)
    assert out.status_code == 200, out.text
    assert [p["code"] for p in out.json()["items"]] == [gone]
    first = out.json()["items"][0]["withdrawn_at"]
    assert first is not None
    assert out.json()["shelf"]["version"] == version["version"] + 1
    # again: nothing changes, the first date stays, the shelf's version too
    again = _withdraw(platform, headers, gone).json()
    assert again["items"][0]["withdrawn_at"] == first
    assert again["shelf"]["version"] == version["version"] + 1
    listed = _products(platform, headers)
    assert listed[gone]["withdrawn_at"] == first
    assert all(p["withdrawn_at"] is None for c, p in listed.items() if c != gone)

    # a new proposal never buys it; one that holds it caps it at what is held
    after = propose(platform.client, headers, "CL-3").json()
    assert gone not in after["weights"]
    assert all(o["code"] != gone for o in after["orders"] if o["side"] == "buy")
    held = propose(platform.client, headers, "CL-3", cash="70000",
                   holdings=[{"code": gone, "value": "30000"}]).json()  # fmt: skip
    assert held["weights"].get(gone, 0) <= 0.3 + 1e-6
    assert all(o["code"] != gone for o in held["orders"] if o["side"] == "buy")
    assert "ADV-WITHDRAWN" in [r["code"] for r in held["decision"]["reasons"]]
    assert held["withdrawn"] == [gone]

    # the proposal made before stays as it was recorded, and names the withdrawn product
    old = platform.client.get(f"/v1/advisory/proposals/{before.json()['id']}", headers=headers)
    assert old.json()["orders"] == before.json()["orders"]
    assert old.json()["withdrawn"] == [gone]

    # recommendations never list it, even for a client who bought it before
    platform.client.post("/v1/match/interactions", headers=headers, json={"interactions": [
        {"customer": f"c{n}", "product": code, "kind": "purchase"}
        for n in range(10) for code in (gone, "MIX-B", "BOND-B")]})  # fmt: skip
    made = platform.client.post("/v1/match/recommendations", headers=headers,
                                json={"customer": "CL-3", "k": 20})  # fmt: skip
    assert made.status_code == 201, made.text
    assert gone not in [i["code"] for i in made.json()["items"]]
    assert made.json()["items"]


def test_withdrawals_are_all_or_none_and_final(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    state = platform.client.get("/v1/advisory/products", headers=headers).json()["shelf"]
    unknown = _withdraw(platform, headers, "MIX-A", "NOT-THERE")
    assert unknown.status_code == 422
    assert (unknown.json()["field"], unknown.json()["rule"]) == ("codes.1", "on_the_shelf")
    twice = _withdraw(platform, headers, "MIX-A", "MIX-A")
    assert (twice.json()["field"], twice.json()["rule"]) == ("codes.1", "each_code_once")
    assert _withdraw(platform, headers).status_code == 422  # at least one code
    listed = platform.client.get("/v1/advisory/products", headers=headers).json()
    assert listed["shelf"] == state  # nothing was written
    assert all(p["withdrawn_at"] is None for p in listed["items"])

    assert _withdraw(platform, headers, "MIX-A").status_code == 200
    mix_a = next(p for p in PRODUCTS if p["code"] == "MIX-A")
    back = platform.client.post("/v1/advisory/products", json={"products": [mix_a]},
                                headers=headers)  # fmt: skip
    assert back.status_code == 422
    assert (back.json()["field"], back.json()["rule"]) == ("products.MIX-A.code", "not_withdrawn")

    adviser = _headers(platform, ["advisory:advise"])
    assert _withdraw(platform, adviser, "MIX-A").status_code == 403
