"""The product shelf: validated terms, sale windows and fees, and price histories with gaps,
short histories and none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from finbrain.advisory.shelf import Product, Shelf
from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.core.money import Money

from .conftest import demo_products, product, synthetic_prices


def test_terms_are_exact_and_validated() -> None:
    p = product("B1", "bond_fund", "R2", buy_fee="0.008", min_purchase=10)
    assert p.buy_fee == Decimal("0.008") and p.min_purchase == Decimal(10)
    cases = [
        ({"buy_fee": 0.008}, "products.B1.buy_fee", "decimal_not_float"),
        ({"buy_fee": "0.5"}, "products.B1.buy_fee", "rate_between_0_and_0.10"),
        ({"lot": "0"}, "products.B1.lot", "positive"),
        ({"min_purchase": "-1"}, "products.B1.min_purchase", "not_negative"),
        ({"lock_up_days": -3}, "products.B1.lock_up_days", "not_negative"),
        ({"lock_up_days": 1.5}, "products.B1.lock_up_days", "integer_days"),
        ({"sell_fees": ((7, "0.01"), (0, "0.02"))}, "products.B1.sell_fees", "days_increasing"),
        ({"currency": "XYZ"}, "products.B1.currency", "iso4217_code"),
        ({"expected_return": "NaN"}, "products.B1.expected_return", "finite"),
    ]
    for terms, field, rule in cases:
        with pytest.raises(ValidationError) as caught:
            product("B1", "bond_fund", "R2", **terms)
        assert (caught.value.field, caught.value.rule) == (field, rule), terms
    with pytest.raises(ValidationError) as caught:
        product("B1", "crypto", "R2")
    assert caught.value.rule == "one_of_kinds"
    with pytest.raises(ValidationError) as caught:
        product("B1", "bond_fund", "R6")
    assert (caught.value.field, caught.value.rule) == ("products.B1.risk", "R1_to_R5")
    with pytest.raises(ValidationError) as caught:
        product("no spaces", "bond_fund", "R2")
    assert caught.value.field == "code"


def test_a_product_round_trips_through_json() -> None:
    for p in demo_products():
        assert Product.from_dict(p.to_dict()) == p
    with pytest.raises(ValidationError) as caught:
        Product.from_dict({**demo_products()[0].to_dict(), "colour": "red"})
    assert caught.value.field == "products.colour"
    with pytest.raises(ValidationError) as caught:
        Product.from_dict({"code": "X"})
    assert caught.value.rule == "required_fields"


def test_windows_and_fees() -> None:
    shelf = Shelf(demo_products())
    wmp = shelf["WMP90"]
    assert wmp.is_open(date(2026, 3, 1)) and wmp.is_open(date(2026, 3, 10))
    assert not wmp.is_open(date(2026, 3, 11))
    assert shelf.open_on(date(2026, 4, 1)).sum() == len(shelf) - 1
    bond = shelf["BOND1"]
    assert bond.sell_fee(0) == Decimal("0.015") and bond.sell_fee(6) == Decimal("0.015")
    assert bond.sell_fee(7) == Decimal("0.001") and bond.sell_fee(400) == 0
    assert bond.buy_cost(Money("1000", "CNY")) == Money("8.00", "CNY")
    etf = shelf["ETF300"]
    assert etf.by_shares and etf.buy_cost(Money("1000", "CNY")) == Money("5", "CNY")
    assert shelf["LEV2X"].is_high_risk and not etf.is_high_risk


def test_a_shelf_refuses_repeats_and_mixed_currencies() -> None:
    with pytest.raises(ValidationError) as caught:
        Shelf([product("A", "etf", "R4"), product("A", "etf", "R4")])
    assert (caught.value.field, caught.value.rule) == ("products.A", "unique_code")
    with pytest.raises(ValidationError) as caught:
        Shelf([product("A", "etf", "R4"), product("B", "etf", "R4", currency="USD")])
    assert caught.value.rule == "one_currency_per_shelf"
    with pytest.raises(NotFoundError):
        Shelf([product("A", "etf", "R4")])["B"]
    assert Shelf([]).codes == []


def test_returns_with_full_histories() -> None:
    shelf = Shelf(demo_products())
    prices = synthetic_prices(shelf)
    result = shelf.returns(prices)
    assert result.codes == shelf.codes
    assert result.synthetic == ("DEP1Y",)  # no price column: its rate stands in
    assert not result.excluded and not result.proxied
    assert result.returns.notna().all().all()
    deposit = result.returns["DEP1Y"]  # accrues per calendar day: Mondays hold the weekend
    assert deposit.iloc[0] == pytest.approx(1.0145 ** (1 / 365) - 1)
    monday = deposit[deposit.index.day_of_week == 0].iloc[0]
    assert monday == pytest.approx(1.0145 ** (3 / 365) - 1)
    assert np.prod(1 + deposit) == pytest.approx(
        1.0145 ** ((deposit.index[-1] - prices.index[0]).days / 365)
    )


def test_gaps_short_histories_and_none() -> None:
    shelf = Shelf(demo_products())
    prices = synthetic_prices(shelf, days=300)
    prices.loc[prices.index[100:110], "BOND2"] = np.nan  # a 10-day hole: carried forward
    prices.loc[prices.index[:-40], "EQF02"] = np.nan  # launched 40 days ago
    prices.loc[prices.index[:-1], "MIX02"] = np.nan  # one day of history
    prices = prices.drop(columns=["ETF300"])  # no history at all
    result = shelf.returns(prices, min_history=60, max_gap=5)
    assert result.gaps == {"BOND2": 10}
    assert (result.returns["BOND2"].iloc[100:109] == 0).all()
    assert result.proxied == {
        "EQF02": "kind+risk:equity_fund/R4",
        "MIX02": "kind+risk:mixed_fund/R3",
        "ETF300": "risk:R4",
    }
    own = prices["EQF02"].pct_change().iloc[-39:]
    assert np.allclose(result.returns["EQF02"].iloc[-39:], own)  # its own days are its own
    assert result.returns.notna().all().all()


def test_a_product_with_no_stand_in_is_excluded() -> None:
    shelf = Shelf([product("A", "bond_fund", "R2"), product("B", "etf", "R5")])
    prices = synthetic_prices(shelf, days=200)
    prices.loc[prices.index[:-1], "B"] = np.nan
    result = shelf.returns(prices)
    assert result.codes == ["A"]
    assert result.excluded["B"].code == "SHELF-NO-HISTORY"
    assert "B" in result.excluded["B"].text.zh


def test_bad_prices() -> None:
    shelf = Shelf(demo_products())
    prices = synthetic_prices(shelf, days=100)
    broken = prices.copy()
    broken.iloc[5, 0] = -1.0
    with pytest.raises(ValidationError) as caught:
        shelf.returns(broken)
    assert caught.value.rule == "positive_finite_prices"
    with pytest.raises(ValidationError) as caught:
        shelf.returns(prices.iloc[::-1])
    assert caught.value.field == "prices.index"
    with pytest.raises(ValidationError):
        shelf.returns(pd.DataFrame({"A": [1.0, 2.0]}))
