"""Allocation under the rules and whole proposals: never an unsuitable weight or purchase,
explanations in zh and en without forbidden promises, and the documented fallbacks."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.advisory.levels import RiskCategory
from finbrain.advisory.orders import Holding
from finbrain.advisory.portfolio import METHODS, EmptyShelfError, allocate, model_portfolios
from finbrain.advisory.promises import find_promises
from finbrain.advisory.proposal import propose
from finbrain.advisory.shelf import Product, Shelf
from finbrain.advisory.suitability import ClientProfile, preset
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money

from .conftest import AT, demo_products, synthetic_prices

LATER = AT + timedelta(days=300)
SHELF = Shelf(demo_products())
PRICES = synthetic_prices(SHELF)
HISTORY = SHELF.returns(PRICES)


def client(category: str, **more: object) -> ClientProfile:
    more.setdefault("expires_at", LATER)
    return ClientProfile("client-1", category, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_keeps_to_the_mask(method: str) -> None:
    rules = preset("cn", max_weight_per_product=0.35)
    person = client("C3", horizon_years=1)
    allocation = allocate(person, SHELF, HISTORY, rules, method=method, at=AT)  # type: ignore[arg-type]
    mask = rules.mask(person, SHELF, at=AT)
    assert (allocation.weights[~mask] == 0).all()
    assert allocation.weights.sum() == pytest.approx(1.0, abs=1e-6)
    capped = [p.code for p in SHELF if p.kind.value not in ("deposit", "money_fund")]
    assert allocation.weights[capped].max() <= 0.35 + 1e-9
    assert rules.verify(person, SHELF, allocation.weights.to_numpy(), at=AT) == []


def test_model_portfolios_take_more_risk_as_the_category_rises() -> None:
    models = model_portfolios(SHELF, HISTORY, preset("cn"), at=AT)
    vols = [models[c].volatility for c in RiskCategory]  # type: ignore[union-attr]
    assert all(b >= a - 0.005 for a, b in itertools.pairwise(vols)), vols
    for category, allocation in models.items():
        assert allocation is not None and allocation.volatility <= allocation.vol_budget + 0.01
        levels = [int(SHELF[c].risk) for c in allocation.nonzero()]
        assert max(levels) <= int(category)


def test_a_proposal_is_a_decision_with_orders_and_reasons() -> None:
    holdings = {
        "EQF01": Money("20000", "CNY"),
        "MIX01": Holding("MIX01", Money("5000", "CNY"), held_days=100),
    }
    result = propose(
        client("C3", horizon_years=3),
        SHELF,
        PRICES,
        rules=preset("cn"),
        cash=Money("80000", "CNY"),
        holdings=holdings,
        at=AT,
    )
    decision = result.decision
    assert (decision.capability, decision.action, decision.outcome) == (
        "advisory",
        "propose",
        "propose",
    )
    assert decision.grade == "C3" and decision.tenant_id == "" and decision.receipt is None
    codes = [r.code for r in decision.reasons]
    assert codes[:4] == ["ADV-PROFILE", "ADV-ALLOCATION", "ADV-METHOD-TARGET-RISK", "ADV-RISK"]
    assert decision.model is not None and decision.model.id == "advisory:target-risk"
    assert decision.reasons[2].value == 0.10  # the C3 volatility budget the method kept to
    assert "ADV-FEES" in codes and "ADV-EXCLUDED" in codes
    for r in decision.reasons:
        assert r.text.zh and r.text.en and not find_promises(r.text)
        assert "{" not in r.text.zh + r.text.en, r  # every placeholder filled
    risk = next(r for r in decision.reasons if r.code == "ADV-RISK")
    assert "不作保证" in risk.text.zh and "not guaranteed" in risk.text.en
    assert result.plan is not None and result.allocation is not None
    sold = {o.code for o in result.plan.orders if o.side == "sell"}
    assert "EQF01" in sold  # an R4 held by a C3 client is sold ...
    assert result.allocation.weights["MIX01"] >= 5000 / 105000 - 1e-6  # ... a locked one kept
    bought = {o.code for o in result.plan.orders if o.side == "buy"}
    assert all(int(SHELF[c].risk) <= 3 for c in bought)
    again = propose(
        client("C3", horizon_years=3),
        SHELF,
        PRICES,
        rules=preset("cn"),
        cash=Money("80000", "CNY"),
        holdings=holdings,
        at=AT,
    )
    assert again.decision.input_digest == decision.input_digest


def test_nothing_suits_a_lowest_category_client_on_a_risky_shelf() -> None:
    risky = Shelf([p for p in demo_products() if int(p.risk) > 1])
    result = propose(
        client("C1", lowest=True),
        risky,
        PRICES,
        rules=preset("cn"),
        cash=Money("1000", "CNY"),
        at=AT,
    )
    assert result.decision.outcome == "decline" and result.plan is None
    assert result.decision.reasons[1].code == "ADV-EMPTY-SHELF"
    with pytest.raises(EmptyShelfError) as caught:
        allocate(client("C1", lowest=True), risky, risky.returns(PRICES), preset("cn"), at=AT)
    assert caught.value.field == "shelf" and caught.value.rule == "a_suitable_product_for_C1"


def test_an_expired_profile_gets_deposits_only() -> None:
    result = propose(
        client("C5", expires_at=AT - timedelta(days=1)),
        SHELF,
        PRICES,
        rules=preset("cn"),
        cash=Money("5000", "CNY"),
        at=AT,
    )
    assert result.allocation is not None
    assert result.allocation.nonzero() == {"DEP1Y": 1.0}


def test_short_histories_and_gaps_are_explained() -> None:
    prices = PRICES.copy()
    prices.loc[prices.index[:-1], "MIX02"] = np.nan  # one day of history
    prices.loc[prices.index[50:60], "BOND2"] = np.nan
    result = propose(
        client("C3"),
        SHELF,
        prices,
        rules=preset("cn"),
        cash=Money("100000", "CNY"),
        at=AT,
        method="risk_parity",
    )
    assert result.history.proxied == {"MIX02": "kind+risk:mixed_fund/R3"}
    assert "ADV-HISTORY-PROXY" in [r.code for r in result.decision.reasons]


def test_bad_proposal_input() -> None:
    with pytest.raises(ValidationError) as caught:
        propose(client("C3"), SHELF, PRICES, rules=preset("cn"), cash=Money("0", "CNY"), at=AT)
    assert caught.value.rule == "something_to_invest"
    with pytest.raises(ValidationError) as caught:
        propose(client("C3"), Shelf([]), PRICES, rules=preset("cn"), cash="10", at=AT)
    assert caught.value.rule == "at_least_one_product"
    with pytest.raises(ValidationError) as caught:
        propose(
            client("C3"),
            SHELF,
            PRICES,
            rules=preset("cn"),
            cash="10",
            holdings={"BOND1": Money("-1", "CNY")},
            at=AT,
        )
    assert caught.value.field == "holdings.BOND1"
    with pytest.raises(ValidationError) as caught:
        propose(
            client("C3"), SHELF, PRICES, rules=preset("cn"), cash="10", at=AT.replace(tzinfo=None)
        )
    assert caught.value.field == "at"
    for cash, rule in ((1000.0, "not_float"), (Money("10", "USD"), "shelf_currency")):
        with pytest.raises(ValidationError) as caught:
            propose(client("C3"), SHELF, PRICES, rules=preset("cn"), cash=cash, at=AT)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.rule) == ("cash", rule)


@st.composite
def situations(draw: st.DrawFn) -> tuple[ClientProfile, dict[str, Holding], str, str]:
    lowest = draw(st.booleans())
    person = ClientProfile(
        "c",
        RiskCategory(1 if lowest else draw(st.integers(1, 5))),
        lowest=lowest,
        expires_at=AT + timedelta(days=draw(st.sampled_from([-1, 30, 400]))),
        horizon_years=draw(st.sampled_from([None, 0.5, 1, 5])),
        experience=draw(st.integers(0, 4)),
    )
    holdings = {}
    for code in draw(st.lists(st.sampled_from(SHELF.codes), max_size=4, unique=True)):
        holdings[code] = Holding(
            code,
            Money(draw(st.integers(0, 50_000)), "CNY"),
            held_days=draw(st.none() | st.integers(0, 800)),
        )
    return (
        person,
        holdings,
        draw(st.sampled_from(["cn", "eu_mifid2", "us_reg_bi"])),
        draw(st.sampled_from(["target_risk", "min_variance", "hrp"])),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situation=situations(), cash=st.integers(0, 200_000))
def test_no_proposal_ever_buys_or_targets_an_unsuitable_product(
    situation: tuple[ClientProfile, dict[str, Holding], str, str], cash: int
) -> None:
    person, holdings, name, method = situation
    rules = preset(name)
    if cash == 0 and not any(h.value for h in holdings.values()):
        return
    result = propose(
        person,
        SHELF,
        PRICES,
        rules=rules,
        cash=Money(cash, "CNY"),
        holdings=holdings,
        at=AT,
        method=method,
    )  # type: ignore[arg-type]
    mask = pd.Series(rules.mask(person, SHELF, at=AT), index=SHELF.codes)
    if result.allocation is None:
        assert result.decision.outcome == "decline"
        return
    assert (result.allocation.weights[~mask] == 0).all()
    # the concentration limit: no product but a cash-like one above the cap, unless it is a
    # locked holding already above it (it cannot be sold)
    total = cash + sum(float(h.value.amount) for h in holdings.values())
    for p in SHELF:
        if p.kind.value in rules.concentration_exempt_kinds:
            continue
        h = holdings.get(p.code)
        locked = h is not None and h.held_days is not None and h.held_days < p.lock_up_days
        limit = max(rules.max_weight_per_product, float(h.value.amount) / total if locked else 0)
        assert result.allocation.weights[p.code] <= limit + 1e-6, p.code
    assert result.plan is not None
    for order in result.plan.orders:
        if order.side == "buy":
            assert mask[order.code], order
    assert result.plan.cash_after.amount >= 0


def test_black_litterman_views_move_the_allocation() -> None:
    from finbrain.advisory.portfolio import View

    shelf = Shelf([product for product in demo_products() if product.kind.value != "deposit"])
    renamed = {"MIX01": "161005", "MIX02": "002001"}
    numeric = Shelf([replace(p, code=renamed.get(p.code, p.code)) for p in shelf])
    history = numeric.returns(PRICES.rename(columns=renamed))
    person = client("C3")
    rules = preset("cn")
    plain = allocate(person, numeric, history, rules, method="max_sharpe", at=AT)
    bullish = allocate(
        person,
        numeric,
        history,
        rules,
        method="max_sharpe",
        at=AT,
        views=[View("161005", 0.25), View("EQF01", 0.5)],
    )
    assert bullish.weights["161005"] > plain.weights["161005"] + 0.05  # a code read as a name
    assert bullish.ignored_views == (1,)  # EQF01 is R4: not the C3 client's
    assert (bullish.weights[~rules.mask(person, numeric, at=AT)] == 0).all()
    with pytest.raises(ValidationError) as caught:
        allocate(person, numeric, history, rules, at=AT, views=[View("NOPE", 0.1)])
    assert caught.value.field == "views.0.long"


def test_when_nothing_suitable_is_open_the_money_stays_in_cash() -> None:
    shelf = Shelf([p for p in demo_products() if p.code in {"WMP90", "EQF01"}])
    april = AT + timedelta(days=30)  # WMP90 sells 1-10 March only
    result = propose(
        client("C2", expires_at=april + timedelta(days=30)),
        shelf,
        PRICES,
        rules=preset("cn"),
        cash=Money("50000", "CNY"),
        holdings={"EQF01": Money("10000", "CNY")},
        at=april,
    )
    assert result.allocation is not None and result.allocation.nonzero() == {}
    assert result.plan is not None
    assert [(o.side, o.code) for o in result.plan.orders] == [("sell", "EQF01")]
    mix = next(r for r in result.decision.reasons if r.code == "ADV-ALLOCATION")
    assert "现金100%" in mix.text.zh and "cash 100%" in mix.text.en


def test_a_shelf_without_a_single_price_declines_and_negative_cash_is_named() -> None:
    """No price rows at all (a shelf just put up): nothing has a usable history, so the
    decision declines with the reasons; it does not fail on the empty table."""
    empty = pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC"), dtype=float)
    result = propose(client("C3"), SHELF, empty, rules=preset("cn"), cash="1000", at=AT)
    assert result.decision.outcome == "decline" and result.plan is None
    assert "SHELF-NO-HISTORY" in {r.code for r in result.decision.reasons}
    with pytest.raises(ValidationError) as caught:
        propose(client("C3"), SHELF, PRICES, rules=preset("cn"), cash="-1", at=AT)
    assert (caught.value.field, caught.value.rule) == ("cash", "not_negative")


@pytest.mark.parametrize("method", METHODS)
def test_locked_holdings_that_fill_the_portfolio_are_kept_as_they_are(method: str) -> None:
    """No new money and every holding inside its lock-up: there is nothing to choose, so the
    weights are the holdings (HRP used to return NaN weights on a floor of 100%)."""
    held = {"WMP90": Holding("WMP90", Money("20000", "CNY"), held_days=10)}
    result = propose(client("C2"), SHELF, PRICES, rules=preset("cn"), cash=0, holdings=held,
                     at=AT, method=method)  # type: ignore[arg-type]  # fmt: skip
    assert result.allocation is not None and result.plan is not None
    assert result.allocation.nonzero() == {"WMP90": pytest.approx(1.0)}
    assert result.allocation.fallback == "floors_fill_budget"
    assert result.plan.orders == ()


def test_a_c2_client_is_not_put_wholly_into_one_bond_fund() -> None:
    """China preset: at most 40% in any product but deposits and money funds; with only one
    suitable fund the rest stays in cash, and the proposal says why."""
    bond_only = Shelf([p for p in demo_products() if p.code == "BOND2"])
    result = propose(client("C2"), bond_only, PRICES[["BOND2"]], rules=preset("cn"),
                     cash=Money(100_000, "CNY"), at=AT)  # fmt: skip
    assert result.allocation is not None
    assert result.allocation.weights["BOND2"] == pytest.approx(0.4, abs=1e-6)
    codes = [r.code for r in result.decision.reasons]
    assert "ADV-CONCENTRATION" in codes and "ADV-CONCENTRATION-CASH" in codes
    cash_reason = next(r for r in result.decision.reasons if r.code == "ADV-CONCENTRATION-CASH")
    assert "60%" in cash_reason.text.en and "60%" in cash_reason.text.zh
    # a deposit beside it takes the rest: a cash-like product is not capped
    with_deposit = Shelf([p for p in demo_products() if p.code in ("BOND2", "DEP1Y")])
    full = propose(client("C2"), with_deposit, PRICES[["BOND2"]], rules=preset("cn"),
                   cash=Money(100_000, "CNY"), at=AT)  # fmt: skip
    assert full.allocation is not None
    assert full.allocation.weights["BOND2"] <= 0.4 + 1e-6
    assert full.allocation.weights.sum() == pytest.approx(1.0, abs=1e-6)
    # the same client under a rule set without the cap may hold the fund alone
    loose = propose(client("C2"), bond_only, PRICES[["BOND2"]], rules=preset("us_reg_bi"),
                    cash=Money(100_000, "CNY"), at=AT)  # fmt: skip
    assert loose.allocation is not None
    assert loose.allocation.weights["BOND2"] == pytest.approx(1.0, abs=1e-6)


def test_a_bank_may_tighten_the_concentration_limit_but_not_loosen_it() -> None:
    assert preset("cn", max_weight_per_product=0.25).max_weight_per_product == 0.25
    with pytest.raises(ValidationError) as caught:
        preset("cn", max_weight_per_product=0.6)
    assert caught.value.field == "max_weight_per_product"
    assert caught.value.rule == "no_looser_than_preset"
    with pytest.raises(ValidationError) as caught:
        preset("cn", concentration_exempt_kinds=["deposit", "money_fund", "bond_fund"])
    assert caught.value.field == "concentration_exempt_kinds"
    tighter = preset("cn", concentration_exempt_kinds=["deposit"])
    limits = tighter.constraints(client("C2"), SHELF, at=AT)
    assert limits.max_weights[SHELF.index_of("MMF01")] == pytest.approx(0.4)
    assert limits.max_weights[SHELF.index_of("DEP1Y")] == pytest.approx(1.0)


def test_a_withdrawn_product_is_never_bought_and_a_holding_of_it_is_explained() -> None:
    products = [replace(p, withdrawn=True) if p.code == "BOND1" else p for p in demo_products()]
    shelf = Shelf(products)
    assert shelf["BOND1"].to_dict()["withdrawn"] is True
    assert Product.from_dict(shelf["BOND1"].to_dict()) == shelf["BOND1"]
    assert "withdrawn" not in shelf["BOND2"].to_dict()
    with pytest.raises(ValidationError) as caught:
        Product.from_dict({**shelf["BOND2"].to_dict(), "withdrawn": "yes"})
    assert caught.value.field == "products.BOND2.withdrawn"
    held = {"BOND1": Holding("BOND1", Money(30_000, "CNY"), held_days=400)}
    result = propose(client("C3"), shelf, PRICES, rules=preset("cn"),
                     cash=Money(70_000, "CNY"), holdings=held, at=AT)  # fmt: skip
    assert result.allocation is not None and result.plan is not None
    assert result.allocation.weights["BOND1"] <= 0.3 + 1e-6  # capped at what is held
    assert not [o for o in result.plan.orders if o.code == "BOND1" and o.side == "buy"]
    notice = next(r for r in result.decision.reasons if r.code == "ADV-WITHDRAWN")
    assert "BOND1" in notice.text.en and "下架" in notice.text.zh
    # without the holding, the withdrawn fund gets nothing at all
    fresh = propose(client("C3"), shelf, PRICES, rules=preset("cn"),
                    cash=Money(100_000, "CNY"), at=AT)  # fmt: skip
    assert fresh.allocation is not None and fresh.allocation.weights["BOND1"] == 0
