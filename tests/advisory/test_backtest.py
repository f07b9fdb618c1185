"""Walk-forward backtests: exact against daily rebalancing, costs, drift, contributions,
policies, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finbrain.advisory.backtest import Calendar, CostBenefit, DriftBand, walk_forward
from finbrain.core.errors import ValidationError


def returns(days: int = 400, n: int = 4, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=days, tz="UTC")
    data = rng.normal(0.0004, 0.01, (days, n)) * np.array([0.2, 0.6, 1.0, 1.5])[:n]
    return pd.DataFrame(data, index=index, columns=[f"A{i}" for i in range(n)])


def equal(window: pd.DataFrame) -> np.ndarray:
    return np.full(window.shape[1], 1 / window.shape[1])


def test_daily_rebalancing_without_costs_is_the_weighted_return() -> None:
    r = returns()
    result = walk_forward(r, equal, train=100, every=1, costs=0.0)
    expected = r.iloc[100:].to_numpy() @ equal(r)
    assert np.allclose(result.returns.to_numpy(), expected, atol=1e-12)
    assert result.values.iloc[-1] == pytest.approx(np.prod(1 + expected))


def test_holdings_drift_between_rebalances() -> None:
    r = returns()
    monthly = walk_forward(r, equal, train=100, every=21, costs=0.0)
    daily = r.iloc[100:].to_numpy() @ equal(r)
    assert not np.allclose(monthly.returns.to_numpy(), daily)  # no silent daily rebalancing
    assert monthly.returns.iloc[0] == pytest.approx(daily[0])  # the first day holds the target


def test_costs_are_paid() -> None:
    r = returns()
    free = walk_forward(r, equal, train=100, every=21, costs=0.0)
    paid = walk_forward(r, equal, train=100, every=21, costs=0.01)
    assert paid.costs > 0 and paid.values.iloc[-1] < free.values.iloc[-1]
    assert paid.summary()["annual_return"] < free.summary()["annual_return"]


def test_policies_trade_less() -> None:
    r = returns()
    always = walk_forward(r, equal, train=100, every=5, policy=Calendar())
    band = walk_forward(r, equal, train=100, every=5, policy=DriftBand(0.03))
    lazy = walk_forward(r, equal, train=100, every=5, policy=CostBenefit(risk_aversion=1.0))
    assert band.trades < always.trades and band.turnover < always.turnover
    assert lazy.trades < always.trades


def test_contributions_are_not_gains() -> None:
    flat = pd.DataFrame(
        0.0, index=pd.bdate_range("2020-01-01", periods=300, tz="UTC"), columns=["A", "B"]
    )
    result = walk_forward(flat, equal, train=50, every=20, costs=0.0, contribution=0.1)
    assert np.allclose(result.returns.to_numpy(), 0.0)
    assert result.values.iloc[-1] == pytest.approx(1.0 + 0.1 * 12)


def test_no_look_ahead() -> None:
    r = returns()
    seen: list[pd.Timestamp] = []

    def spy(window: pd.DataFrame) -> np.ndarray:
        seen.append(window.index[-1])
        return equal(window)

    walk_forward(r, spy, train=100, every=50)
    starts = list(r.index[100::50])
    assert all(last < start for last, start in zip(seen, starts, strict=True))


def test_bad_input() -> None:
    r = returns()
    gappy = r.copy()
    gappy.iloc[5, 1] = np.nan
    for kwargs, rule in (
        ({"returns": gappy}, "frame_without_gaps"),
        ({"train": 1000}, "longer_than_train"),
        ({"costs": 0.5}, "rate_between_0_and_0.10"),
        ({"allocate": lambda w: np.ones(w.shape[1])}, "weights_sum_to_at_most_1"),
        ({"allocate": lambda w: np.ones(2)}, "one_weight_per_asset"),
    ):
        args: dict[str, object] = {"returns": r, "allocate": equal, "train": 100}
        args.update(kwargs)
        with pytest.raises(ValidationError) as caught:
            walk_forward(args.pop("returns"), args.pop("allocate"), **args)  # type: ignore[arg-type]
        assert caught.value.rule == rule
