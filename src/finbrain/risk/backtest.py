"""Backtest a rule set over labelled history: what each rule and the whole set would have done.

The frame has one row per historical event, a column per schema field the rules read (named by
schema key, NaN/None for missing), a label column (1/True = fraud) and, for alert volumes per
day, a timestamp column. Conditions run on the numpy backend of the expression language (the
same AST as the live closures, tested to agree), so 100k events take well under a second.

Definitions (``n`` events, ``F`` frauds):

* per rule: ``hits``; ``hit_rate = hits / n``; ``precision = fraud hits / hits``;
  ``recall = fraud hits / F`` (the share of all fraud this rule catches); ``alerts_per_day =
  hits / days``; ``incremental_hits`` / ``incremental_fraud``: hits that no *other active* rule
  also hits (what the rule adds; for a shadow rule, what activating it would add).
* per set: an event's action is the most severe action among its active hits (``allow`` when
  none); an *alert* is an event whose action is ``review`` or ``block``; ``flagged`` counts
  events with any active hit (score-only rules included). ``precision``, ``recall`` and
  ``alerts_per_day`` are over alerts. ``with_shadow`` repeats this with the shadow rules active.
* ``days`` is the number of UTC calendar days from the first to the last event, inclusive.

Rates with a zero denominator are ``None`` (JSON ``null``), never 0.
"""

from __future__ import annotations

import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.risk.expressions import Schema, frame_columns
from finbrain.risk.rules import ACTIONS, MAX_SCORE, SEVERITY, CompiledRules, RuleSet, compile_rules

__all__ = ["BacktestReport", "RuleStats", "SetStats", "backtest", "evaluate_frame"]


@dataclass(frozen=True)
class RuleStats:
    rule_id: str
    mode: str
    action: str | None
    score: float
    hits: int
    hit_rate: float | None
    fraud_hits: int
    precision: float | None
    recall: float | None
    alerts_per_day: float | None
    incremental_hits: int
    incremental_fraud: int


@dataclass(frozen=True)
class SetStats:
    alerts: int
    fraud_alerts: int
    flagged: int
    precision: float | None
    recall: float | None
    alert_rate: float | None
    alerts_per_day: float | None
    actions: dict[str, int]
    mean_score: float | None


