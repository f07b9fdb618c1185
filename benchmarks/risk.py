"""Card-fraud risk: finbrain's model vs the handbook's, on the handbook's own protocol.

Quality (``quality``): four weekly folds (training weeks from 2018-07-04 to 2018-07-25; train
7 days, skip a 7-day label delay, test the next 7 days day by day, customers known to be
compromised removed — ``finbrain.risk.protocol``). Systems, all on the same folds and rows:

* ``lightgbm-handbook15``: a plain LightGBM (300 trees, learning rate 0.05, otherwise LightGBM
  defaults) on the handbook's 15 features, computed here with the handbook's own window
  semantics (pandas ``rolling`` on time: the customer windows are ``(t - n days, t]``; the
  terminal windows ``(t - 7 - n days, t - 7 days]``). Also scored without the removals, to show
  how much they matter (task ``fraud_handbook_no_removals``).
* ``handbook-xgboost-published``: the handbook's published XGBoost after model selection
  (ch. 5: AUC 0.872, AP 0.687–0.694, CP@100 0.303), cited, not measured.
* ``finbrain``: ``RiskModel`` (defaults) on ``extended_feature_set()``, computed over the whole
  stream by the windows' DuckDB SQL (``to_sql``): exactly what the online engine computes.
* ``ceiling-delayed-labels``: card precision@100 of an oracle that ranks first exactly the
  frauds whose signal exists under the 7-day label delay (amount scenarios, and compromised
  terminals with a confirmed fraud in the delayed 30-day window): about the best any model can
  reach with these features' information. A reference, not a system. It is generous: a
  terminal's single unrelated fraud (an amount or leaked-card fraud there) makes every later
  compromise of it count, so ``ceiling-same-episode`` counts a compromised-terminal fraud only
  when a compromised-terminal fraud of the same 28-day compromise is already known (known
  frauds of that scenario at the terminal within ``[t - 28 days, t - 7 days)``).

``--all-folds`` adds task ``fraud_handbook_weekly``: the same systems on every weekly fold of
the handbook folds' grid that the data supports, training weeks from 2018-05-09 (the first
Wednesday with 37 days of history before it: 30-day windows behind the 7-day label delay; the
extended set's 60-day "usual spending" window is complete from mid-June) to 2018-09-05 (last test
day 2018-09-25). Each row keeps its per-fold values (``per_fold``, by training week); the console
prints the table. ``fraud_handbook`` stays the four handbook folds.

Speed (``model_speed``): LightGBM scoring of one event (p50/p99) and of batches of 64 and 256
with one thread, and one ``explain`` call (TreeSHAP). The engine and HTTP sections are added by
their owners as further functions called from ``main``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import lightgbm as lgb
import numpy as np
import pandas as pd
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import RESULTS, percentiles, row, write_results
from finbrain.core.settings import Settings
from finbrain.datasets import load_fraud_handbook
from finbrain.datasets.files import verified_path
from finbrain.platform import registry, tenancy
from finbrain.platform.risk.service import default_rules, event_json, register_model, train_model
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade
from finbrain.risk.engine import RiskEngine
from finbrain.risk.events import (
    AMOUNT_SCALE,
    Event,
    epoch_micros,
    events_from_frame,
    frame_from_handbook,
    handbook_sql,
)
from finbrain.risk.features import LABEL_DELAY
from finbrain.risk.model import RiskModel, extended_feature_set
from finbrain.risk.protocol import HANDBOOK_TEST_STARTS, Fold, evaluate, folds
from finbrain.risk.rules import RuleSet
from finbrain.risk.windows import FeatureSet, OnlineWindows, Window
from finbrain.risk.windows_sql import to_sql

console = Console()
TASK = "fraud_handbook"
DAY = 86_400
METRICS = ("ap", "auc", "cp100")
HANDBOOK15 = [
    "TX_AMOUNT",
    "TX_DURING_WEEKEND",
    "TX_DURING_NIGHT",
    *(f"CUSTOMER_ID_{m}_{n}DAY_WINDOW" for n in (1, 7, 30) for m in ("NB_TX", "AVG_AMOUNT")),
    *(f"TERMINAL_ID_{m}_{n}DAY_WINDOW" for n in (1, 7, 30) for m in ("NB_TX", "RISK")),
]
# Published, Le Borgne et al., Reproducible ML for Credit Card Fraud Detection, ch. 5.
PUBLISHED_XGBOOST = {"ap": 0.69, "auc": 0.872, "cp100": 0.303}
WEEKLY_TASK = f"{TASK}_weekly"
# Every weekly fold on the handbook folds' grid (Wednesdays) whose rows have complete 30-day
# windows behind the 7-day label delay (data from 2018-04-01) and whose test week ends by
# 2018-09-30.
WEEKLY_STARTS = tuple(str(d.date()) for d in pd.date_range("2018-05-09", "2018-09-05", freq="7D"))
COMPROMISE = 28 * DAY  # the simulator's compromised terminals stay compromised 28 days
# system -> training week -> metric -> value
Scores = dict[str, dict[str, dict[str, float]]]


# -- the handbook's 15 features -------------------------------------------------------------
def _rolling(
    key: np.ndarray, seconds: np.ndarray, values: np.ndarray, width: int, shift: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Count and sum of ``values`` per row over the rows j <= i with the same key and
    ``t_i - shift - width < t_j <= t_i - shift`` (pandas time rolling, shifted by ``shift``)."""
    order = np.lexsort((np.arange(len(key)), seconds, key))
    k, t, v = key[order], seconds[order], values[order]
    span = int(t.max() - t.min()) + width + shift + 1
    combined = (k - k.min()) * span + (t - t.min())  # keys never overlap on this line
    prefix = np.concatenate([[0.0], np.cumsum(v)])
    lo = np.searchsorted(combined, combined - shift - width, side="right")
    hi = (
        np.searchsorted(combined, combined - shift, side="right")
        if shift
        else np.arange(1, len(k) + 1)
    )
    count, total = np.empty(len(k)), np.empty(len(k))
    count[order] = hi - lo
    total[order] = prefix[hi] - prefix[lo]
    return count, total


