"""A small advisory shelf for the platform tests (every kind, R1-R5, a lock-up, an ETF traded
in lots) with two years of simulated daily prices, and questionnaire answers that give each
risk category. The prices are a seeded random walk per product, scaled by its level: the tests
check rules (suitability, refusals, isolation), never what a fund returned."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from tests.advisory.test_questionnaire import BALANCED

PRODUCTS: list[dict[str, Any]] = [
    {"code": "DEP1Y", "name": {"zh": "一年定期", "en": "1-year deposit"}, "kind": "deposit",
     "risk": "R1", "expected_return": "0.015"},
    {"code": "MMF", "name": {"zh": "货币基金", "en": "Money fund"}, "kind": "money_fund",
     "risk": "R1", "expected_return": "0.02"},
    {"code": "BOND-A", "name": {"zh": "债券A", "en": "Bond A"}, "kind": "bond_fund", "risk": "R2",
     "min_purchase": "10", "buy_fee": "0.008", "sell_fees": [[0, "0.015"], [7, "0"]]},
    {"code": "BOND-B", "name": {"zh": "债券B", "en": "Bond B"}, "kind": "bond_fund", "risk": "R2",
     "min_purchase": "10", "buy_fee": "0.006"},
    {"code": "BOND-LOCK", "name": {"zh": "定开债", "en": "Closed bond"}, "kind": "bond_fund",
     "risk": "R2", "lock_up_days": 365, "buy_fee": "0.006"},
    {"code": "MIX-A", "name": {"zh": "混合A", "en": "Mixed A"}, "kind": "mixed_fund", "risk": "R3",
     "min_purchase": "10", "buy_fee": "0.015", "management_fee": "0.015"},
    {"code": "MIX-B", "name": {"zh": "混合B", "en": "Mixed B"}, "kind": "mixed_fund", "risk": "R3",
     "min_purchase": "10", "buy_fee": "0.012", "management_fee": "0.012"},
    {"code": "EQ-A", "name": {"zh": "股票A", "en": "Equity A"}, "kind": "equity_fund",
     "risk": "R4", "buy_fee": "0.015", "management_fee": "0.012"},
    {"code": "EQ-B", "name": {"zh": "股票B", "en": "Equity B"}, "kind": "equity_fund",
     "risk": "R4", "buy_fee": "0.015"},
    {"code": "ETF300", "name": {"zh": "沪深300ETF", "en": "CSI 300 ETF"}, "kind": "etf",
     "risk": "R4", "lot": "100", "buy_fee": "0.0003", "min_fee": "5"},
    {"code": "LEV", "name": {"zh": "分级杠杆", "en": "Leveraged"}, "kind": "equity_fund",
     "risk": "R5", "complex": True, "buy_fee": "0.015"},
]  # fmt: skip
VOLATILITY = {"R2": 0.002, "R3": 0.009, "R4": 0.014, "R5": 0.03}
LAST_DAY = "2025-06-30"

ANSWERS: dict[str, dict[str, Any]] = {
    "C1": {**BALANCED, "loss_tolerance": "none", "objective": "preserve",
           "drawdown_reaction": "sell_all", "products": ["deposits"]},
    "C2": {**BALANCED, "loss_tolerance": "lt_5", "objective": "income",
           "drawdown_reaction": "sell_some", "products": ["deposits", "fixed_income"],
           "experience": "wmp", "knowledge": "basic"},
    "C3": {**BALANCED, "loss_tolerance": "5_15", "objective": "balanced",
           "products": ["fixed_income", "mixed"]},
    "C4": dict(BALANCED),
    "C5": {**BALANCED, "income": "gt_1m", "investable_share": "lt_10", "debt": "none",
           "horizon": "gt_5", "reserve": "gt_12m", "experience": "derivatives",
           "knowledge": "expert", "objective": "aggressive", "loss_tolerance": "gt_30",
           "drawdown_reaction": "buy_more",
           "products": ["equity", "mixed", "fixed_income", "derivatives"]},
}  # fmt: skip
LEVEL = {p["code"]: int(p["risk"][1]) for p in PRODUCTS}


def price_rows(
    days: int = 500, seed: int = 7, products: list[dict[str, Any]] | None = None
) -> list[dict[str, str]]:
    """Daily prices (business days up to ``LAST_DAY``) for every priced product of the shelf
    (``products``, by default this one: deposits and the money fund accrue their stated rate,
    no prices)."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(end=LAST_DAY, periods=days)
    rows = []
    for product in PRODUCTS if products is None else products:
        vol = VOLATILITY.get(product["risk"])
        if vol is None:
            continue
        path = 1.0 * np.cumprod(1 + rng.normal(0.0002, vol, days))
        rows += [{"code": product["code"], "day": str(d.date()), "price": f"{p:.4f}"}
                 for d, p in zip(index, path, strict=True)]  # fmt: skip
    return rows


def seed_shelf(client: TestClient, headers: dict[str, str], *, days: int = 500) -> None:
    made = client.post("/v1/advisory/products", json={"products": PRODUCTS}, headers=headers)
    assert made.status_code == 200, made.text
    priced = client.post("/v1/advisory/prices", json={"prices": price_rows(days)}, headers=headers)
    assert priced.status_code == 200, priced.text


def assess(client: TestClient, headers: dict[str, str], client_id: str, category: str) -> Any:
    body = {"client_id": client_id, "answers": ANSWERS[category]}
    made = client.post("/v1/advisory/assessments", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["client"]["category"] == category
    return made.json()


def propose(client: TestClient, headers: dict[str, str], client_id: str, cash: str = "100000",
            **more: Any) -> Any:  # fmt: skip
    body = {"client_id": client_id, "cash": {"amount": cash, "currency": "CNY"}, **more}
    return client.post("/v1/advisory/proposals", json=body, headers=headers)
