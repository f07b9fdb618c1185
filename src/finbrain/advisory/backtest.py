"""Walk-forward backtests with costs, drift and contributions, and the rebalancing policies
they share with live accounts.

:func:`walk_forward` refits an allocation on a trailing window every ``every`` days and holds
it out of sample: between rebalances the holdings **drift** with prices (no silent daily
rebalancing), each trade pays its product's cost rate, and a regular contribution is added
cash-flow first (it buys what is under its target before anything is sold). Whether a
rebalance date trades is the policy's call:

- :class:`Calendar`: every rebalance date trades back to the target;
- :class:`DriftBand`: only when some weight is more than ``band`` away from its target
  (contributions still go to the underweights);
- :class:`CostBenefit`: only when the tracking variance the trade removes, over the next
  period, is worth more than the trade's cost (``risk_aversion``: how much a unit of variance
  is worth).

Returns are time-weighted (a contribution is not a gain). Everything is numpy over a wide
daily-return table; no look-ahead: the allocation on day ``t`` sees returns before ``t`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from finbrain.core.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Backtest", "Calendar", "CostBenefit", "DriftBand", "Policy", "walk_forward"]

TRADING_DAYS = 252


class Policy(Protocol):
    def should_trade(
        self, current: np.ndarray, target: np.ndarray, cost: float, covariance: np.ndarray
    ) -> bool: ...


@dataclass(frozen=True)
class Calendar:
    """Trade back to the target on every rebalance date."""

    def should_trade(
        self, current: np.ndarray, target: np.ndarray, cost: float, covariance: np.ndarray
    ) -> bool:
        return True


@dataclass(frozen=True)
class DriftBand:
    """Trade only when a weight has drifted more than ``band`` (absolute) from its target."""

    band: float = 0.05

    def __post_init__(self) -> None:
        if not 0 <= self.band < 1:
            raise ValidationError(field="band", rule="fraction_0_to_1")

    def should_trade(
        self, current: np.ndarray, target: np.ndarray, cost: float, covariance: np.ndarray
    ) -> bool:
        return bool(np.abs(current - target).max() > self.band)


@dataclass(frozen=True)
class CostBenefit:
    """Trade only when ``risk_aversion`` x the tracking variance removed over ``horizon``
    days exceeds the trade's cost (both as fractions of the portfolio)."""

    risk_aversion: float = 50.0
    horizon: int = 21

    def __post_init__(self) -> None:
        if self.risk_aversion <= 0 or self.horizon < 1:
            raise ValidationError(field="risk_aversion", rule="positive")

    def should_trade(
        self, current: np.ndarray, target: np.ndarray, cost: float, covariance: np.ndarray
    ) -> bool:
        gap = current - target
        variance = float(gap @ covariance @ gap) * self.horizon
        return self.risk_aversion * variance > cost


@dataclass(frozen=True)
class Backtest:
    """Out-of-sample path and its figures (yearly, time-weighted)."""

    values: pd.Series
    """Portfolio value per day (contributions included)."""
    returns: pd.Series
    """Time-weighted daily returns, net of costs."""
    weights: pd.DataFrame
    """Weights held after each rebalance date's trades."""
    costs: float
    """Costs paid, as a fraction of the average portfolio value."""
    turnover: float
    """One-way traded value per year, as a fraction of the portfolio."""
    trades: int
    """Rebalance dates that traded."""

    def summary(self) -> dict[str, float]:
        r = self.returns.to_numpy()
        wealth = np.cumprod(1 + r)
        years = len(r) / TRADING_DAYS
        annual = float(wealth[-1] ** (1 / years) - 1) if years > 0 else 0.0
        vol = float(np.std(r, ddof=1) * np.sqrt(TRADING_DAYS)) if len(r) > 1 else 0.0
        drawdown = float((wealth / np.maximum.accumulate(wealth) - 1).min()) if len(r) else 0.0
        return {
            "annual_return": annual,
            "volatility": vol,
            "sharpe": annual / vol if vol else 0.0,
            "max_drawdown": drawdown,
            "costs": self.costs,
            "turnover": self.turnover,
            "trades": float(self.trades),
        }


