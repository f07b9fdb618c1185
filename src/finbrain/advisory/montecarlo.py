"""Goal probability (目标达成概率) by Monte Carlo: how likely a portfolio is to reach an amount.

:func:`goal_probability` resamples the portfolio's own history in blocks of ``block`` trading
days (a block bootstrap keeps a month's autocorrelation and the fat tails that a normal model
would smooth away), adds a contribution at each month's end, and reports the share of paths
that end at or above the target, with the percentiles of the value each year (the fan chart).
The portfolio is held at its weights (rebalanced monthly); fees beyond those already in the
prices are not deducted. It is a simulation from the past, never a forecast or a promise, and
its reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from finbrain.advisory.reasons import reason
from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Goal", "goal_probability"]

PERCENTILES = (5, 25, 50, 75, 95)
MONTH = 21  # trading days


@dataclass(frozen=True)
class Goal:
    probability: float
    """Share of the paths that end at or above the target."""
    fan: pd.DataFrame
    """Value percentiles (columns 5, 25, 50, 75, 95) at the end of each year (rows 1..years)."""
    paths: int
    target: Money
    invested: Money
    """Initial amount plus every contribution."""

    def reason(self) -> Reason:
        median = self.fan[50].iloc[-1]
        return reason(
            "ADV-GOAL", value=round(self.probability, 4), p=f"{self.probability:.0%}",
            target=str(self.target), years=len(self.fan), paths=self.paths,
            median=f"{median:,.0f} {self.target.currency}",
        )  # fmt: skip


def goal_probability(
    returns: pd.DataFrame,
    weights: Any,
    *,
    initial: Money,
    target: Money,
    years: int,
    monthly_contribution: Money | None = None,
    paths: int = 10_000,
    block: int = MONTH,
    seed: int | None = 0,
) -> Goal:
    """The probability that ``initial`` (plus ``monthly_contribution``) held in ``weights``
    (one per column of the daily ``returns``; the rest is cash earning nothing) reaches
    ``target`` within ``years``."""
    import pandas as pd

    if not isinstance(returns, pd.DataFrame) or returns.isna().any().any():
        raise ValidationError(field="returns", rule="frame_without_gaps")
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != (returns.shape[1],) or not np.isfinite(w).all() or (w < 0).any():
        raise ValidationError(field="weights", rule="one_weight_per_column")
    if w.sum() > 1 + 1e-6:
        raise ValidationError(field="weights", rule="weights_sum_to_at_most_1")
    contribution = monthly_contribution or Money.zero(initial.currency)
    for name, money in (("initial", initial), ("target", target),
                        ("monthly_contribution", contribution)):  # fmt: skip
        if not isinstance(money, Money):
            raise ValidationError(field=name, rule="money")
        if money.currency != initial.currency:
            raise ValidationError(field=name, rule="same_currency")
        if money.amount < 0:
            raise ValidationError(field=name, rule="not_negative")
    if not target:
        raise ValidationError(field="target", rule="positive")
    if not isinstance(years, int) or not 1 <= years <= 60:
        raise ValidationError(field="years", rule="whole_years_1_to_60")
    if not 100 <= paths <= 1_000_000:
        raise ValidationError(field="paths", rule="between_100_and_1000000")
    if not isinstance(block, int) or block < MONTH or block % MONTH:
        raise ValidationError(field="block", rule="whole_months_of_21_days")
    history = returns.to_numpy(dtype=float) @ w
    if len(history) < 2 * block:
        raise ValidationError(field="returns", rule="at_least_two_blocks", block=block)
    rng = np.random.default_rng(seed)
    months = 12 * years
    per_block = max(1, block // MONTH)
    n_blocks = -(-months // per_block)
    starts = rng.integers(0, len(history) - block + 1, (paths, n_blocks))
    monthly = np.empty((paths, n_blocks * per_block))
    offsets = np.arange(block)
    for b in range(n_blocks):  # block by block: a whole horizon at once would not fit memory
        growth = 1.0 + history[starts[:, b, None] + offsets]
        cut = slice(b * per_block, (b + 1) * per_block)
        monthly[:, cut] = growth.reshape(paths, per_block, MONTH).prod(axis=2)
    value = np.full(paths, float(initial.amount))
    add = float(contribution.amount)
    fan = np.empty((years, len(PERCENTILES)))
    for m in range(months):
        value = value * monthly[:, m] + add
        if (m + 1) % 12 == 0:
            fan[(m + 1) // 12 - 1] = np.percentile(value, PERCENTILES)
    probability = float((value >= float(target.amount)).mean())
    invested = initial + contribution * Decimal(months)
    frame = pd.DataFrame(fan, index=pd.RangeIndex(1, years + 1, name="year"),
                         columns=list(PERCENTILES))  # fmt: skip
    return Goal(probability, frame, paths, target, invested)