def handbook_features(df: pd.DataFrame) -> pd.DataFrame:
    """The handbook's ch. 3 feature transformation (15 features, terminal delay 7 days)."""
    seconds = df["TX_DATETIME"].astype("int64").to_numpy() // 10**9
    amount = df["TX_AMOUNT"].to_numpy(dtype=float)
    customer = df["CUSTOMER_ID"].to_numpy()
    terminal = df["TERMINAL_ID"].to_numpy()
    fraud = df["TX_FRAUD"].to_numpy(dtype=float)
    out = pd.DataFrame(index=df.index)
    out["TX_AMOUNT"] = amount
    out["TX_DURING_WEEKEND"] = (df["TX_DATETIME"].dt.day_of_week >= 5).astype(float)
    out["TX_DURING_NIGHT"] = (df["TX_DATETIME"].dt.hour <= 6).astype(float)
    for n in (1, 7, 30):
        count, total = _rolling(customer, seconds, amount, n * DAY)
        out[f"CUSTOMER_ID_NB_TX_{n}DAY_WINDOW"] = count
        out[f"CUSTOMER_ID_AVG_AMOUNT_{n}DAY_WINDOW"] = total / count
    for n in (1, 7, 30):
        count, frauds = _rolling(terminal, seconds, fraud, n * DAY, shift=7 * DAY)
        out[f"TERMINAL_ID_NB_TX_{n}DAY_WINDOW"] = count
        out[f"TERMINAL_ID_RISK_{n}DAY_WINDOW"] = np.where(
            count > 0, frauds / np.maximum(count, 1), 0.0
        )
    return out[HANDBOOK15]


# -- finbrain's features: the windows' DuckDB SQL -------------------------------------------
def window_features(fs: FeatureSet, df: pd.DataFrame, starts: list[str]) -> pd.DataFrame:
    """``fs`` over the handbook stream by ``to_sql``, aligned with ``df``'s rows.

    Only the days the folds read are computed: from the first training day minus the longest
    window (plus a week, for ``since_prev``) to the last test day; every row the folds use
    sees its complete windows. The 42 zero-amount payments are not events (NaN features).
    """
    longest = max((w.span + w.delay for w in fs.windows), default=timedelta(0))
    first = pd.Timestamp(min(starts), tz="UTC") - longest - timedelta(days=7)
    last = pd.Timestamp(max(starts), tz="UTC") + timedelta(days=21)
    source = handbook_sql(str(verified_path("fraud/handbook/transactions.parquet")))
    sliced = (
        f"SELECT * FROM ({source}) WHERE occurred_at >= TIMESTAMPTZ '{first.isoformat()}' "
        f"AND occurred_at < TIMESTAMPTZ '{last.isoformat()}'"
    )
    columns = ", ".join('"' + n + '"' for n in fs.names)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    frame = con.execute(f"SELECT event_id, {columns} FROM ({to_sql(fs, sliced)})").df()
    con.close()
    return frame.set_index("event_id").reindex(df["TRANSACTION_ID"].to_numpy())


# -- quality --------------------------------------------------------------------------------
def _lightgbm_handbook(X: np.ndarray, y: np.ndarray, fold: Fold) -> lgb.LGBMClassifier:
    model = lgb.LGBMClassifier(
        n_estimators=300, learning_rate=0.05, random_state=0, n_jobs=2, verbose=-1
    )
    return model.fit(X[fold.train], y[fold.train])


def _ceiling_scores(fold: Fold, scenario: np.ndarray, known_frauds_30d: np.ndarray) -> np.ndarray:
    """1 for the frauds whose signal exists under the label delay, else 0."""
    s, known = scenario[fold.test], known_frauds_30d[fold.test]
    return ((fold.test_label == 1) & ((s != 2) | (known > 0))).astype(float)


def known_episode_frauds(df: pd.DataFrame) -> np.ndarray:
    """Per row: the compromised-terminal (scenario 2) frauds at its terminal known under the
    label delay within the current compromise, i.e. in ``[t - 28 days, t - 7 days)``."""
    seconds = df["TX_DATETIME"].astype("int64").to_numpy() // 10**9
    delay = int(LABEL_DELAY.total_seconds())
    # _rolling's window is (t - shift - width, t - shift]: on whole seconds (the data's
    # resolution) these bounds give [t - 28 days, t - 7 days).
    _, known = _rolling(
        df["TERMINAL_ID"].to_numpy(),
        seconds,
        (df["TX_FRAUD_SCENARIO"].to_numpy() == 2).astype(float),
        COMPROMISE - delay,
        shift=delay + 1,
    )
    return known


def _summary(
    results: list[dict[str, Any]],
    task: str,
    system: str,
    per_fold: dict[str, dict[str, float]],
    *,
    keep_folds: bool = False,
) -> None:
    """Mean and spread over the folds of each metric; ``keep_folds`` adds the per-fold values
    (``per_fold``, by training week)."""
    line = []
    for metric in METRICS:
        values = {start: r[metric] for start, r in per_fold.items() if metric in r}
        if not values:
            continue
        mean = statistics.mean(values.values())
        spread = statistics.pstdev(values.values()) if len(values) > 1 else 0.0
        extra: dict[str, Any] = {}
        if keep_folds:
            extra["per_fold"] = {start: round(v, 6) for start, v in values.items()}
        results.append(row(task, system, metric, mean, len(values), spread, **extra))
        line.append(f"{metric} {mean:.3f} ± {spread:.3f}")
    console.print(f"{task:28s} {system:28s} " + "  ".join(line))


def _fold_table(by_system: Scores, starts: list[str]) -> None:
    """One line per fold: both ceilings' CP@100, then AP / AUC / CP@100 of the two models."""
    console.print(
        f"{'week':10s} {'ceiling':>7s} {'episode':>7s} | {'finbrain ap/auc/cp100':>20s} | "
        f"{'handbook15 ap/auc/cp100':>23s}"
    )
    for start in starts:
        ours, base = by_system["finbrain"][start], by_system["lightgbm-handbook15"][start]
        console.print(
            f"{start:10s} {by_system['ceiling-delayed-labels'][start]['cp100']:7.4f} "
            f"{by_system['ceiling-same-episode'][start]['cp100']:7.4f} | "
            f"{ours['ap']:.4f} {ours['auc']:.4f} {ours['cp100']:.4f} | "
            f"{'':3s}{base['ap']:.4f} {base['auc']:.4f} {base['cp100']:.4f}"
        )