def walk_forward(
    returns: pd.DataFrame,
    allocate: Callable[[pd.DataFrame], Any],
    *,
    train: int = 756,
    every: int = 21,
    costs: float | np.ndarray = 0.001,
    policy: Policy | None = None,
    contribution: float = 0.0,
    initial: float = 1.0,
) -> Backtest:
    """Refit ``allocate(window) -> weights`` (one per column, summing to at most 1: the rest
    is cash earning nothing) on the ``train`` days before each rebalance date, every
    ``every`` days; ``costs``: the one-way cost rate of each asset (or one for all);
    ``contribution``: added at each rebalance date, as a fraction of ``initial``."""
    import pandas as pd

    if not isinstance(returns, pd.DataFrame) or returns.isna().any().any():
        raise ValidationError(field="returns", rule="frame_without_gaps")
    n_days, n_assets = returns.shape
    if train < 2 or every < 1:
        raise ValidationError(field="train", rule="train_at_least_2_every_at_least_1")
    if n_days <= train:
        raise ValidationError(field="returns", rule="longer_than_train", days=n_days)
    rates = np.broadcast_to(np.asarray(costs, dtype=float), (n_assets,))
    if (rates < 0).any() or (rates > 0.1).any():
        raise ValidationError(field="costs", rule="rate_between_0_and_0.10")
    if contribution < 0 or initial <= 0:
        raise ValidationError(field="contribution", rule="not_negative")
    policy = policy or Calendar()
    r = returns.to_numpy(dtype=float)
    holdings = np.zeros(n_assets)
    cash = float(initial)
    values = np.empty(n_days - train)
    twr = np.empty(n_days - train)
    targets: list[np.ndarray] = []
    dates = []
    paid = traded = 0.0
    trades = 0
    for start in range(train, n_days, every):
        window = returns.iloc[start - train : start]
        target = np.asarray(allocate(window), dtype=float).reshape(-1)
        if target.shape != (n_assets,) or not np.isfinite(target).all() or (target < -1e-9).any():
            raise ValidationError(field="allocate", rule="one_weight_per_asset")
        target = np.clip(target, 0, None)
        if target.sum() > 1 + 1e-6:
            raise ValidationError(field="allocate", rule="weights_sum_to_at_most_1")
        if start > train:
            cash += contribution * initial
        base = cash + holdings.sum()  # the day's starting value: a contribution is no gain
        current = holdings / base
        covariance = np.cov(window.to_numpy(), rowvar=False).reshape(n_assets, n_assets)
        full_trade = target * base - holdings
        full_cost = float(np.abs(full_trade) @ rates)
        if policy.should_trade(current, target, full_cost / base, covariance):
            # pay the costs out of the new positions: trade to target * (base - cost)
            net = base - full_cost
            for _ in range(3):  # the cost depends on the trade: settle in a few steps
                trade = target * net - holdings
                net = base - float(np.abs(trade) @ rates)
            trade = target * net - holdings
            trades += 1
        else:  # cash-flow first: the cash buys the underweights, nothing is sold
            short = np.clip(target * base - holdings, 0, None)
            budget = cash / (1 + float(rates.max()))
            trade = short * min(1.0, budget / short.sum()) if short.sum() > 0 else short
        cost = float(np.abs(trade) @ rates)
        holdings = holdings + trade
        cash = base - holdings.sum() - cost
        paid += cost
        traded += float(np.abs(trade).sum()) / 2
        targets.append(holdings / base)
        dates.append(returns.index[start])
        before = base
        for day in range(start, min(start + every, n_days)):
            holdings = holdings * (1 + r[day])
            after = cash + holdings.sum()
            values[day - train] = after
            twr[day - train] = after / before - 1
            before = after
    index = returns.index[train:]
    average = float(values.mean())
    years = (n_days - train) / TRADING_DAYS
    return Backtest(
        values=pd.Series(values, index=index, name="value"),
        returns=pd.Series(twr, index=index, name="return"),
        weights=pd.DataFrame(np.vstack(targets), index=pd.Index(dates), columns=returns.columns),
        costs=paid / average,
        turnover=traded / average / years if years else 0.0,
        trades=trades,
    )
