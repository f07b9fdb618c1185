"""The engine's assessments equal a straightforward reference on a real stream, bit for bit.

The reference is the engine's definition written plainly: a context dict per event with the raw
feature values, the model scored by ``Booster.predict`` one batch at a time, the rules evaluated
over that context, the features cleaned NaN -> None one by one. The engine takes shortcuts
(cleaned features as the rules' context, the model's C fast paths, shared low-risk reasons);
whatever they are, each assessment must be the same, feature types (int counts) included.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from finbrain.core.decision import BilingualText, Reason
from finbrain.datasets import load_fraud_handbook
from finbrain.risk.engine import MAX_SCORE, Assessment, RiskEngine, Thresholds
from finbrain.risk.events import Event, events_from_frame, frame_from_handbook
from finbrain.risk.model import RiskModel, extended_feature_set
from finbrain.risk.rules import RuleSet, compile_rules, load_default_rules
from finbrain.risk.windows import OnlineWindows


@pytest.fixture(scope="module")
def stream() -> tuple[list[Event], list[Event], pd.DataFrame]:
    """Customers 0-599, April 1 - May 20: warm-up until May 10, then ~6k timed events."""
    raw = load_fraud_handbook()
    raw = raw[(raw["TX_TIME_DAYS"] < 50) & (raw["CUSTOMER_ID"] < 600)]
    frame = frame_from_handbook(raw)
    events = list(events_from_frame(frame.drop(columns=["is_fraud", "seq"])))
    cut = pd.Timestamp("2018-05-10", tz="UTC")
    warm = [e for e in events if e.occurred_at < cut]
    timed = [e for e in events if e.occurred_at >= cut]
    return warm, timed, frame


@pytest.fixture(scope="module")
def model(stream: tuple[list[Event], list[Event], pd.DataFrame]) -> RiskModel:
    warm, _, frame = stream
    fs = extended_feature_set()
    windows = OnlineWindows(fs)
    rows = [windows.update_row(e) for e in warm]
    labels = frame["is_fraud"].to_numpy()[: len(warm)]
    return RiskModel(n_estimators=60).fit(np.asarray(rows), labels, feature_set=fs)


def _rules() -> RuleSet:
    """The starter rules with lower thresholds (more hits, reviews and blocks), one shadow."""
    base = load_default_rules().to_dict()
    rules = []
    for i, rule in enumerate(base["rules"]):
        rule = dict(rule)
        rule["when"] = rule["when"].replace(">= 10000", ">= 150").replace(">= 3", ">= 2")
        rule["mode"] = "shadow" if i == 1 else rule.get("mode", "active")
        rules.append(rule)
    base["rules"] = rules
    return RuleSet.from_dict(base)


def _reference(engine: RiskEngine, events: list[Event]) -> list[Assessment]:
    """``assess_many`` written plainly (what the engine must equal)."""
    names = engine.features.names
    rules = compile_rules(_rules(), engine.schema)
    rows = [engine.windows.update_row(e) for e in events]
    model = engine.model
    assert isinstance(model, RiskModel)
    matrix = np.asarray(rows, dtype=np.float64)[:, [names.index(n) for n in model.feature_names]]
    probabilities = [float(p) for p in model.booster_.predict(matrix, num_threads=1)]
    out = []
    for i, event in enumerate(events):
        values = dict(zip(names, rows[i], strict=True))
        p = probabilities[i]
        context: dict[str, Any] = {
            **values,
            "amount": float(event.amount),
            "kind": event.kind,
            "currency": event.currency,
            "channel": event.channel,
            "mcc": event.mcc,
            "country": event.country,
            "model_score": p * MAX_SCORE,
        }
        outcome = rules.evaluate(context)
        score = min(MAX_SCORE, max(0.0, p * MAX_SCORE + outcome.score))
        action = outcome.action
        if score >= engine.thresholds.block:
            action = "block"
        elif score >= engine.thresholds.review and action == "allow":
            action = "review"
        reasons = outcome.reasons()
        if action != "allow":
            reasons.extend(model.explain(matrix[i], top=3))
        if not reasons:
            text = BilingualText(
                zh=f"风险评分 {score:.0f}，未触发规则", en=f"Risk score {score:.0f}; no rule fired"
            )
            reasons = [Reason(code="RISK-LOW", text=text, contribution=0.0)]
        features = {k: None if math.isnan(v) else v for k, v in values.items()}
        out.append(
            Assessment(
                event.event_id, features, p, score, action, outcome.hits, outcome.shadow_hits,
                reasons,
            )
        )  # fmt: skip
    return out


@pytest.mark.slow
@pytest.mark.parametrize("size", [1, 16, 64])
def test_assessments_equal_the_reference_exactly(
    stream: tuple[list[Event], list[Event], pd.DataFrame], model: RiskModel, size: int
) -> None:
    warm, timed, _ = stream
    fs = extended_feature_set()
    thresholds = Thresholds(review=300.0, block=700.0)
    engine = RiskEngine(fs, _rules(), model, thresholds=thresholds)
    engine.replay(warm)
    state = engine.snapshot()
    got = [a for k in range(0, len(timed), size) for a in engine.assess_many(timed[k : k + size])]
    reference_engine = RiskEngine(fs, _rules(), model, thresholds=thresholds)
    reference_engine.restore(state)
    expected = _reference(reference_engine, timed)
    assert len(got) == len(expected) > 5000
    actions = {a.action for a in got}
    assert actions == {"allow", "review", "block"}, actions  # every branch is exercised
    assert sum(bool(a.hits) for a in got) > 100 and sum(bool(a.shadow_hits) for a in got) > 10
    assert any(v is None for a in got for v in a.features.values())  # NaN features cleaned
    for a, b in zip(got, expected, strict=True):
        assert a == b
        assert repr(a) == repr(b)  # types too: counts stay ints, scores floats
