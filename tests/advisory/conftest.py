"""A small shelf with every kind of product and level, and synthetic prices for it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from finbrain.advisory.shelf import Product, SaleWindow, Shelf

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def product(code: str, kind: str, risk: str, **terms: object) -> Product:
    return Product(
        code=code,
        name={"zh": f"产品{code}", "en": f"Product {code}"},
        kind=kind,
        risk=risk,
        **terms,
    )  # type: ignore[arg-type]


def demo_products() -> list[Product]:
    return [
        product("DEP1Y", "deposit", "R1", min_purchase="50", expected_return="0.0145"),
        product("MMF01", "money_fund", "R1", min_purchase="0.01", expected_return="0.018"),
        product(
            "WMP90",
            "wmp",
            "R2",
            min_purchase="10000",
            lot="1000",
            lock_up_days=90,
            expected_return="0.028",
            sale_windows=(SaleWindow(date(2026, 3, 1), date(2026, 3, 10)),),
        ),
        product(
            "WMP3Y",
            "wmp",
            "R3",
            min_purchase="10000",
            lot="1000",
            lock_up_days=1095,
            expected_return="0.04",
        ),
        product(
            "BOND1",
            "bond_fund",
            "R2",
            min_purchase="10",
            buy_fee="0.008",
            sell_fees=((0, "0.015"), (7, "0.001"), (365, "0")),
        ),
        product("BOND2", "bond_fund", "R2", min_purchase="10", buy_fee="0.006"),
        product("MIX01", "mixed_fund", "R3", min_purchase="10", buy_fee="0.015", lock_up_days=365),
        product("MIX02", "mixed_fund", "R3", min_purchase="10", buy_fee="0.012"),
        product("EQF01", "equity_fund", "R4", min_purchase="10", buy_fee="0.015"),
        product("EQF02", "equity_fund", "R4", min_purchase="1000", buy_fee="0.015"),
        product("ETF300", "etf", "R4", min_purchase="0", lot="100", buy_fee="0.0003", min_fee="5"),
        product("LEV2X", "etf", "R5", lot="100", buy_fee="0.0003", min_fee="5", complex=True),
    ]


@pytest.fixture
def shelf() -> Shelf:
    return Shelf(demo_products())


def synthetic_prices(shelf: Shelf, days: int = 500, seed: int = 7) -> pd.DataFrame:
    """Random walks with volatility rising with the risk level (deposits have no column)."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2022-01-03", periods=days, freq="B", tz="UTC", name="date")
    market = rng.normal(0.0003, 0.01, days)
    columns = {}
    for p in shelf:
        if p.kind.value == "deposit":
            continue
        beta = {1: 0.0, 2: 0.1, 3: 0.6, 4: 1.0, 5: 2.0}[int(p.risk)]
        vol = {1: 0.0002, 2: 0.001, 3: 0.004, 4: 0.006, 5: 0.01}[int(p.risk)]
        r = 0.0001 + beta * market + rng.normal(0, vol, days)
        columns[p.code] = 1.0 * np.cumprod(1 + r)
    return pd.DataFrame(columns, index=index)


@pytest.fixture
def prices(shelf: Shelf) -> pd.DataFrame:
    return synthetic_prices(shelf)
