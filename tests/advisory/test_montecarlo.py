"""Goal probability by block bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finbrain.advisory.montecarlo import goal_probability
from finbrain.advisory.promises import find_promises
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money

from .test_backtest import returns


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def test_a_certain_path_is_exact() -> None:
    flat = pd.DataFrame(0.0004, index=pd.bdate_range("2020-01-01", periods=300), columns=["A"])
    years = 3
    grown = 100_000 * 1.0004 ** (21 * 12 * years)
    for target, expected in ((grown * 0.999, 1.0), (grown * 1.001, 0.0)):
        goal = goal_probability(
            flat, [1.0], initial=cny("100000"), target=cny(f"{target:.2f}"), years=years, paths=200
        )
        assert goal.probability == expected
        assert goal.fan[50].iloc[-1] == pytest.approx(grown)


def test_contributions_and_the_fan() -> None:
    r = returns(1000)
    w = np.full(4, 0.25)
    plain = goal_probability(r, w, initial=cny("100000"), target=cny("160000"), years=10)
    saving = goal_probability(
        r, w, initial=cny("100000"), target=cny("160000"), years=10, monthly_contribution=cny("500")
    )
    assert saving.probability > plain.probability
    assert saving.invested == cny("160000")
    fan = plain.fan.to_numpy()
    assert (np.diff(fan, axis=1) >= 0).all()  # percentiles ordered in every year
    assert list(plain.fan.index) == list(range(1, 11))
    harder = goal_probability(r, w, initial=cny("100000"), target=cny("300000"), years=10)
    assert harder.probability < plain.probability
    text = plain.reason().text
    assert "不是预测" in text.zh and "not a forecast" in text.en and not find_promises(text)


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"weights": [0.5, 0.6, 0, 0]}, "weights", "weights_sum_to_at_most_1"),
        ({"weights": [1.0]}, "weights", "one_weight_per_column"),
        ({"target": Money("1", "USD")}, "target", "same_currency"),
        ({"target": cny("0")}, "target", "positive"),
        ({"initial": cny("-1")}, "initial", "not_negative"),
        ({"years": 0}, "years", "whole_years_1_to_60"),
        ({"paths": 5}, "paths", "between_100_and_1000000"),
        ({"block": 10}, "block", "whole_months_of_21_days"),
    ],
)
def test_bad_input(kwargs: dict[str, object], field: str, rule: str) -> None:
    args: dict[str, object] = {
        "weights": [0.25] * 4,
        "initial": cny("1000"),
        "target": cny("2000"),
        "years": 5,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        goal_probability(returns(300), args.pop("weights"), **args)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == (field, rule)
