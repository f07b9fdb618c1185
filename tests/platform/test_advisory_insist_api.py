"""The "client insists" flow over HTTP (客户坚持购买, China rules): every outcome goes on the
ledger; above the client's level the special written warning is recorded and must have been
acknowledged; the lowest category is never allowed above R1; a bank wealth-management product
is never sold above the client's level; refusals record nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform
from tests.platform.advisory_shelf import ANSWERS, assess, seed_shelf

WMP = {"code": "WMP-R3", "name": {"zh": "理财R3", "en": "WMP R3"}, "kind": "wmp", "risk": "R3",
       "min_purchase": "10000", "lot": "1000", "expected_return": "0.035"}  # fmt: skip


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    _, key = platform.new_tenant(
        scopes=scopes or ["advisory:advise", "advisory:shelf", "decisions:read"]
    )
    return {"Authorization": f"Bearer {key}"}


def _insist(platform: Platform, headers: dict[str, str], client: str, product: str,
            acknowledged: bool = True) -> Any:  # fmt: skip
    body = {"client_id": client, "product": product, "acknowledged": acknowledged}
    return platform.client.post("/v1/advisory/insistences", json=body, headers=headers)


def _decisions(platform: Platform, headers: dict[str, str]) -> list[Any]:
    listed = platform.client.get("/v1/decisions", params={"capability": "advisory"},
                                 headers={**headers})  # fmt: skip
    return [d for d in listed.json()["items"] if d["action"] == "insist"]


def test_insisting_records_the_warning_on_the_ledger(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    assert platform.client.post("/v1/advisory/products", json={"products": [WMP]},
                                headers=headers).status_code == 200  # fmt: skip
    assess(platform.client, headers, "CL-2", "C2")

    warned = _insist(platform, headers, "CL-2", "EQ-A")
    assert warned.status_code == 201, warned.text
    out = warned.json()
    assert out["outcome"] == "allow_with_warning" == out["decision"]["outcome"]
    assert out["warning"]["code"] == "SUIT-INSIST-WARNING"
    assert out["decision"]["reasons"][0] == out["warning"]
    assert "R4" in out["warning"]["text"]["en"] and "特别风险警示" in out["warning"]["text"]["zh"]
    assert out["decision"]["receipt"] is not None  # on the ledger
    recorded = platform.client.get(f"/v1/decisions/{out['decision']['id']}", headers=headers)
    assert recorded.status_code == 200
    assert recorded.json()["reasons"][0]["code"] == "SUIT-INSIST-WARNING"

    # a suitable product needs no warning
    fine = _insist(platform, headers, "CL-2", "BOND-A", acknowledged=False).json()
    assert fine["outcome"] == "allow" and fine["warning"] is None
    # a bank WMP above the client's level: never, even on insistence (recorded as a block)
    wmp = _insist(platform, headers, "CL-2", "WMP-R3").json()
    assert wmp["outcome"] == "block" and wmp["warning"] is None
    assert wmp["decision"]["reasons"][-1]["code"] == "SUIT-INSIST-REFUSED"
    assert len(_decisions(platform, headers)) == 3


def test_the_lowest_category_can_never_insist(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    lowest = assess(platform.client, headers, "CL-1", "C1")
    assert lowest["client"]["lowest"] is True
    for code in ("BOND-A", "MIX-A", "LEV"):
        out = _insist(platform, headers, "CL-1", code)
        assert out.status_code == 201, out.text
        assert out.json()["outcome"] == "block"
        assert out.json()["decision"]["reasons"][0]["code"] == "SUIT-LOWEST"
    assert _insist(platform, headers, "CL-1", "MMF").json()["outcome"] == "allow"


def test_refusals_name_the_field_and_record_nothing(platform: Platform) -> None:
    headers = _headers(platform)
    seed_shelf(platform.client, headers, days=120)
    assess(platform.client, headers, "CL-3", "C3")
    unread = _insist(platform, headers, "CL-3", "EQ-A", acknowledged=False)
    assert unread.status_code == 422
    assert (unread.json()["field"], unread.json()["rule"]) == (
        "acknowledged", "warning_must_be_acknowledged")  # fmt: skip
    gone = _insist(platform, headers, "CL-3", "NOT-THERE")
    assert (gone.status_code, gone.json()["field"], gone.json()["rule"]) == (
        422, "product", "on_the_shelf")  # fmt: skip
    platform.client.post("/v1/advisory/products/withdrawals", json={"codes": ["EQ-B"]},
                         headers=headers)  # fmt: skip
    withdrawn = _insist(platform, headers, "CL-3", "EQ-B")
    assert (withdrawn.status_code, withdrawn.json()["rule"]) == (422, "on_sale")
    nobody = _insist(platform, headers, "NOBODY", "EQ-A")
    assert nobody.status_code == 404 and nobody.json()["field"] == "client_id"
    missing = platform.client.post("/v1/advisory/insistences", headers=headers,
                                   json={"client_id": "CL-3", "product": "EQ-A"})  # fmt: skip
    assert missing.status_code == 422 and "acknowledged" in missing.text
    assert _decisions(platform, headers) == []
    other = _headers(platform)  # another bank does not know the client
    assert _insist(platform, other, "CL-3", "EQ-A").status_code == 404
    assert ANSWERS  # the questionnaire answers the fixtures use
