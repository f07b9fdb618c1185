"""The advisory shelf over HTTP: a bank puts its products (kind, level, terms) and their daily
prices; the shelf lists them with how much history each has; refusals name the field and the
rule and write nothing; each bank sees its own shelf only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Platform
from tests.platform.advisory_shelf import PRODUCTS, price_rows, seed_shelf


def _headers(platform: Platform, scopes: list[str] | None = None) -> dict[str, str]:
    _, key = platform.new_tenant(scopes=scopes or ["advisory:advise", "advisory:shelf"])
    return {"Authorization": f"Bearer {key}"}


def _shelf(platform: Platform, headers: dict[str, str], **query: Any) -> Any:
    listed = platform.client.get("/v1/advisory/products", params=query, headers=headers)
    assert listed.status_code == 200, listed.text
    return listed.json()


def test_products_and_prices_make_the_shelf(platform: Platform) -> None:
    headers = _headers(platform)
    assert _shelf(platform, headers)["shelf"] == {
        "version": 0, "currency": None, "products": 0, "prices": 0, "first_day": None,
        "last_day": None,
    }  # fmt: skip
    seed_shelf(platform.client, headers, days=120)
    out = _shelf(platform, headers)
    shelf = out["shelf"]
    priced = {r["code"] for r in price_rows(120)}
    assert shelf["version"] == 2 and shelf["products"] == len(PRODUCTS)
    assert shelf["prices"] == 120 * len(priced) and shelf["currency"] == "CNY"
    assert shelf["last_day"] == "2025-06-30"
    by_code = {p["code"]: p for p in out["items"]}
    assert [p["code"] for p in out["items"]] == sorted(by_code)
    assert by_code["BOND-A"]["prices"] == 120 and by_code["BOND-A"]["first_day"] < "2025-06-30"
    assert by_code["DEP1Y"]["prices"] == 0 and by_code["DEP1Y"]["first_day"] is None
    assert by_code["BOND-A"]["sell_fees"] == [[0, "0.015"], [7, "0"]]
    assert by_code["ETF300"]["lot"] == "100" and by_code["LEV"]["complex"] is True

    # Put again: a product's terms are replaced, a day's price too; the version moves on.
    changed = {**PRODUCTS[2], "buy_fee": "0.005"}
    again = platform.client.post(
        "/v1/advisory/products", json={"products": [changed]}, headers=headers
    )
    assert again.status_code == 200 and again.json()["items"][0]["buy_fee"] == "0.005"
    assert again.json()["items"][0]["prices"] == 120  # the history stays
    price = {"code": "BOND-A", "day": "2025-06-30", "price": "1.2345"}
    put = platform.client.post("/v1/advisory/prices", json={"prices": [price]}, headers=headers)
    assert put.json() == {"written": 1, "shelf": {**shelf, "version": 4}}

    page = _shelf(platform, headers, limit=4)
    assert len(page["items"]) == 4 and page["next"] == page["items"][-1]["code"]
    rest = _shelf(platform, headers, limit=200, after=page["next"])
    assert len(page["items"]) + len(rest["items"]) == len(PRODUCTS) and rest["next"] is None

    # Another bank's shelf is empty.
    assert _shelf(platform, _headers(platform))["shelf"]["products"] == 0


def _refused(response: Any, field: str, rule: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["field"], body["rule"]) == (field, rule), body


def test_bad_products_name_the_field_and_write_nothing(platform: Platform) -> None:
    headers = _headers(platform)

    def put(*products: dict[str, Any]) -> Any:
        body = {"products": list(products)}
        return platform.client.post("/v1/advisory/products", json=body, headers=headers)

    good = PRODUCTS[2]
    _refused(put(good, {**PRODUCTS[3], "buy_fee": "0.2"}), "products.BOND-B.buy_fee",
             "rate_between_0_and_0.10")  # fmt: skip
    _refused(put({**good, "lot": "0"}), "products.BOND-A.lot", "positive")
    _refused(put(good, {**PRODUCTS[3], "currency": "USD"}), "products.currency",
             "one_currency_per_shelf")  # fmt: skip
    _refused(put(good, good), "products.BOND-A", "unique_code")
    windows = [["2026-02-01", "2026-01-01"]]
    _refused(put({**good, "sale_windows": windows}), "products.BOND-A.sale_windows",
             "closes_on_or_after_opens")  # fmt: skip
    _refused(put({**good, "sell_fees": [[7, "0.01"], [0, "0.02"]]}), "products.BOND-A.sell_fees",
             "days_increasing")  # fmt: skip
    shape = put({**good, "risk": "R6"})
    assert shape.status_code == 422 and "risk" in shape.json()["errors"][0]["field"]
    assert _shelf(platform, headers)["shelf"]["version"] == 0  # nothing was written

    # A USD product cannot join a CNY shelf later either.
    assert put(good).status_code == 200
    _refused(put({**PRODUCTS[3], "currency": "USD"}), "products.currency",
             "one_currency_per_shelf")  # fmt: skip


def test_bad_prices_name_the_row_and_write_nothing(platform: Platform) -> None:
    headers = _headers(platform)
    platform.client.post("/v1/advisory/products", json={"products": PRODUCTS}, headers=headers)
    before = _shelf(platform, headers)["shelf"]
    ok = {"code": "BOND-A", "day": "2025-01-02", "price": "1.01"}

    def put(*rows: dict[str, Any]) -> Any:
        return platform.client.post(
            "/v1/advisory/prices", json={"prices": list(rows)}, headers=headers
        )

    _refused(put(ok, {**ok, "code": "NOPE"}), "prices.1.code", "on_the_shelf")
    _refused(put(ok, {**ok, "day": "2025-01-03", "price": "0"}), "prices.1.price",
             "positive_below_1e9")  # fmt: skip
    _refused(put({**ok, "price": "-1.5"}), "prices.0.price", "positive_below_1e9")
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    _refused(put({**ok, "day": tomorrow}), "prices.0.day", "not_in_future")
    _refused(put(ok, ok), "prices.1", "one_price_per_product_and_day")
    full_width = put({**ok, "price": "１.０"})
    assert full_width.status_code == 422 and "price" in full_width.text
    assert _shelf(platform, headers)["shelf"] == before


def test_the_shelf_scope_is_needed_to_change_it(platform: Platform) -> None:
    adviser = _headers(platform, ["advisory:advise"])
    refused = platform.client.post(
        "/v1/advisory/products", json={"products": PRODUCTS[:1]}, headers=adviser
    )
    assert refused.status_code == 403 and "advisory:shelf" in refused.text
    assert _shelf(platform, adviser)["items"] == []
    keeper = _headers(platform, ["advisory:shelf"])
    assert platform.client.get("/v1/advisory/products", headers=keeper).status_code == 403
