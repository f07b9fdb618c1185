"""Backtests: numbers checked against a frame small enough to count by hand."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from finbrain.core.errors import ValidationError
from finbrain.risk.backtest import backtest, evaluate_frame
from finbrain.risk.rules import RuleSet, compile_rules, load_default_rules

SCHEMA = {"amount": "number", "cnt": "number", "channel": "string"}


def _rule(id: str, when: str, score: float, action: str | None, mode: str = "active") -> Any:
    return {
        "id": id,
        "when": when,
        "score": score,
        "action": action,
        "tags": [],
        "reason": {"zh": "命中", "en": "hit"},
        "mode": mode,
    }


RULES = RuleSet.from_dict(
    {
        "version": 4,
        "schema": SCHEMA,
        "rules": [
            _rule("R-A", "amount > 100", 50, "review"),
            _rule("R-B", "cnt >= 3", 300, "block"),
            _rule("R-C", "channel == 'atm'", 10, None),
            _rule("R-S", "amount > 50", 20, "review", mode="shadow"),
        ],
    }
)
D1, D2, D3 = "2024-03-01 10:00", "2024-03-02 12:00", "2024-03-03 23:59"
# amount, cnt, channel, fraud, timestamp      hits (by hand)
ROWS = [
    (150.0, 1, "pos", 1, D1),  # A S
    (20.0, 5, "atm", 1, D1),  # B C
    (200.0, 4, "ecom", 0, D2),  # A B S
    (60.0, 0, "pos", 0, D2),  # S
    (math.nan, 3, "atm", 0, D2),  # B C        (amount missing: A and S stay quiet)
    (120.0, math.nan, "pos", 1, D3),  # A S
    (10.0, 1, "pos", 1, D3),  # -
    (101.0, 2, None, 0, D3),  # A S
]


def frame() -> pd.DataFrame:
    f = pd.DataFrame(ROWS, columns=["amount", "cnt", "channel", "fraud", "timestamp"])
    f["timestamp"] = pd.to_datetime(f["timestamp"], utc=True)
    return f


def test_per_rule_numbers_match_the_hand_count() -> None:
    report = backtest(RULES, frame())
    assert (report.events, report.frauds, report.days, report.version) == (8, 4, 3, 4)
    a, b, c, s = (report.rule(x) for x in ("R-A", "R-B", "R-C", "R-S"))
    assert (a.hits, a.fraud_hits, a.hit_rate, a.precision, a.recall) == (4, 2, 0.5, 0.5, 0.5)
    assert a.alerts_per_day == pytest.approx(4 / 3)
    assert (a.incremental_hits, a.incremental_fraud) == (3, 2)  # rows 0, 5, 7
    assert (b.hits, b.fraud_hits, b.precision, b.recall) == (3, 1, pytest.approx(1 / 3), 0.25)
    assert (b.incremental_hits, b.incremental_fraud) == (0, 0)
    assert (c.hits, c.fraud_hits, c.precision, c.action) == (2, 1, 0.5, None)
    assert (s.mode, s.hits, s.fraud_hits, s.precision) == ("shadow", 5, 2, 0.4)
    assert (s.incremental_hits, s.incremental_fraud) == (1, 0)  # row 3: no active rule hits it


def test_set_numbers_match_the_hand_count() -> None:
    report = backtest(RULES, frame())
    act = report.active
    # actions: rows 0,5,7 review; 1,2,4 block; 3,6 allow
    assert act.actions == {"allow": 2, "review": 3, "block": 3}
    assert (act.alerts, act.fraud_alerts, act.flagged) == (6, 3, 6)
    assert (act.precision, act.recall, act.alert_rate, act.alerts_per_day) == (0.5, 0.75, 0.75, 2.0)
    assert act.mean_score == (50 + 310 + 350 + 0 + 310 + 50 + 0 + 50) / 8
    both = report.with_shadow
    assert both.actions == {"allow": 1, "review": 4, "block": 3}
    assert (both.alerts, both.fraud_alerts) == (7, 3)
    assert both.precision == pytest.approx(3 / 7)


def test_report_is_json_friendly() -> None:
    report = backtest(RULES, frame())
    d = json.loads(json.dumps(report.to_dict()))
    assert d["active"]["alerts"] == 6
    assert [r["rule_id"] for r in d["rules"]] == ["R-A", "R-B", "R-C", "R-S"]
    assert d["digest"] == RULES.digest


def test_undefined_rates_are_none_and_time_is_optional() -> None:
    quiet = RuleSet.from_dict(
        {"version": 1, "schema": SCHEMA, "rules": [_rule("R-Q", "amount > 1e9", 1, "block")]}
    )
    f = frame()
    f["fraud"] = 0
    report = backtest(quiet, f, time=None)
    stats = report.rule("R-Q")
    assert (stats.hits, stats.precision, stats.recall, stats.alerts_per_day) == (
        0,
        None,
        None,
        None,
    )
    assert report.days is None and report.active.precision is None


def test_epoch_seconds_timestamps() -> None:
    f = frame()
    epoch = pd.Timestamp(0, tz="UTC")
    f["timestamp"] = (f["timestamp"] - epoch).dt.total_seconds()
    assert backtest(RULES, f).days == 3


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda f: f.drop(columns=["cnt"]), "frame.cnt", "missing_column"),
        (lambda f: f.drop(columns=["fraud"]), "frame.fraud", "missing_column"),
        (lambda f: f.drop(columns=["timestamp"]), "frame.timestamp", "missing_column"),
        (lambda f: f.assign(fraud=[1, 0, 2, 0, 0, 0, 0, 0]), "frame.fraud", "type"),
        (lambda f: f.assign(fraud=[1, 0, None, 0, 0, 0, 0, 0]), "frame.fraud", "required"),
        (lambda f: f.assign(amount=["x"] * 8), "frame.amount", "type"),
        (lambda f: f.assign(channel=[1.0] * 8), "frame.channel", "type"),
    ],
)
def test_bad_frames_are_refused(mutate: Any, field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        backtest(RULES, mutate(frame()))
    assert (info.value.field, info.value.rule) == (field, rule)


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """Random events over the default schema, with missing values in every column."""
    rng = np.random.default_rng(seed)
    rs = load_default_rules()
    assert rs.schema is not None
    f = pd.DataFrame(
        {
            "amount": rng.lognormal(4, 1.5, n).round(2),
            "channel": rng.choice(["pos", "ecom", "atm", "mobile", "online"], n),
            "mcc": rng.choice(["5411", "7995", "4829", "5812"], n),
            "country": rng.choice(["CN", "FR", "US"], n, p=[0.8, 0.1, 0.1]),
            "home_country": rng.choice(["CN", "FR"], n, p=[0.9, 0.1]),
            "hour": rng.integers(0, 24, n).astype(float),
            "is_weekend": rng.random(n) < 2 / 7,
            "account_age_days": rng.integers(0, 3000, n).astype(float),
            "cust_count_1h": rng.poisson(1.5, n).astype(float),
            "cust_count_1d": rng.poisson(8, n).astype(float),
            "cust_sum_amount_1d": rng.lognormal(7, 1.5, n),
            "cust_avg_amount_30d": rng.lognormal(4, 0.7, n),
            "cust_terminals_1d": rng.poisson(3, n).astype(float),
            "cust_distinct_countries_1d": rng.poisson(0.5, n).astype(float),
            "secs_since_cust_prev": rng.exponential(600, n),
            "term_count_1d": rng.poisson(40, n).astype(float),
            "term_risk_7d": rng.beta(0.3, 5, n),
        }
    )
    for column, kind in rs.schema.items():
        holes = rng.random(n) < 0.05
        f[column] = f[column].astype(object if kind != "number" else float)
        f.loc[holes, column] = None if kind != "number" else np.nan
    f["fraud"] = (rng.random(n) < 0.02).astype(int)
    f["timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 14 * 86400, n), unit="s"
    )
    return f


def test_numpy_and_closure_backends_agree_on_the_default_rules() -> None:
    compiled = compile_rules(load_default_rules())
    f = synthetic(3000, seed=1)
    fast = evaluate_frame(compiled, f)
    slow = evaluate_frame(compiled, f, backend="closure")
    assert fast.equals(slow)
    assert fast.to_numpy().sum() > 500  # the frame actually exercises the rules
    assert (fast.sum() > 0).sum() >= 15


def test_hundred_thousand_events_backtest_in_seconds() -> None:
    f = synthetic(100_000)
    report = backtest(load_default_rules(), f)
    assert report.events == 100_000 and report.days == 14
    assert report.seconds < 5.0, report.seconds
    # set precision is consistent with the per-rule counts it summarises
    assert report.active.alerts <= sum(r.hits for r in report.rules if r.mode == "active")
    assert sum(report.active.actions.values()) == 100_000