def quality(args: Any) -> tuple[list[dict[str, Any]], RiskModel, pd.DataFrame]:
    """The four handbook folds (one with ``--quick``), plus every weekly fold with
    ``--all-folds``; returns the rows, the finbrain model of the last handbook fold and its
    test features (for the speed section)."""
    handbook = list(HANDBOOK_TEST_STARTS[:1] if args.quick else HANDBOOK_TEST_STARTS)
    weekly = list(WEEKLY_STARTS) if args.all_folds else []
    starts = sorted({*handbook, *weekly})
    t0 = time.perf_counter()
    df = load_fraud_handbook()
    hb = handbook_features(df).to_numpy(dtype=np.float64)
    fs = extended_feature_set()
    ours = window_features(fs, df, starts)
    console.print(
        f"features: handbook 15 + finbrain {len(fs.names)} ({fs.digest[:12]}) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    y = df["TX_FRAUD"].to_numpy()
    scenario = df["TX_FRAUD_SCENARIO"].to_numpy()
    X = ours.to_numpy(dtype=np.float64)
    known_30d = ours["term_frauds_30d"].to_numpy(dtype=np.float64)
    known_episode = known_episode_frauds(df)
    scores: Scores = {}
    no_removals: Scores = {}

    def add(table: Scores, system: str, start: str, result: dict[str, float]) -> None:
        table.setdefault(system, {})[start] = result

    model = RiskModel()
    last_fold: Fold | None = None
    for fold in folds(df, starts):
        t1 = time.perf_counter()
        start = str(fold.start.date())
        base = _lightgbm_handbook(hb, y, fold)
        add(
            scores,
            "lightgbm-handbook15",
            start,
            evaluate(fold, base.predict_proba(hb[fold.test])[:, 1]),
        )
        fitted = RiskModel().fit(X[fold.train], y[fold.train], feature_set=fs)
        result = evaluate(fold, fitted.predict_proba(X[fold.test])[:, 1])
        add(scores, "finbrain", start, result)
        for system, signal in (
            ("ceiling-delayed-labels", known_30d),
            ("ceiling-same-episode", known_episode),
        ):
            ceiling = evaluate(fold, _ceiling_scores(fold, scenario, signal))
            add(scores, system, start, {"cp100": ceiling["cp100"]})
        if start in handbook:
            everything = fold.without_removals()
            add(
                no_removals,
                "lightgbm-handbook15",
                start,
                evaluate(everything, base.predict_proba(hb[everything.test])[:, 1]),
            )
            add(
                no_removals,
                "finbrain",
                start,
                evaluate(everything, fitted.predict_proba(X[everything.test])[:, 1]),
            )
            model, last_fold = fitted, fold
        console.print(
            f"fold {start}: finbrain "
            + " ".join(f"{k} {v:.3f}" for k, v in result.items())
            + f"  ({time.perf_counter() - t1:.1f} s)"
        )
    results: list[dict[str, Any]] = []
    for system, by_start in scores.items():
        _summary(results, TASK, system, {s: by_start[s] for s in handbook})
        if system == "finbrain":
            model.metrics = {
                m: round(statistics.mean(by_start[s][m] for s in handbook), 6) for m in METRICS
            }
    for system, by_start in no_removals.items():
        _summary(results, f"{TASK}_no_removals", system, by_start)
    if weekly:
        for system, by_start in scores.items():
            _summary(
                results, WEEKLY_TASK, system, {s: by_start[s] for s in weekly}, keep_folds=True
            )
        _fold_table(scores, weekly)
    for metric, value in PUBLISHED_XGBOOST.items():
        results.append(
            row(
                TASK,
                "handbook-xgboost-published",
                metric,
                value,
                4,
                note="published (Le Borgne et al., Fraud Detection Handbook ch. 5, model "
                "selection, AP 0.687-0.694), not measured here",
            )
        )
    for r in results:
        if r["system"] == "ceiling-delayed-labels":
            r["note"] = (
                "reference, not a system: an oracle ranking first the frauds whose signal "
                "exists under the 7-day label delay"
            )
        elif r["system"] == "ceiling-same-episode":
            r["note"] = (
                "reference, not a system: the same oracle, counting a compromised-terminal "
                "fraud only when a fraud of the same compromise is already known"
            )
    assert last_fold is not None
    test_rows = pd.DataFrame(X[last_fold.test], columns=list(fs.names))
    return results, model, test_rows


# -- speed of the model itself --------------------------------------------------------------
def _timings(call: Any, repeats: int) -> Iterator[float]:
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        yield (time.perf_counter() - t0) * 1000


def model_speed(args: Any, model: RiskModel, X: pd.DataFrame) -> list[dict[str, Any]]:
    """LightGBM scoring with one thread: one event, batches of 64 and 256, one explanation."""
    results: list[dict[str, Any]] = []
    matrix = X[model.feature_names].to_numpy(dtype=np.float64)
    repeats = 300 if args.quick else 2000
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(matrix), size=repeats)
    single = iter(picks)
    samples = list(_timings(lambda: model.score_row(matrix[next(single)]), repeats))
    stats = percentiles(samples)
    for metric in ("p50_ms", "p99_ms"):
        results.append(row("risk_model_score_1_event", "finbrain", metric, stats[metric], repeats))
    console.print(
        f"score 1 event: p50 {stats['p50_ms'] * 1000:.0f} µs, p99 {stats['p99_ms'] * 1000:.0f} µs"
    )
    for size in (64, 256):
        batch = matrix[:size]
        times = list(
            _timings(
                lambda b=batch: model.fraud_probability(b, num_threads=1), max(20, repeats // 20)
            )
        )
        per_event_us = statistics.median(times) * 1000 / size
        results.append(
            row(f"risk_model_score_batch_{size}", "finbrain", "per_second", 1e6 / per_event_us, 1)
        )
        console.print(f"score batch {size}: {per_event_us:.1f} µs per event")
    explain_at = iter(picks)
    samples = list(_timings(lambda: model.explain(matrix[next(explain_at)]), repeats // 4))
    stats = percentiles(samples)
    for metric in ("p50_ms", "p99_ms"):
        results.append(
            row("risk_model_explain_1_event", "finbrain", metric, stats[metric], repeats // 4)
        )
    console.print(
        f"explain 1 event (TreeSHAP): p50 {stats['p50_ms'] * 1000:.0f} µs, "
        f"p99 {stats['p99_ms'] * 1000:.0f} µs"
    )
    return results


# -- speed of the engine, the anchors' SQL, HTTP and the full replay --------------------------
SPEED_TRAIN = ("2018-06-01", "2018-06-29")  # four weeks for the speed sections' champion
SPEED_START = "2018-07-01"  # the speed sections' events start here (after the training weeks)
BATCHES = (1, 16, 64)


def _handbook_slice(start: str, end: str) -> pd.DataFrame:
    df = load_fraud_handbook()
    return frame_from_handbook(df[(df["TX_DATETIME"] >= start) & (df["TX_DATETIME"] < end)])


def speed_model(args: Any) -> tuple[RiskModel, dict[str, Any]]:
    """The speed sections' champion: ``platform.risk.training.train_model`` on handbook weeks."""
    start, end = SPEED_TRAIN
    if args.quick:
        end = "2018-06-15"
    t0 = time.perf_counter()
    model, metrics = train_model(_handbook_slice(start, end))
    console.print(
        f"speed model: {start}..{end}, AP {metrics['ap']:.3f} AUC {metrics['auc']:.3f} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    return model, metrics


def fifty_rules() -> RuleSet:
    """The 17 starter rules plus 33 variants with other thresholds (x0.8, x1.25, x1.5): 50 rules,
    active and shadow in the starter set's proportions."""
    base = default_rules().to_dict()
    starters = list(base["rules"])
    rules = list(starters)
    factors = (1.25, 0.8, 1.5)
    i = 0
    while len(rules) < 50:
        rule = dict(starters[i % len(starters)])
        factor = factors[(i // len(starters)) % len(factors)]
        rule["id"] = f"{rule['id']}-V{i + 1}"
        rule["when"] = re.sub(
            r"(>=|<=|<|>) (\d+(?:\.\d+)?)",
            lambda m, f=factor: f"{m.group(1)} {float(m.group(2)) * f:g}",
            rule["when"],
        )
        rules.append(rule)
        i += 1
    base["rules"] = rules
    return RuleSet.from_dict(base)


def _events(frame: pd.DataFrame) -> list[Event]:
    return list(events_from_frame(frame.drop(columns=["is_fraud", "seq"])))


@dataclass
class SpeedData:
    """Warm-up history and timed events (handbook, in time order) for the speed sections."""

    warm: pd.DataFrame
    timed: pd.DataFrame
    warm_events: list[Event]
    timed_events: list[Event]
    labelled: list[str]  # warm events whose fraud label is known when the timing starts

    @classmethod
    def load(cls, args: Any) -> SpeedData:
        warm_days = 3 if args.quick else 10
        start = pd.Timestamp(SPEED_START, tz="UTC")
        cut = start + timedelta(days=warm_days)
        frame = _handbook_slice(SPEED_START, str((cut + timedelta(days=4)).date()))
        warm = frame[frame["occurred_at"] < cut].reset_index(drop=True)
        timed = frame[frame["occurred_at"] >= cut].reset_index(drop=True)
        timed = timed.head(6_000 if args.quick else 30_000)
        # The replay contract: a label is known a week after the payment (LABEL_DELAY).
        known = warm[(warm["occurred_at"] < cut - LABEL_DELAY) & (warm["is_fraud"] == 1)]
        return cls(
            warm,
            timed,
            _events(warm),
            _events(timed),
            [str(e) for e in known["event_id"]],
        )

    def warm_engine(self, engine: RiskEngine) -> None:
        engine.replay(self.warm_events)
        for event_id in self.labelled:
            engine.label(event_id, True)


class _NoExplain:
    """The same model without reasons: isolates what TreeSHAP costs the engine."""

    def __init__(self, model: RiskModel) -> None:
        self.model = model
        self.feature_names = model.feature_names

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(X)

    def explain(self, row: np.ndarray, top: int = 4) -> list[Any]:
        return []


def _timed_batches(
    engine: RiskEngine, events: list[Event], size: int
) -> tuple[float, list[float], dict[str, int]]:
    """Seconds in ``assess_many`` and the per-event latencies (a batch's time counts for each
    of its events)."""
    latencies: list[float] = []
    total = 0.0
    actions: dict[str, int] = {}
    for k in range(0, len(events), size):
        batch = events[k : k + size]
        t0 = time.perf_counter()
        out = engine.assess_many(batch)
        elapsed = time.perf_counter() - t0
        total += elapsed
        latencies.extend([elapsed * 1000] * len(batch))
        for a in out:
            actions[a.action] = actions.get(a.action, 0) + 1
    return total, latencies, actions


def engine_inprocess(args: Any, model: RiskModel, data: SpeedData) -> list[dict[str, Any]]:
    """RiskEngine with 45 window/derived features, 50 rules and the model, one thread, on
    micro-batches of 1, 16 and 64 handbook events after warm windows; with and without the
    TreeSHAP reasons of review/block decisions."""
    results: list[dict[str, Any]] = []
    rules = fifty_rules()
    features = extended_feature_set()
    base = RiskEngine(features, rules, model)
    t0 = time.perf_counter()
    data.warm_engine(base)
    state = base.snapshot()
    console.print(
        f"engine: {len(rules.rules)} rules ({sum(r.mode == 'active' for r in rules.rules)} "
        f"active), {len(features.names)} features, warmed with {len(data.warm_events):,} events "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    repeats = 3
    events = data.timed_events
    variants: list[tuple[str, Any]] = [("", model), ("_no_explain", _NoExplain(model))]
    for size in BATCHES:
        for suffix, m in variants:
            if suffix and size != 16 and not args.quick and size != 64:
                continue
            rates, p50, p99, p999 = [], [], [], []
            actions: dict[str, int] = {}
            for _ in range(repeats):
                engine = RiskEngine(features, rules, m)
                engine.restore(state)
                # The previous repeat's engine (a million objects) is garbage now: collect it
                # here, not in the timed loop (a live engine is restored once, not per minute).
                gc.collect()
                seconds, latencies, actions = _timed_batches(engine, events, size)
                rates.append(len(events) / seconds)
                stats = percentiles(latencies)
                p50.append(stats["p50_ms"])
                p99.append(stats["p99_ms"])
                p999.append(stats["p999_ms"])
            task = f"engine_inprocess_batch{size}{suffix}"
            n = len(events) * repeats
            results += [
                row(task, "finbrain", "per_second", statistics.median(rates), n,
                    statistics.pstdev(rates)),
                row(task, "finbrain", "p50_ms", statistics.median(p50), n),
                row(task, "finbrain", "p99_ms", statistics.median(p99), n),
                row(task, "finbrain", "p999_ms", statistics.median(p999), n),
            ]  # fmt: skip
            flagged = (actions.get("review", 0) + actions.get("block", 0)) / len(events)
            console.print(
                f"{task:34s} {statistics.median(rates):8,.0f} events/s  p50 "
                f"{statistics.median(p50):.3f} ms  p99 {statistics.median(p99):.3f} ms  "
                f"p99.9 {statistics.median(p999):.3f} ms  (review/block {flagged:.2%})"
            )
    return results


# -- the anchors' approach: the same windows by SQL over the table of past events ----------------
class SqlWindows:
    """The feature set's windows as SQL queries at decision time over a table of past events
    (Marble's approach): store the event, then one aggregate query per key (each window a
    conditional aggregate of it) and one for the previous event's time; derived features in
    Python. Same semantics as ``OnlineWindows`` (amounts as integers in 1/10,000)."""

    def __init__(self, features: FeatureSet, backend: str) -> None:
        self.features = features
        self.backend = backend
        self.position = {name: i for i, name in enumerate(features.names)}
        self.con: Any
        if backend == "sqlite":
            self.con = sqlite3.connect(":memory:", isolation_level=None)
        else:
            self.con = duckdb.connect()
            self.con.execute("SET threads = 1")
        self.con.execute(
            "CREATE TABLE ev (seq BIGINT PRIMARY KEY, event_id TEXT, ts BIGINT, amt BIGINT, "
            "customer_id TEXT, card_id TEXT, terminal_id TEXT, lab INTEGER)"
        )
        by_key: dict[tuple[str, ...], list[Window]] = {}
        for w in features.windows:
            by_key.setdefault(w.key, []).append(w)
        self.groups: list[tuple[tuple[str, ...], list[Window], str]] = []
        for key, windows in by_key.items():
            self.groups.append((key, windows, self._query(key, windows)))
        self.since: list[tuple[int, tuple[str, ...], str]] = []
        for d in features.derived:
            if d.op == "since_prev":
                match = " AND ".join(f"{k} = ?" for k in d.args)
                self.since.append(
                    (
                        self.position[d.name],
                        d.args,
                        f"SELECT ts FROM ev WHERE {match} AND seq < ? "
                        "ORDER BY ts DESC, seq DESC LIMIT 1",
                    )
                )
        self.seq = 0

    @staticmethod
    def _query(key: tuple[str, ...], windows: list[Window]) -> str:
        us = timedelta(microseconds=1)
        columns = []
        horizon = 0
        for w in windows:
            span, delay = w.span // us, w.delay // us
            horizon = max(horizon, span + delay)
            cond = f"ts >= ?1 - {span + delay}" + (f" AND ts < ?1 - {delay}" if delay else "")
            columns.append(f"count(CASE WHEN {cond} THEN 1 END)")
            if w.label:
                columns.append(f"sum(CASE WHEN {cond} THEN lab END)")
            elif w.agg in ("sum", "avg"):
                columns.append(f"sum(CASE WHEN {cond} THEN amt END)")
            elif w.agg in ("max", "min"):
                columns.append(f"{w.agg}(CASE WHEN {cond} THEN amt END)")
            elif w.agg == "distinct":
                columns.append(f"count(DISTINCT CASE WHEN {cond} THEN {w.field} END)")
            else:
                columns.append("0")
        match = " AND ".join(f"{k} = ?{i + 3}" for i, k in enumerate(key))
        return (
            f"SELECT {', '.join(columns)} FROM ev WHERE {match} "
            f"AND ts >= ?1 - {horizon} AND (ts < ?1 OR (ts = ?1 AND seq <= ?2))"
        )

    def index(self) -> None:
        for i, (key, _, _) in enumerate(self.groups):
            self.con.execute(f"CREATE INDEX ev_k{i} ON ev ({', '.join(key)}, ts)")

    def load(self, events: list[Event], labelled: list[str]) -> None:
        known = set(labelled)
        rows = []
        for e in events:
            rows.append(self._row(e, 1 if e.event_id in known else 0))
        self.con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _row(self, e: Event, lab: int = 0) -> tuple[Any, ...]:
        self.seq += 1
        return (
            self.seq, e.event_id, epoch_micros(e.occurred_at), e.amount_units,
            e.customer_id, e.card_id, e.terminal_id, lab,
        )  # fmt: skip

    def update_row(self, e: Event) -> list[float]:
        """Store the event, then read its windows (it included), as the online operator."""
        con = self.con
        row = self._row(e)
        con.execute("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        t, seq = row[2], row[0]
        out = [math.nan] * len(self.features.names)
        position = self.position
        for key, windows, sql in self.groups:
            values = [getattr(e, k) for k in key]
            got = con.execute(sql, (t, seq, *values)).fetchone()
            for j, w in enumerate(windows):
                n, x = got[2 * j], got[2 * j + 1]
                fill = math.nan if w.fill is None else w.fill
                pos = position[w.name]
                if w.label:
                    out[pos] = float(x or 0) if w.agg != "avg" else ((x or 0) / n if n else fill)
                elif w.agg == "count":
                    out[pos] = n
                elif w.agg == "sum":
                    out[pos] = (x or 0) / AMOUNT_SCALE
                elif w.agg == "avg":
                    out[pos] = x / n / AMOUNT_SCALE if n else fill
                elif w.agg in ("max", "min"):
                    out[pos] = x / AMOUNT_SCALE if x is not None else fill
                else:
                    out[pos] = x
        prevs = {}
        for pos, key, sql in self.since:
            got = con.execute(sql, (*(getattr(e, k) for k in key), seq)).fetchone()
            out[pos] = (t - got[0]) / 1_000_000 if got else math.nan
            prevs[pos] = got
        amount = e.amount_units
        for d in self.features.derived:
            pos = position[d.name]
            fill = math.nan if d.fill is None else d.fill
            if d.op in ("ratio", "diff"):
                a, b = (
                    amount / AMOUNT_SCALE if x == "amount" else out[position[x]] for x in d.args
                )
                if a != a or b != b or (d.op == "ratio" and b == 0):
                    out[pos] = fill
                else:
                    out[pos] = a / b if d.op == "ratio" else a - b
            elif d.op == "hour":
                out[pos] = (t // 3_600_000_000) % 24
            elif d.op == "night":
                out[pos] = 1.0 if (t // 3_600_000_000) % 24 <= 6 else 0.0
            elif d.op == "weekend":
                out[pos] = 1.0 if (t // 86_400_000_000 + 3) % 7 >= 5 else 0.0
        return out


def _same(a: float, b: float) -> bool:
    if a != a or b != b:
        return a != a and b != b
    return a == b


def sql_at_decision_time(args: Any, data: SpeedData) -> list[dict[str, Any]]:
    """Windows only (no rules, no model), one event at a time: finbrain's online operator vs
    the same windows as SQL queries over the stored events (SQLite in memory with an index on
    each key + time; DuckDB), on the same warm history and the same events; every value of
    every timed event is compared."""
    results: list[dict[str, Any]] = []
    features = extended_feature_set()
    online = RiskEngine(features, RuleSet(version=1, rules=()), None)
    data.warm_engine(online)
    state = online.snapshot()
    sizes = {"sqlite": 3_000 if args.quick else 20_000, "duckdb": 200 if args.quick else 1_000}
    for backend, n in sizes.items():
        events = data.timed_events[:n]
        rates: list[float] = []
        stats: list[dict[str, float]] = []
        ours: list[list[float]] = []
        for _ in range(3):
            ops = OnlineWindows.restore(features, state)
            samples, ours = [], []
            for e in events:
                t0 = time.perf_counter()
                ours.append(ops.update_row(e))
                samples.append((time.perf_counter() - t0) * 1000)
            rates.append(len(events) / (sum(samples) / 1000))
            stats.append(percentiles(samples))
        theirs_rate: list[float] = []
        theirs_stats: list[dict[str, float]] = []
        theirs: list[list[float]] = []
        for _ in range(1 if backend == "duckdb" else 3):
            sql = SqlWindows(features, backend)
            sql.load(data.warm_events, data.labelled)
            sql.index()
            samples, theirs = [], []
            for e in events:
                t0 = time.perf_counter()
                theirs.append(sql.update_row(e))
                samples.append((time.perf_counter() - t0) * 1000)
            theirs_rate.append(len(events) / (sum(samples) / 1000))
            theirs_stats.append(percentiles(samples))
            sql.con.close()
        task = f"sql_at_decision_time_{backend}"
        for system, r, s in (("finbrain", rates, stats), (backend, theirs_rate, theirs_stats)):
            results.append(row(task, system, "per_second", statistics.median(r), len(events)))
            for metric in ("p50_ms", "p99_ms", "p999_ms"):
                value = statistics.median(x[metric] for x in s)
                results.append(row(task, system, metric, value, len(events)))
        ratio = statistics.median(rates) / statistics.median(theirs_rate)
        results.append(row(task, "finbrain", "ratio", ratio, len(events), note=f"vs {backend}"))
        wrong = sum(
            not _same(a, b)
            for xs, ys in zip(ours, theirs, strict=True)
            for a, b in zip(xs, ys, strict=True)
        )
        checked = len(events) * len(features.names)
        results.append(
            row(
                f"{task}_agreement",
                "finbrain",
                "violations",
                wrong,
                checked,
                note=f"feature values differing between the online engine and {backend}",
            )
        )
        console.print(
            f"{task:34s} finbrain {statistics.median(rates):8,.0f}/s vs {backend} "
            f"{statistics.median(theirs_rate):8,.0f}/s (x{ratio:.0f}); p99 "
            f"{statistics.median(x['p99_ms'] for x in stats):.3f} vs "
            f"{statistics.median(x['p99_ms'] for x in theirs_stats):.3f} ms; "
            f"{wrong} of {checked:,} values differ"
        )
    return results


# -- over HTTP: a separate uvicorn process, wrk as the load generator --------------------------
WRK_LUA = r"""
-- finbrain risk benchmark: POST /v1/risk/events, handbook card events in time order (one per
-- line of the file, without event_id and occurred_at), each sent with a unique event id and
-- stamped with the current UTC time, as a live payment is (replayed at handbook time, a day of
-- history would pass in 9 s and requests reordered in flight would be minutes late). The
-- handbook's 5,000 cards and 10,000 terminals cannot pay 1,000 times a second in real time, so
-- request k goes to population k mod 100 (its customer, card and terminal ids prefixed): the
-- stream of a bank with 500,000 cards and 1 M terminals, each paying at a human pace.
-- Pacing is open loop: with a target rate, every request takes the next slot of a fixed
-- schedule (LuaJIT's clock), whatever the previous answers took; a send that finds no free
-- connection at its slot is counted late (wrk then measures from the real send, so the late
-- count and the largest lateness are reported beside the latencies). Rate 0 = unpaced.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } fb_timespec;
           int clock_gettime(int, fb_timespec *); ]]
local ts = ffi.new("fb_timespec")
local function utc_now()
  ffi.C.clock_gettime(0, ts)  -- CLOCK_REALTIME
  local sec = tonumber(ts.tv_sec)
  local us = math.floor(tonumber(ts.tv_nsec) / 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. string.format(".%06dZ", us)
end
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  key, prefix, file, rate = args[1], args[2], args[3], tonumber(args[4])
  lines = {}
  for line in io.lines(file) do lines[#lines + 1] = line end
  counter, late, late_max_ms, slot = 0, 0, 0, nil
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}
end
function delay()
  if rate == 0 then return 0 end
  local now = now_ms()
  slot = (slot or now) + 1000 / rate
  local wait = slot - now
  if wait < -1 then
    late = late + 1
    if -wait > late_max_ms then late_max_ms = -wait end
    return 0
  end
  return math.max(0, math.floor(wait))
end
function request()
  counter = counter + 1
  local rest = lines[(counter - 1) % #lines + 1]
  local p = 'p' .. (counter % 100) .. '-'
  rest = rest:gsub('"customer_id":"', '"customer_id":"' .. p)
             :gsub('"card_id":"', '"card_id":"' .. p)
             :gsub('"terminal_id":"', '"terminal_id":"' .. p)
  local body = '{"event_id":"' .. prefix .. '-' .. counter .. '","occurred_at":"' ..
    utc_now() .. '",' .. rest
  return wrk.format("POST", "/v1/risk/events", headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  local n_late, worst = 0, 0
  for _, t in ipairs(threads) do
    n_late = n_late + t:get("late")
    worst = math.max(worst, t:get("late_max_ms"))
  end
  io.write(string.format(
    'WRK-JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"late":%d,"late_max_ms":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, n_late, worst))
end
"""


def _wrk(url: str, script: Path, key: str, prefix: str, lines: Path, connections: int,
         rate: int, seconds: int) -> dict[str, Any]:  # fmt: skip
    """One thread, so request() runs in one Lua state and events leave in the file's order;
    ``rate`` requests/s on an open-loop schedule (0: as fast as the connections allow)."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script),
         url, "--", key, prefix, str(lines), str(rate)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("WRK-JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK-JSON "))
    result["per_second"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def _event_files(folder: Path, quick: bool) -> list[Path]:
    """Three consecutive slices of handbook events (warm-up, paced, unpaced) as JSON lines
    without the opening brace, event id and time; each slice outlasts its run."""
    frame = _handbook_slice("2018-08-01", "2018-08-06" if quick else "2018-08-15")
    frame = frame.drop(columns=["is_fraud", "seq"])
    sizes = (8_000, 14_000, 20_000) if quick else (40_000, 40_000, 40_000)
    events = events_from_frame(frame)
    paths = []
    for i, size in enumerate(sizes):
        path = folder / f"events{i}.jsonl"
        with path.open("w") as out:
            for _, event in zip(range(size), events, strict=False):
                body = event_json(event)
                del body["event_id"], body["occurred_at"]
                out.write(json.dumps(body, separators=(",", ":"))[1:] + "\n")
        paths.append(path)
    return paths


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


RATE = 1000  # the goal's rate: >= 1,000 decisions/s sustained


def http_single_events(args: Any, model: RiskModel) -> list[dict[str, Any]]:
    """``POST /v1/risk/events`` from wrk (handbook card events in time order, unique event ids,
    Bearer tenant key) against uvicorn (one worker, a separate process) on embedded SQLite, the
    tenant's champion = the speed model. After an unpaced warm-up, a run paced open loop at
    ``RATE`` requests/s (64 connections for the requests in flight), three times (the
    medians are written, with their spread), then an unpaced one (16 connections) for the
    capacity."""
    ensure = Path(__file__).resolve().parents[1] / "scripts" / "ensure-wrk.sh"
    subprocess.run(["bash", str(ensure)], check=False)
    if shutil.which("wrk") is None:
        console.print("[yellow]wrk missing: HTTP section skipped[/yellow]")
        return []
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        upgrade(settings)
        db = Database(settings)
        with db.platform() as session:
            tenant = tenancy.create_tenant(session, "Bench Bank")
            key = tenancy.create_key(
                session, tenant.id, label="wrk", scopes=["risk:score"], created_by="bench"
            )
            tenant_id = tenant.id
        with db.tenant(tenant_id) as session:
            version = register_model(session, tenant_id, model, {}, "bench-gbm")
            registry.promote(session, version.id)
        db.dispose()
        port = _free_port()
        env = {
            **os.environ,
            "FINBRAIN_HOME": home,
            "FINBRAIN_RATE_LIMIT_PER_SECOND": "1000000",
            "FINBRAIN_RATE_LIMIT_BURST": "1000000",
            "FINBRAIN_WARM_SANCTIONS_INDEX": "false",
            # A dedicated scoring server: survivors frozen out of the collector every 2,000
            # events (deploy.md; every 500 measured worse: capacity 861/s against 1,051/s);
            # the server's memory is reported to show what that costs.
            "FINBRAIN_RISK_GC_FREEZE_EVERY": os.environ.get("RISK_BENCH_GC_FREEZE_EVERY", "2000"),
            "FINBRAIN_LOG_LEVEL": os.environ.get("RISK_BENCH_SERVER_LOG", "WARNING"),
        }
        command = [sys.executable, "-m", "uvicorn", "--factory",
                   "finbrain.platform.api.app:create_app", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", "1", "--log-level", "warning",
                   "--no-access-log"]  # fmt: skip
        server = subprocess.Popen(command, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, key.secret)
            script = Path(home) / "events.lua"
            script.write_text(WRK_LUA)
            seconds = 8 if args.quick else 30
            files = _event_files(Path(home), args.quick)
            # Warm-up (unpaced): fills the windows with handbook history and the caches.
            _wrk(url, script, key.secret, "warm", files[0], 16, 0, 3 if args.quick else 20)
            console.print(f"server memory after the warm-up: {_rss_mb(server.pid):,.0f} MB")
            # The paced run is repeated: one 30 s run on this noisy machine is a single timing
            # (its p99 varied 33-74 ms between runs of the same code). Medians are written, the
            # spread is max - min over the repeats.
            runs = {
                "http_single_events": (64, RATE, seconds, files[1], 1 if args.quick else 3),
                "http_single_events_unpaced": (16, 0, max(5, seconds // 3), files[2], 1),
            }
            for task, (connections, rate, duration, lines, repeats) in runs.items():
                got_all = []
                for k in range(repeats):
                    spy = _profile(server.pid, duration, f"{task}-{k}")
                    cpu = _cpu_seconds(server.pid)
                    got = _wrk(
                        url, script, key.secret, f"{task}-{k}", lines, connections, rate, duration
                    )
                    got["cpu_ms"] = (_cpu_seconds(server.pid) - cpu) / max(got["requests"], 1) * 1e3
                    got["rss"] = _rss_mb(server.pid)
                    if spy is not None:
                        spy.wait(timeout=60)
                    got_all.append(got)
                    console.print(
                        f"{task:34s} {got['per_second']:8,.0f} decisions/s  p50 "
                        f"{got['p50_us'] / 1000:.2f} ms  p99 {got['p99_us'] / 1000:.2f} ms  "
                        f"p99.9 {got['p999_us'] / 1000:.2f} ms  errors {got['errors']}  server "
                        f"CPU {got['cpu_ms']:.2f} ms/request  late {got['late']}  server memory "
                        f"{got['rss']:,.0f} MB"
                    )
                n = sum(int(g["requests"]) for g in got_all)
                pacing = f"open loop at {rate}/s" if rate else "unpaced"
                note = (
                    f"wrk -c{connections}, {pacing}, {repeats} x {duration} s (medians); server "
                    f"CPU {statistics.median(g['cpu_ms'] for g in got_all):.2f} ms/request, "
                    f"{got_all[-1]['rss']:,.0f} MB after"
                )

                rate_med, _ = _median_spread(got_all, "per_second")
                p50, _ = _median_spread(got_all, "p50_us", 1000)
                p99, p99_spread = _median_spread(got_all, "p99_us", 1000)
                p999, p999_spread = _median_spread(got_all, "p999_us", 1000)
                results += [
                    row(task, "finbrain", "per_second", rate_med, n, note=note),
                    row(task, "finbrain", "p50_ms", p50, n),
                    row(task, "finbrain", "p99_ms", p99, n, spread=p99_spread),
                    row(task, "finbrain", "p999_ms", p999, n, spread=p999_spread),
                    row(
                        task,
                        "finbrain",
                        "violations",
                        sum(g["errors"] for g in got_all),
                        n,
                        note="errors, all repeats",
                    ),
                    row(
                        task,
                        "finbrain",
                        "late_sends",
                        sum(g["late"] for g in got_all),
                        n,
                        note="sends after their slot (all connections busy), all repeats; worst "
                        f"{max(g['late_max_ms'] for g in got_all):.1f} ms",
                    ),
                ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def _median_spread(runs: list[dict[str, Any]], key: str, scale: float = 1.0) -> tuple[float, float]:
    """The median of ``key`` over repeated runs, and its spread (max - min)."""
    values = [run[key] / scale for run in runs]
    return statistics.median(values), max(values) - min(values)


def _family(pid: int) -> list[int]:
    """The server and its descendants (the snapshot follower): Linux /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in children.read_text().split()]
    return found


def _rss_mb(pid: int) -> float:
    """The server process's resident memory now (Linux /proc; 0 elsewhere). The snapshot
    follower (a child process) is not counted: its CPU is, in ``_cpu_seconds``."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU the server and the processes it runs have used so far, the ones that
    ended included (Linux /proc: a process's own time plus its waited-for children's)."""
    total = 0.0
    for member in _family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _profile(pid: int, seconds: int, task: str) -> subprocess.Popen[bytes] | None:
    """With RISK_BENCH_PROFILE=<dir>: py-spy (a bench-only tool) samples the server during the
    run into <dir>/<task>.txt (collapsed stacks: flamegraph.pl or speedscope read them)."""
    folder = os.environ.get("RISK_BENCH_PROFILE")
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if not folder or spy is None:
        return None
    out = Path(folder) / f"{task}.txt"
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250",
         "--format", "raw", "--output", str(out), "--threads", "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_ready(url: str, secret: str) -> None:
    """Until the server answers, then one scored event (loads the tenant's engine and model)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code < 500:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.2)
    body = {"event_id": "ready", "kind": "card", "occurred_at": "2026-01-01T00:00:00Z",
            "amount": "1.00", "currency": "EUR", "customer_id": "C0", "card_id": "K0"}  # fmt: skip
    answer = httpx.post(
        f"{url}/v1/risk/events", json=body, headers={"Authorization": f"Bearer {secret}"},
        timeout=60,
    )  # fmt: skip
    answer.raise_for_status()


# -- the whole handbook through the engine ------------------------------------------------------
def replay_1_75m(args: Any, model: RiskModel) -> list[dict[str, Any]]:
    """``finbrain risk replay``'s loop: every handbook payment through windows, the starter rules
    and the model in time order, micro-batches of 256 (events built from the frame on the way,
    as the CLI does). ``--quick`` replays a slice."""
    df = load_fraud_handbook()
    frame = frame_from_handbook(df)
    if args.quick:
        frame = frame.head(60_000)
    engine = RiskEngine(extended_feature_set(), default_rules(), model)
    events = events_from_frame(frame.drop(columns=["is_fraud", "seq"]))
    n = len(frame)
    flagged = 0
    t0 = time.perf_counter()
    done = 0
    while done < n:
        chunk = [next(events) for _ in range(min(256, n - done))]
        flagged += sum(a.action != "allow" for a in engine.assess_many(chunk))
        done += len(chunk)
    seconds = time.perf_counter() - t0
    task = "replay_1_75m" if not args.quick else "replay_1_75m_slice"
    console.print(
        f"{task:34s} {n:,} events in {seconds:.1f} s ({n / seconds:,.0f}/s), "
        f"{flagged:,} review/block"
    )
    return [
        row(task, "finbrain", "seconds", seconds, n),
        row(task, "finbrain", "per_second", n / seconds, n),
        *restart(args, engine, n),
    ]


def restart(args: Any, engine: RiskEngine, n: int) -> list[dict[str, Any]]:
    """What a restart pays for the windows after the whole replay (the log's end state): a
    snapshot of them (the follower's work) and its restore (the server's start), medians of
    three."""
    saved, restored = [], []
    blob = b""
    for _ in range(3):
        t0 = time.perf_counter()
        blob = engine.snapshot()
        saved.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        RiskEngine(engine.features, default_rules(), None).restore(blob)
        restored.append(time.perf_counter() - t0)
        gc.collect()  # the restored copy, outside the timings
    suffix = "" if not args.quick else "_slice"
    mb = len(blob) / 1e6
    console.print(
        f"{'restart' + suffix:34s} snapshot {statistics.median(saved):.2f} s ({mb:.1f} MB), "
        f"restore {statistics.median(restored):.2f} s"
    )
    return [
        row(f"restart_snapshot{suffix}", "finbrain", "seconds", statistics.median(saved), n,
            max(saved) - min(saved), note=f"{mb:.1f} MB (zlib JSON), medians of 3"),
        row(f"restart_restore{suffix}", "finbrain", "seconds", statistics.median(restored), n,
            max(restored) - min(restored), note="medians of 3"),
    ]  # fmt: skip


SPEED_TASKS = (
    "engine_inprocess",
    "sql_at_decision_time",
    "http_single_events",
    "replay_1_75m",
    "restart_",
)


def _is_speed(result: dict[str, Any]) -> bool:
    return str(result["task"]).startswith(SPEED_TASKS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced run, about a minute")
    parser.add_argument(
        "--only",
        choices=("quality", "speed", "http"),
        help="run one section (http: only the HTTP part of speed); the other rows are kept "
        "from the existing file",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the numbers, leave the results file as is"
    )
    parser.add_argument(
        "--all-folds",
        action="store_true",
        help="quality also on every weekly fold from 2018-05-09 to 2018-09-05 "
        f"(task {WEEKLY_TASK}, with the per-fold values)",
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    results: list[dict[str, Any]] = []
    model: RiskModel | None = None
    if args.only not in ("speed", "http"):
        results, model, test_rows = quality(args)
        results += model_speed(args, model, test_rows)
    if args.only == "http":
        model, _ = speed_model(args)
        results += http_single_events(args, model)
    elif args.only != "quality":
        if model is None:
            model, _ = speed_model(args)
        data = SpeedData.load(args)
        results += engine_inprocess(args, model, data)
        results += sql_at_decision_time(args, data)
        results += http_single_events(args, model)
        results += replay_1_75m(args, model)
    if args.no_write:
        console.print(f"done in {time.perf_counter() - t0:.0f} s (results file left as is)")
        return
    if args.only:
        previous = RESULTS / "risk.json"
        if previous.exists():
            kept = [
                r
                for r in json.loads(previous.read_text())["results"]
                if (
                    not str(r["task"]).startswith("http_single_events")
                    if args.only == "http"
                    else _is_speed(r) == (args.only == "quality")
                )
            ]
            results = results + kept if args.only == "quality" else kept + results
    path = write_results("risk", args.quick, results)
    console.print(f"wrote {path} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
