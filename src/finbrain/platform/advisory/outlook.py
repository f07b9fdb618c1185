"""What a proposal may do, shown beside it: a walk-forward backtest of its method against
equal weights on the same products (``finbrain.advisory.walk_forward``: refitted on a trailing
window, held out of sample, drifting between rebalances, paying each product's purchase fee),
and the probability of reaching a goal (``goal_probability``: block bootstrap of the
portfolio's own history). Both run on the shelf's current prices; both are the past, never a
forecast. The backtest is kept per proposal and shelf version (it refits the optimiser a few
times); the goal is computed on each call."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from finbrain.advisory.backtest import DriftBand, walk_forward
from finbrain.advisory.montecarlo import MONTH, Goal, goal_probability
from finbrain.advisory.portfolio import allocate
from finbrain.advisory.shelf import Shelf, ShelfReturns
from finbrain.advisory.suitability import ClientProfile
from finbrain.core.errors import FinbrainError
from finbrain.core.money import Money
from finbrain.platform.advisory import queries
from finbrain.platform.advisory.proposals import rules
from finbrain.platform.advisory.tables import AdvisoryProposal

if TYPE_CHECKING:
    import pandas as pd

TRAIN_DAYS = 252  # a year of history before each refit (less when the history is short)
EVERY_DAYS = 63  # a refit each quarter
MIN_OUT_OF_SAMPLE = 63
BAND = 0.05  # rebalance when a weight drifts 5 points from its target
CHART_POINTS = 160
PATHS = 5000
CACHED = 64


@dataclass(frozen=True)
class Backtest:
    train_days: int
    every_days: int
    costs: str
    proposal: dict[str, float]
    equal_weight: dict[str, float]
    days: list[date]
    proposal_values: list[float]
    equal_values: list[float]


@dataclass(frozen=True)
class Outlook:
    proposal: AdvisoryProposal
    backtest: Backtest | None
    backtest_note: str | None
    goal: Goal | None
    goal_note: str | None


_backtests: OrderedDict[tuple[str, str, str, int], tuple[Backtest | None, str | None]]
_backtests = OrderedDict()
_lock = threading.Lock()


def outlook(
    session: Session,
    proposal_id: str,
    *,
    target: Decimal | None = None,
    years: int = 5,
    monthly: Decimal | None = None,
    paths: int = PATHS,
) -> Outlook:
    """The backtest and the goal of ``proposal_id`` (404 for another tenant's). ``target``:
    the amount to reach (default: what is invested grown 4% a year, a round figure for a
    first look); ``monthly``: a contribution at each month's end."""
    row = queries.proposal(session, proposal_id)
    loaded = queries.loaded_shelf(session)
    codes = [c for c in row.figures.get("used", []) if loaded.shelf.has(c)]
    shelf = loaded.shelf.subset(codes)
    history = shelf.returns(loaded.prices) if codes else None
    key = (queries.store_key(session), row.tenant_id, row.id, loaded.version)
    with _lock:
        cached = _backtests.get(key)
    if cached is None:
        cached = _backtest(row, shelf, history)
        with _lock:
            _backtests[key] = cached
            while len(_backtests) > CACHED:
                _backtests.popitem(last=False)
    goal, goal_note = _goal(row, history, target, years, monthly, paths)
    return Outlook(row, cached[0], cached[1], goal, goal_note)


def _backtest(
    row: AdvisoryProposal, shelf: Shelf, history: ShelfReturns | None
) -> tuple[Backtest | None, str | None]:
    if history is None or history.returns.shape[1] == 0:
        return None, "no_products_with_history"
    returns = history.returns
    n_days = len(returns)
    train = min(TRAIN_DAYS, n_days // 2)
    if train < 2 * MONTH or n_days - train < MIN_OUT_OF_SAMPLE:
        return None, "history_too_short"
    used = shelf.subset(history.codes)
    profile = ClientProfile.from_json(row.profile)
    ruleset = rules()

    def refit(window: pd.DataFrame) -> np.ndarray:
        part = ShelfReturns(window, history.proxied, history.synthetic, {}, {})
        made = allocate(profile, used, part, ruleset, method=row.method,  # type: ignore[arg-type]
                        at=row.created_at)  # fmt: skip
        return np.asarray(made.weights[history.codes].to_numpy(), dtype=float)

    def equal(window: pd.DataFrame) -> np.ndarray:
        return np.full(window.shape[1], 1.0 / window.shape[1])

    costs = np.array([float(p.buy_fee) for p in used])
    try:
        runs = [
            walk_forward(returns, fn, train=train, every=EVERY_DAYS, costs=costs,
                         policy=DriftBand(BAND))
            for fn in (refit, equal)
        ]  # fmt: skip
    except FinbrainError:  # a window the method cannot solve: no backtest, said so
        return None, "refit_failed"
    step = max(1, len(runs[0].values) // CHART_POINTS)
    picked = list(range(0, len(runs[0].values), step))
    if picked[-1] != len(runs[0].values) - 1:
        picked.append(len(runs[0].values) - 1)
    days = [d.date() for d in runs[0].values.index[picked]]
    return (
        Backtest(
            train_days=train,
            every_days=EVERY_DAYS,
            costs="buy_fee per product, drift band 5%",
            proposal=_rounded(runs[0].summary()),
            equal_weight=_rounded(runs[1].summary()),
            days=days,
            proposal_values=[round(float(v), 4) for v in runs[0].values.iloc[picked]],
            equal_values=[round(float(v), 4) for v in runs[1].values.iloc[picked]],
        ),
        None,
    )


def _rounded(summary: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in summary.items()}


def _goal(
    row: AdvisoryProposal,
    history: ShelfReturns | None,
    target: Decimal | None,
    years: int,
    monthly: Decimal | None,
    paths: int,
) -> tuple[Goal | None, str | None]:
    if history is None or history.returns.shape[1] == 0:
        return None, "no_products_with_history"
    if len(history.returns) < 2 * MONTH:
        return None, "history_too_short"
    currency = row.currency
    invested = Decimal(row.cash) + sum((Decimal(h["value"]) for h in row.holdings), Decimal(0))
    if target is None:
        target = (invested * Decimal("1.04") ** years).quantize(Decimal(1))
    weights = np.array([float(row.weights.get(c, 0.0)) for c in history.codes])
    if weights.sum() > 1:
        weights = weights / weights.sum()
    goal = goal_probability(
        history.returns, weights, initial=Money(invested, currency),
        target=Money(target, currency), years=years,
        monthly_contribution=Money(monthly or 0, currency), paths=paths, seed=0,
    )  # fmt: skip
    return goal, None


def goal_fan(goal: Goal) -> dict[str, list[float]]:
    """Percentile -> value at each year's end (``"50"``: the median path)."""
    return {str(p): [round(float(v), 2) for v in goal.fan[p]] for p in goal.fan.columns}


def summary_of(goal: Goal) -> dict[str, Any]:
    return {
        "probability": round(goal.probability, 4),
        "target": str(goal.target.amount),
        "years": len(goal.fan),
        "invested": str(goal.invested.amount),
        "paths": goal.paths,
        "fan": goal_fan(goal),
        "reason": goal.reason(),
    }
