"""The demo bank's advisory: a shelf of real Chinese public funds, a few assessed clients and
their proposals, so the advisory pages and the recommendations have something to show.

The shelf is read from the data folder at demo time (``finbrain.datasets.wealth``: the
Eastmoney fund list and the daily cumulative NAVs of seven funds; neither states a licence,
so neither ships with the package). Without those files the demo has no advisory shelf and
says so; nothing is invented in their place.

What is real and what is the demo's: the funds' codes, names and types and the seven NAV
histories are real (the last three years of them, 2015-06 .. 2018-06, to keep the set-up
fast). The levels R1-R5 and dealing terms follow ``products_from_funds``' stated convention.
The money funds' yields (2% a year) and the bank's own term deposit (1.5%) are the demo's
assumptions: the list carries no yields. The bond, index, ETF and leveraged funds have no
prices in the data: they are on the shelf (recommendations and the suitability checks see
them) and proposals leave them out with the reason ``SHELF-NO-HISTORY``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from finbrain.core.money import Money
from finbrain.platform.store.database import Database
from finbrain.platform.tenancy import Caller

HISTORY_FROM = "2015-06-27"
PICK = {  # fund type -> how many funds of it (the lowest codes), besides the seven with NAVs
    "货币型": 3, "债券型": 3, "定开债券": 1, "股票指数": 3, "ETF-场内": 1, "分级杠杆": 1,
}  # fmt: skip
MONEY_FUND_YIELD = "0.02"
HELD = "161005"  # a real mixed fund (R3) with NAVs: the second and third clients hold some
DEPOSIT = {
    "code": "DEMO-DEP-1Y", "name": {"zh": "一年期定期存款", "en": "1-year term deposit"},
    "kind": "deposit", "risk": "R1", "min_purchase": "50", "expected_return": "0.015",
}  # fmt: skip
_BASE = {
    "age": "31_50", "income": "300k_1m", "investable_share": "10_25", "debt": "lt_25",
    "horizon": "3_5", "reserve": "6_12m", "experience": "funds", "knowledge": "good",
    "objective": "growth", "loss_tolerance": "15_30", "drawdown_reaction": "hold",
    "products": ["mixed", "equity"],
}  # fmt: skip
CLIENTS: dict[str, dict[str, Any]] = {  # client id -> answers (C2, C3, C4)
    "DEMO-CLIENT-01": {**_BASE, "loss_tolerance": "lt_5", "objective": "income",
                       "drawdown_reaction": "sell_some", "experience": "wmp",
                       "knowledge": "basic", "products": ["deposits", "fixed_income"]},
    "DEMO-CLIENT-02": {**_BASE, "loss_tolerance": "5_15", "objective": "balanced",
                       "products": ["fixed_income", "mixed"]},
    "DEMO-CLIENT-03": dict(_BASE),
}  # fmt: skip


def demo_shelf() -> tuple[list[dict[str, Any]], list[tuple[str, Any, str]]]:
    """The products (``Product.to_dict`` form) and prices ``(code, day, price)`` of the demo
    shelf, from the data folder (``DatasetMissingError`` without it)."""
    from finbrain.advisory.funds import products_from_funds
    from finbrain.datasets.wealth import load_eastmoney_funds, load_fund_cum_nav

    funds = load_eastmoney_funds()
    nav = load_fund_cum_nav().loc[HISTORY_FROM:]
    chosen = [funds[funds["code"].isin(nav.columns)]]
    for kind, n in PICK.items():
        chosen.append(funds[funds["type"] == kind].sort_values("code").head(n))
    import pandas as pd

    listed = pd.concat(chosen).drop_duplicates("code")
    money = listed.loc[listed["type"] == "货币型", "code"]
    overrides = {code: {"expected_return": MONEY_FUND_YIELD} for code in money}
    products, _ = products_from_funds(listed, overrides=overrides)
    rows = [DEPOSIT, *(p.to_dict() for p in products)]
    prices = [
        (str(code), stamp.date(), f"{value:.4f}")
        for code, series in nav.items()
        for stamp, value in zip(series.dropna().index, series.dropna(), strict=True)
    ]
    return rows, prices


def ensure_demo_advisory(db: Database, tenant_id: str) -> str | None:
    """The demo shelf, clients and proposals (once); a label for the demo's summary, or None
    when the data folder has no wealth files."""
    from finbrain.core.errors import DatasetError
    from finbrain.platform.advisory import proposals, shelf
    from finbrain.platform.advisory import service as advisory
    from finbrain.platform.advisory.tables import AdvisoryProduct

    with db.tenant(tenant_id, write=False) as session:
        if session.scalar(select(AdvisoryProduct.code).limit(1)) is not None:
            return _label(db, tenant_id)
    try:
        products, prices = demo_shelf()
    except DatasetError:
        return None
    caller = Caller(tenant_id)
    with db.tenant(tenant_id) as session:
        shelf.put_products(session, caller, products)
        shelf.put_prices(session, caller, prices)
    for n, (client_id, answers) in enumerate(CLIENTS.items()):
        with db.tenant(tenant_id) as session:
            advisory.assess(session, db.settings, caller, client_id, answers)
            held = [] if n == 0 else [proposals.HoldingSpec(HELD, "20000", 400)]
            proposals.make(session, db.settings, caller, client_id, Money("100000", "CNY"), held)
    return _label(db, tenant_id)


def _label(db: Database, tenant_id: str) -> str:
    from finbrain.platform.advisory import queries

    with db.tenant(tenant_id, write=False) as session:
        state = queries.shelf_state(session)
        clients = len(queries.recent_clients(session))
    if state is None:
        return "no shelf"
    return (
        f"{state.products} products, {state.prices} prices "
        f"({state.first_day} .. {state.last_day}), {clients} clients"
    )
