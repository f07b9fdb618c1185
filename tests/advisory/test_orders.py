"""Orders from holdings: lots, minimums, fees, lock-ups, sale windows, and never a purchase
that does not suit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.advisory.orders import Holding, plan_orders
from finbrain.advisory.shelf import Shelf
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money

from .conftest import demo_products

OPEN = date(2026, 3, 2)  # WMP90's window is open (1-10 March)
CLOSED = date(2026, 4, 1)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def test_cash_into_a_target(shelf: Shelf) -> None:
    plan = plan_orders(
        shelf,
        {"BOND1": 0.5, "MIX02": 0.3, "ETF300": 0.2},
        {},
        cny("100000"),
        on=OPEN,
        prices={"ETF300": 4.123},
    )
    by = {o.code: o for o in plan.orders}
    assert by["BOND1"].amount == cny("50000.00") and by["BOND1"].fee == cny("400.00")
    etf = by["ETF300"]
    assert etf.units == Decimal(4800) and etf.units % 100 == 0  # board lots
    assert etf.amount <= cny("20000") and etf.fee == cny("5.94")
    spent = sum((o.amount for o in plan.orders), cny("0"))
    assert plan.cash_after == cny("100000") - spent and plan.cash_after.amount >= 0
    assert plan.fees == sum((o.fee for o in plan.orders), cny("0"))


def test_minimum_purchase_and_lot(shelf: Shelf) -> None:
    plan = plan_orders(shelf, {"WMP90": 0.5, "EQF02": 0.5}, {}, cny("1500"), on=OPEN)
    assert not plan.orders  # WMP90 needs 10,000; EQF02 1,000 -> 750 is below
    assert {r.code for r in plan.skipped} == {"ORD-BELOW-MINIMUM"}
    assert plan.cash_after == cny("1500")
    plan = plan_orders(shelf, {"WMP90": 1.0}, {}, cny("15500"), on=OPEN)
    assert plan.orders[0].amount == cny("15000")  # in steps of 1,000
    plan = plan_orders(shelf, {"ETF300": 1.0}, {}, cny("300"), on=OPEN, prices={"ETF300": 4})
    assert [r.code for r in plan.skipped] == ["ORD-BELOW-LOT"]


def test_lock_up_and_sale_windows(shelf: Shelf) -> None:
    holdings = [
        Holding("MIX01", cny("50000"), held_days=30),
        Holding("BOND1", cny("50000"), held_days=3),
    ]
    plan = plan_orders(shelf, {"WMP90": 1.0}, holdings, cny("0"), on=CLOSED)
    codes = [r.code for r in plan.skipped]
    assert "ORD-LOCKED" in codes and "ORD-CLOSED" in codes
    sell = next(o for o in plan.orders if o.side == "sell")
    assert sell.code == "BOND1" and sell.fee == cny("750.00")  # 1.5% under 7 days
    assert plan.cash_after == cny("49250.00")  # the WMP is closed: the proceeds wait in cash


def test_never_buys_what_does_not_suit(shelf: Shelf) -> None:
    plan = plan_orders(
        shelf,
        {"LEV2X": 0.5, "BOND1": 0.5},
        {},
        cny("10000"),
        on=OPEN,
        eligible=["BOND1"],
        prices={"LEV2X": 1},
    )
    assert [o.code for o in plan.orders] == ["BOND1"]
    assert [r.code for r in plan.skipped] == ["ORD-NOT-SUITABLE"]


def test_small_trades_are_not_worth_it(shelf: Shelf) -> None:
    holdings = {"BOND1": cny("50100"), "BOND2": cny("49900")}
    plan = plan_orders(shelf, {"BOND1": 0.5, "BOND2": 0.5}, holdings, cny("0"), on=OPEN)
    assert not plan.orders and len(plan.skipped) == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"holdings": {"BOND1": cny("-5")}}, "holdings.BOND1", "not_negative"),
        ({"holdings": {"NOPE": cny("5")}}, "holdings.NOPE", "on_the_shelf"),
        ({"holdings": {"BOND1": Money("5", "USD")}}, "holdings.BOND1", "shelf_currency"),
        ({"cash": cny("-1")}, "cash", "not_negative"),
        ({"cash": cny("0")}, "cash", "something_to_invest"),
        ({"target": {"BOND1": 0.8, "BOND2": 0.8}}, "target", "weights_sum_to_at_most_1"),
        ({"target": {"BOND1": float("nan")}}, "target.BOND1", "weight_0_to_1"),
        ({"target": {"ETF300": 1.0}}, "prices.ETF300", "price_for_share_products"),
        (
            {"holdings": [Holding("BOND1", cny("1"), held_days=-1)]},
            "holdings.BOND1.held_days",
            "days_not_negative",
        ),
    ],
)
def test_bad_input(shelf: Shelf, kwargs: dict[str, object], field: str, rule: str) -> None:
    args: dict[str, object] = {"target": {"BOND1": 1.0}, "holdings": {}, "cash": cny("1000")}
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        plan_orders(shelf, args["target"], args["holdings"], args["cash"], on=OPEN)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == (field, rule)


# -- property: money is conserved, cash never overdrawn, nothing unsuitable bought ------------


@st.composite
def books(draw: st.DrawFn) -> tuple[dict[str, float], list[Holding], Money, list[str]]:
    shelf = Shelf(demo_products())
    codes = draw(st.lists(st.sampled_from(shelf.codes), min_size=1, max_size=6, unique=True))
    raw = [draw(st.floats(0, 1)) for _ in codes]
    total = sum(raw)
    scale = draw(st.floats(0, 1)) / total if total > 1e-9 else 0.0
    target = {c: w * scale for c, w in zip(codes, raw, strict=True)}
    held = draw(st.lists(st.sampled_from(shelf.codes), max_size=5, unique=True))
    holdings = [Holding(c, cny(str(draw(st.integers(0, 100_000)))),
                        held_days=draw(st.none() | st.integers(0, 800)),
                        units=Decimal(draw(st.integers(1, 50)) * 100) if c in {"ETF300", "LEV2X"}
                        else None)
                for c in held]  # fmt: skip
    cash = cny(str(draw(st.integers(1, 500_000))))
    eligible = draw(st.lists(st.sampled_from(shelf.codes), unique=True))
    return target, holdings, cash, eligible


@settings(max_examples=150, deadline=None)
@given(book=books(), on=st.sampled_from([OPEN, CLOSED]))
def test_orders_conserve_money_and_suitability(
    book: tuple[dict[str, float], list[Holding], Money, list[str]], on: date
) -> None:
    shelf = Shelf(demo_products())
    target, holdings, cash, eligible = book
    plan = plan_orders(
        shelf,
        target,
        holdings,
        cash,
        on=on,
        eligible=eligible,
        prices={"ETF300": "4.123", "LEV2X": "0.987"},
    )
    assert plan.cash_after.amount >= 0
    after = sum(plan.values_after.values(), plan.cash_after)
    assert after + plan.fees == plan.total_before  # no fen created or lost
    for order in plan.orders:
        assert order.amount.amount > 0 and order.fee.amount >= 0
        if order.side == "buy":
            assert order.code in eligible
            assert shelf[order.code].is_open(on)
            if order.units is not None:
                assert order.units % shelf[order.code].lot == 0
        else:
            held = next(h for h in holdings if h.code == order.code)
            assert order.amount <= held.value
            assert held.held_days is None or held.held_days >= shelf[order.code].lock_up_days