@dataclass(frozen=True)
class BacktestReport:
    version: int
    digest: str
    events: int
    frauds: int
    days: int | None
    rules: tuple[RuleStats, ...]
    active: SetStats
    with_shadow: SetStats
    seconds: float

    def rule(self, rule_id: str) -> RuleStats:
        for stats in self.rules:
            if stats.rule_id == rule_id:
                return stats
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (ints, floats, str, None, lists, dicts)."""
        return asdict(self) | {"rules": [asdict(r) for r in self.rules]}


def _ratio(num: int | float, den: int | float) -> float | None:
    return float(num) / float(den) if den else None


def evaluate_frame(
    compiled: CompiledRules,
    frame: pd.DataFrame,
    *,
    backend: Literal["numpy", "closure"] = "numpy",
) -> pd.DataFrame:
    """One boolean column per enabled rule (rule id), True where the rule fires on that row.

    ``numpy`` evaluates each condition once over whole columns; ``closure`` runs the live
    per-event closures row by row (slow; it exists so the two can be checked against each other).
    """
    names = list(dict.fromkeys(n for c in compiled.compiled for n in c.expression.names))
    n = len(frame)
    out: dict[str, np.ndarray] = {}
    if backend == "numpy":
        columns = frame_columns(frame, compiled.schema, names)
        for c in compiled.compiled:
            values, valid = c.expression.evaluate_columns(columns, n)
            out[c.rule.id] = np.asarray(values, dtype=bool) & valid
    else:
        frame_columns(frame, compiled.schema, names)  # same column checks as the numpy path
        records: list[dict[str, Any]] = (
            [{str(k): v for k, v in row.items()} for row in frame[names].to_dict("records")]
            if names
            else [{}] * n
        )
        for c in compiled.compiled:
            fn = c.expression.fn
            out[c.rule.id] = np.fromiter((bool(fn(r)) for r in records), dtype=bool, count=n)
    return pd.DataFrame(out, index=frame.index)


def _labels(frame: pd.DataFrame, label: str) -> np.ndarray:
    if label not in frame.columns:
        raise ValidationError("label column missing", field=f"frame.{label}", rule="missing_column")
    series = frame[label]
    if series.isna().any():
        raise ValidationError("labels must not be missing", field=f"frame.{label}", rule="required")
    try:
        values = series.to_numpy(dtype="float64")
    except (TypeError, ValueError):
        raise ValidationError(
            "labels must be 0/1 or booleans", field=f"frame.{label}", rule="type"
        ) from None
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValidationError("labels must be 0/1 or booleans", field=f"frame.{label}", rule="type")
    result: np.ndarray = values == 1.0
    return result


def _days(frame: pd.DataFrame, time: str | None) -> int | None:
    if time is None:
        return None
    if time not in frame.columns:
        raise ValidationError(
            "timestamp column missing", field=f"frame.{time}", rule="missing_column"
        )
    series = frame[time]
    if len(series) == 0:
        return None
    try:
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            stamps = pd.to_datetime(series, unit="s", utc=True)  # epoch seconds
        else:
            stamps = pd.to_datetime(series, utc=True)
    except (TypeError, ValueError):
        raise ValidationError(
            "timestamps must be datetimes or epoch seconds", field=f"frame.{time}", rule="type"
        ) from None
    if stamps.isna().any():
        raise ValidationError(
            "timestamps must not be missing", field=f"frame.{time}", rule="required"
        )
    first, last = stamps.min().normalize(), stamps.max().normalize()
    return int((last - first).days) + 1


def _set_stats(
    hits: Mapping[str, np.ndarray],
    rules: Sequence[tuple[str, str | None, float]],
    fraud: np.ndarray,
    days: int | None,
) -> SetStats:
    n = len(fraud)
    severity = np.zeros(n, dtype=np.int8)
    flagged = np.zeros(n, dtype=bool)
    score = np.zeros(n, dtype=np.float64)
    for rule_id, action, points in rules:
        fired = hits[rule_id]
        flagged |= fired
        score += np.where(fired, points, 0.0)
        if action is not None:
            np.maximum(severity, np.where(fired, SEVERITY[action], 0), out=severity)
    alert = severity >= SEVERITY["review"]
    alerts = int(alert.sum())
    fraud_alerts = int((alert & fraud).sum())
    actions: dict[str, int] = {a: int((severity == SEVERITY[a]).sum()) for a in ACTIONS}
    return SetStats(
        alerts=alerts,
        fraud_alerts=fraud_alerts,
        flagged=int(flagged.sum()),
        precision=_ratio(fraud_alerts, alerts),
        recall=_ratio(fraud_alerts, int(fraud.sum())),
        alert_rate=_ratio(alerts, n),
        alerts_per_day=_ratio(alerts, days) if days is not None else None,
        actions=actions,
        mean_score=float(np.minimum(score, MAX_SCORE).mean()) if n else None,
    )


def backtest(
    ruleset: RuleSet,
    frame: pd.DataFrame,
    schema: Schema | None = None,
    *,
    label: str = "fraud",
    time: str | None = "timestamp",
) -> BacktestReport:
    """Replay ``ruleset`` over ``frame`` and measure each rule and the set (see module doc).

    ``schema`` defaults to the rule set's declared schema; ``time=None`` skips per-day volumes.
    Raises ``ValidationError`` for a bad rule set, a missing or mistyped column, or bad labels.
    """
    started = _time.perf_counter()
    compiled = compile_rules(ruleset, schema)
    fraud = _labels(frame, label)
    days = _days(frame, time)
    table = evaluate_frame(compiled, frame)
    hits = {rule_id: table[rule_id].to_numpy() for rule_id in table.columns}
    n, frauds = len(frame), int(fraud.sum())
    enabled = [c.rule for c in compiled.compiled]
    active = [r for r in enabled if r.mode == "active"]
    # How many active rules hit each event: a hit is incremental where no other active rule did.
    active_count = np.zeros(n, dtype=np.int32)
    for r in active:
        active_count += hits[r.id]
    stats: list[RuleStats] = []
    for r in enabled:
        fired = hits[r.id]
        count = int(fired.sum())
        fraud_hits = int((fired & fraud).sum())
        others = active_count - fired if r.mode == "active" else active_count
        alone = fired & (others == 0)
        stats.append(
            RuleStats(
                rule_id=r.id,
                mode=r.mode,
                action=r.action,
                score=r.score,
                hits=count,
                hit_rate=_ratio(count, n),
                fraud_hits=fraud_hits,
                precision=_ratio(fraud_hits, count),
                recall=_ratio(fraud_hits, frauds),
                alerts_per_day=_ratio(count, days) if days is not None else None,
                incremental_hits=int(alone.sum()),
                incremental_fraud=int((alone & fraud).sum()),
            )
        )
    as_rules = [(r.id, r.action, r.score) for r in active]
    all_rules = [(r.id, r.action, r.score) for r in enabled]
    return BacktestReport(
        version=ruleset.version,
        digest=ruleset.digest,
        events=n,
        frauds=frauds,
        days=days,
        rules=tuple(stats),
        active=_set_stats(hits, as_rules, fraud, days),
        with_shadow=_set_stats(hits, all_rules, fraud, days),
        seconds=_time.perf_counter() - started,
    )
