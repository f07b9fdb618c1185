"""Shelves from fund lists by the stated convention, and a proposal on real Chinese fund NAVs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from finbrain.advisory.funds import fund_convention, products_from_funds
from finbrain.advisory.levels import RiskLevel
from finbrain.advisory.proposal import propose
from finbrain.advisory.shelf import Shelf
from finbrain.advisory.suitability import ClientProfile, preset
from finbrain.core.errors import DatasetError, ValidationError
from finbrain.core.money import Money

from .conftest import product


def test_the_convention_maps_types_to_kinds_and_levels() -> None:
    funds = pd.DataFrame({
        "code": ["000001", "000002", "000003", "000004", "000005"],
        "name": ["货币A", "债券A", "混合A", "分级B", "保本1号"],
        "type": ["货币型", "债券型", "混合型", "分级杠杆", "保本型"],
    })  # fmt: skip
    products, skipped = products_from_funds(funds, overrides={"000003": {"risk": "R4"}})
    levels = {p.code: (p.kind.value, p.risk) for p in products}
    assert levels == {
        "000001": ("money_fund", RiskLevel.R1),
        "000002": ("bond_fund", RiskLevel.R2),
        "000003": ("mixed_fund", RiskLevel.R4),  # the distributor's own rating
        "000004": ("equity_fund", RiskLevel.R5),
    }
    assert next(p for p in products if p.code == "000004").complex
    assert list(skipped) == ["000005"] and skipped["000005"].code == "SHELF-TYPE-UNMAPPED"
    assert "保本型" in fund_convention()["types"]
    with pytest.raises(ValidationError) as caught:
        products_from_funds(funds.drop(columns=["type"]))
    assert caught.value.field == "funds.type"


def test_a_proposal_on_real_chinese_fund_navs() -> None:
    try:
        from finbrain.datasets.wealth import load_eastmoney_funds, load_fund_cum_nav

        nav = load_fund_cum_nav()
        funds = load_eastmoney_funds()
    except DatasetError as exc:
        pytest.skip(f"the wealth data is not here: {exc}")
    listed = funds[funds["code"].isin(nav.columns)]
    products, _ = products_from_funds(listed)
    shelf = Shelf(
        [
            *products,
            product("DEP", "deposit", "R1", expected_return="0.015"),
            product("MMF", "money_fund", "R1", expected_return="0.02"),
        ]
    )
    prices = nav.loc["2015-06-27":]  # three years, some funds with gaps
    at = datetime(2018, 6, 28, tzinfo=UTC)
    for category, risky in (("C3", True), ("C2", False)):
        person = ClientProfile("c-real", category, expires_at=at + timedelta(days=30))
        result = propose(
            person, shelf, prices, rules=preset("cn"), cash=Money("200000", "CNY"), at=at
        )
        assert result.allocation is not None and result.plan is not None
        held = result.allocation.nonzero()
        assert any(shelf[c].kind.value == "mixed_fund" for c in held) == risky
        assert all(int(shelf[c].risk) <= int(category[1]) for c in held)
        assert result.decision.outcome == "propose"
