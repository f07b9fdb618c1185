"""Customer profiling: the customer-360 build against the same features in plain pandas,
segmentation stability, churn propensity against logistic regression, and the online calls.

Tasks (one process, anchors in the same run, medians of interleaved repeats):

- ``profile_build``: the 55 default features over the Fraud Detection Handbook's 1,754,155
  real-timed card payments of 4,990 customers used as a transaction history (QUICK: the
  customers with id < 1,000), plus daily balances and accounts derived from it (below), as of
  2018-10-01. finbrain (DuckDB, one query per source, validation and report included) against
  ``benchmarks/profile_pandas.py`` (the same features written plainly in pandas, one mask and
  groupby per feature), from in-memory frames; ``profile_build_parquet`` the same from
  Parquet files (pandas reads them first, DuckDB scans them). The two outputs must be equal
  value for value, or the run stops. Goal: finbrain >= 5x faster. The JSON also has CPU
  seconds (this process, all threads), ``query_only_seconds`` (the compiled query alone) and
  a cost model, each interleaved in the same race: ``floor_seconds``, the least a one-pass
  build does (read every column the features need once, one group-by customer per source:
  DuckDB from the registered frames, pandas one ``groupby`` per source), ``floor_ratio``
  (pandas floor / DuckDB floor) and ``above_floor_ratio`` (pandas / finbrain, each less its
  floor: the speed-up on the features themselves). ``--build-only`` runs this task alone
  and prints it (nothing written).
- ``segments_*``: :class:`Segmenter` on 13 behaviour features of that build and on the real
  CC GENERAL card-holder variables (8,950 customers): the number of segments chosen by
  silhouette over k = 2..8; the share of customers whose segment changes when the same seed is
  refitted (goal 0) and the adjusted Rand index between seeds (metric ``ratio``).
- ``churn_cv5``: stratified 5-fold CV on the bank churn data (10,000 customers, 20.37% left),
  ChurnModel (calibrated LightGBM, Gender left out) against scikit-learn's logistic regression
  (standardised numbers, one-hot country, the same columns), the same folds; AUC mean and
  standard deviation, Brier score in the JSON; ``churn_cv5_sigmoid`` the same model with a
  logistic calibration curve.
- ``profile_customer`` / ``churn_decision``: one customer's profile from their own rows (the
  online call) and one churn decision, p50 / p95 latency.

What is real and what is derived: the fraud data has times, customers, terminals and amounts
only. Each terminal gets a category (1% of terminals an unknown one, "crypto", which the build
counts as "other") and a channel, seeded; daily balances are a seeded opening balance plus a
monthly income minus the day's real spend (7% of snapshots negative); accounts are 1-4
seeded products per customer (some closed, some an unknown product). So the timings and the
equality are on real volumes and real spending patterns; the category, channel, balance and
account values are synthetic.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # LightGBM's idle threads spin otherwise

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, write_results
from benchmarks.profile_pandas import reference_features
from finbrain.datasets.fraud import load_fraud_handbook
from finbrain.datasets.profile import load_cc_general, load_churn
from finbrain.profile import (
    SEGMENT_FEATURES,
    ChurnModel,
    Segmenter,
    build_features,
    compile_query,
    decide_churn,
    default_catalog,
    profile_customer,
)

console = Console()
CHURN = {
    "finbrain": "ChurnModel, isotonic calibration",
    "finbrain_sigmoid": "ChurnModel, sigmoid calibration",
    "scikit-learn": "LogisticRegression, scaled numbers + one-hot country",
}
AS_OF = datetime(2018, 10, 1, tzinfo=UTC)


def history(quick: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Transactions (real times, customers, amounts), derived balances and accounts."""
    cat = default_catalog()
    raw = load_fraud_handbook(["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT"])
    if quick:
        raw = raw[raw["CUSTOMER_ID"] < 1000].reset_index(drop=True)
    rng = np.random.default_rng(17)
    categories = np.array([*cat.categories, "crypto"], dtype=object)
    share = np.r_[np.full(len(cat.categories), 0.99 / len(cat.categories)), 0.01]
    by_terminal = rng.choice(categories, size=10_000, p=share)
    channels = rng.choice(
        np.array(cat.channels, dtype=object), 10_000, p=[0.45, 0.25, 0.2, 0.07, 0.03]
    )
    terminal = raw["TERMINAL_ID"].to_numpy()
    tx = pd.DataFrame(
        {
            "customer_id": raw["CUSTOMER_ID"].to_numpy(),
            "ts": raw["TX_DATETIME"],
            "amount": raw["TX_AMOUNT"].to_numpy(),
            "category": by_terminal[terminal],
            "channel": channels[terminal],
        }
    )
    days = pd.date_range("2018-04-01", "2018-09-30", freq="D", tz="UTC")
    spent = (
        tx.groupby(["customer_id", tx["ts"].dt.floor("D")])["amount"].sum().unstack(fill_value=0.0)
    )
    spent = spent.reindex(columns=days, fill_value=0.0)
    n = len(spent)
    income = np.zeros(spent.shape)
    paydays = [i for i, d in enumerate(days) if d.day == 1]
    income[:, paydays] = (spent.sum(axis=1).to_numpy() / 6 * rng.uniform(0.6, 1.4, n))[:, None]
    level = rng.lognormal(8, 1, n)[:, None] + np.cumsum(income - spent.to_numpy(), axis=1)
    balances = pd.DataFrame(
        {
            "customer_id": np.repeat(spent.index.to_numpy(), len(days)),
            "ts": np.tile(days + pd.Timedelta(hours=23, minutes=59), n),
            "balance": np.round(level.ravel(), 2),
        }
    )
    held = rng.integers(1, 5, n)
    owners = np.repeat(spent.index.to_numpy(), held)
    opened = pd.Timestamp("2005-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 13, len(owners)), unit="D"
    )
    closed = pd.Series(pd.NaT, index=range(len(owners)), dtype="datetime64[ns, UTC]")
    shut = rng.random(len(owners)) < 0.1
    closed[shut] = pd.Timestamp("2018-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 270, int(shut.sum())), unit="D"
    )
    accounts = pd.DataFrame(
        {
            "customer_id": owners,
            "opened_at": opened,
            "product": rng.choice(np.array([*cat.products, "safe_box"], dtype=object), len(owners)),
            "closed_at": closed,
        }
    )
    return tx, balances, accounts


def race(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, Any]]:
    """Each call ``repeats`` times in turn (a, b, a, b, ...) after one warm-up, so a shared
    machine's drifting load weighs on each alike: median wall and CPU seconds, the last result."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    last = {k: fn() for k, fn in fns.items()}
    for _ in range(repeats):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            last[name] = fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {
        k: {
            "median": statistics.median(wall[k]),
            "spread": max(wall[k]) - min(wall[k]),
            "cpu": statistics.median(cpu[k]),
            "samples": [round(s, 3) for s in wall[k]],
            "result": last[k],
        }
        for k in fns
    }


def same(ours: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    try:
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    except AssertionError as exc:
        raise SystemExit(f"{what}: the DuckDB and pandas features differ: {exc}") from None


def profile_build(
    sources: tuple[pd.DataFrame, ...], repeats: int, results: list[dict[str, Any]]
) -> pd.DataFrame:
    tx, bal, acc = sources
    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(Path(tmp) / f"{n}.parquet") for n in ("tx", "bal", "acc")]
        for frame, path in zip(sources, paths, strict=True):
            frame.to_parquet(path, index=False)
        query, close = query_only(sources)
        runs = race(
            {
                "finbrain": lambda: build_features(tx, bal, acc, as_of=AS_OF).frame,
                "pandas": lambda: reference_features(tx, bal, acc, AS_OF),
                "finbrain_parquet": lambda: build_features(*paths, as_of=AS_OF).frame,
                "pandas_parquet": lambda: reference_features(
                    *(pd.read_parquet(p) for p in paths), AS_OF
                ),
                "query_only": query,
                "duckdb_floor": lambda: duckdb_floor(sources),
                "pandas_floor": lambda: pandas_floor(sources),
            },
            repeats,
        )
    close()
    same(runs["finbrain"]["result"], runs["pandas"]["result"], "frames")
    same(runs["finbrain_parquet"]["result"], runs["pandas_parquet"]["result"], "parquet")
    same(runs["finbrain"]["result"], runs["finbrain_parquet"]["result"], "frames vs parquet")
    frame = runs["finbrain"]["result"]
    common = {
        "customers": len(frame),
        "features": frame.shape[1],
        "rows": len(tx) + len(bal) + len(acc),
        "transactions": len(tx),
    }
    floors = {"finbrain": runs["duckdb_floor"], "pandas": runs["pandas_floor"]}
    for task, ours, anchor in (
        ("profile_build", "finbrain", "pandas"),
        ("profile_build_parquet", "finbrain_parquet", "pandas_parquet"),
    ):
        for system, run in (("finbrain", runs[ours]), ("pandas", runs[anchor])):
            timing = row(task, system, "seconds", run["median"], repeats, run["spread"])
            extra = {"cpu_seconds": round(run["cpu"], 3), "samples": run["samples"], **common}
            if task == "profile_build":
                extra["floor_seconds"] = round(floors[system]["median"], 3)
                extra["floor_cpu_seconds"] = round(floors[system]["cpu"], 3)
            if system == "finbrain" and task == "profile_build":
                extra["query_only_seconds"] = round(runs["query_only"]["median"], 3)
            results.append({**timing, **extra})
        a, b = runs[ours], runs[anchor]
        ratio = row(task, "finbrain", "ratio", b["median"] / a["median"], repeats)
        extra = {}
        if task == "profile_build":  # the cost model: one pass over the columns, then features
            fa, fb = floors["finbrain"]["median"], floors["pandas"]["median"]
            above = (b["median"] - fb) / (a["median"] - fa)
            extra = {"floor_ratio": round(fb / fa, 3), "above_floor_ratio": round(above, 3)}
        results.append({
            **ratio, "what": "pandas median seconds / finbrain median seconds (goal >= 5)",
            "cpu_ratio": round(b["cpu"] / a["cpu"], 3), "identical": True, **extra,
        })  # fmt: skip
    return frame


FLOOR = {  # source -> the columns the 55 features read, besides customer_id
    "transactions": ("ts", "amount", "category", "channel"),
    "balances": ("ts", "balance"),
    "accounts": ("opened_at", "product", "closed_at"),
}


def duckdb_floor(sources: tuple[pd.DataFrame, ...]) -> list[Any]:
    """The least any one-pass DuckDB build does: register the frames, read every column the
    features need once, one GROUP BY customer per source (a count per column)."""
    import duckdb

    con = duckdb.connect()
    out = []
    for (name, columns), frame in zip(FLOOR.items(), sources, strict=True):
        con.register(f"__{name}", frame)
        counts = ", ".join(f"count({c})" for c in columns)
        sql = f"SELECT customer_id, {counts} FROM __{name} GROUP BY customer_id"
        out.append(con.execute(sql).df())
    con.close()
    return out


def pandas_floor(sources: tuple[pd.DataFrame, ...]) -> list[pd.DataFrame]:
    """The same floor in pandas: one groupby per source over the same columns."""
    return [
        frame.groupby("customer_id")[list(columns)].count()
        for columns, frame in zip(FLOOR.values(), sources, strict=True)
    ]


def query_only(sources: tuple[pd.DataFrame, ...]) -> tuple[Callable[[], Any], Callable[[], None]]:
    """The compiled query alone on registered frames (no validation, no report, no result
    frame): where the build's time goes. The call and the connection's close."""
    import duckdb

    con = duckdb.connect()
    for name, frame in zip(("transactions", "balances", "accounts"), sources, strict=True):
        con.register(f"__{name}", frame)
    columns = {
        "transactions": frozenset({"category", "channel"}),
        "balances": frozenset(),
        "accounts": frozenset({"product", "closed_at"}),
    }
    as_of_us = int(AS_OF.timestamp()) * 1_000_000
    sql = compile_query(default_catalog(), columns, as_of_us=as_of_us)
    return lambda: con.execute(sql).fetchall(), con.close


def stability(
    task: str, X: pd.DataFrame, features: list[str], seeds: int, results: list[dict[str, Any]]
) -> None:
    from sklearn.metrics import adjusted_rand_score

    start = time.perf_counter()
    first = Segmenter(features=features, random_state=0).fit(X)
    fit_s = time.perf_counter() - start
    again = Segmenter(features=features, random_state=0).fit(X)
    changed = float(np.mean(first.labels_ != again.labels_))
    others = [Segmenter(features=features, random_state=s).fit(X) for s in range(1, seeds)]
    labels = [first.labels_, *(o.labels_ for o in others)]
    ari = [adjusted_rand_score(a, b) for a, b in combinations(labels, 2)]
    chosen = [first.n_segments_, *(o.n_segments_ for o in others)]
    # the same seeds with k fixed at seed 0's choice: how much is the clustering itself, not
    # the criterion's pick of k, moved by the seed
    fixed = [first.labels_] + [
        Segmenter(features=features, n_segments=first.n_segments_, random_state=s).fit(X).labels_
        for s in range(1, seeds)
    ]
    ari_fixed = [adjusted_rand_score(a, b) for a, b in combinations(fixed, 2)]
    personas = {"personas": [p.summary.en for p in first.personas_],
                "personas_zh": [p.summary.zh for p in first.personas_]}  # fmt: skip
    scores = {str(k): round(v, 4) for k, v in first.scores_.items()}
    results.append({
        **row(f"{task}_same_seed", "finbrain", "violations", changed, len(X)),
        "what": "share of customers whose segment changes when seed 0 is refitted",
        "n_segments": first.n_segments_, "criterion": first.criterion_, "scores": scores,
        "fit_seconds": round(fit_s, 2), **personas,
    })  # fmt: skip
    results.append({
        **row(f"{task}_ari_across_seeds", "finbrain", "ratio", statistics.mean(ari), len(labels),
              max(ari) - min(ari)),
        "what": f"adjusted Rand index between the segments of seeds 0..{seeds - 1}",
        "min_ari": round(min(ari), 4), "n_segments_chosen": chosen,
        "ari_fixed_k": round(statistics.mean(ari_fixed), 4),
        "min_ari_fixed_k": round(min(ari_fixed), 4),
    })  # fmt: skip


def churn(quick: bool, results: list[dict[str, Any]]) -> ChurnModel:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    data = load_churn()
    X = data.drop(columns=["RowNumber", "CustomerId", "Surname", "Exited", "Gender"])
    y = data["Exited"].to_numpy()
    numbers = [c for c in X.columns if c != "Geography"]
    trees = {"n_estimators": 60, "learning_rate": 0.1} if quick else {}
    systems: dict[str, Callable[[], Any]] = {
        "finbrain": lambda: ChurnModel(**trees),
        "finbrain_sigmoid": lambda: ChurnModel(calibration="sigmoid", **trees),  # not in QUICK
        "scikit-learn": lambda: make_pipeline(
            ColumnTransformer(
                [("num", StandardScaler(), numbers), ("geo", OneHotEncoder(), ["Geography"])]
            ),
            LogisticRegression(max_iter=1000),
        ),
    }
    if quick:
        del systems["finbrain_sigmoid"]
    scores: dict[str, list[tuple[float, float]]] = {k: [] for k in systems}
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for train, test in folds.split(X, y):
        for name, make in systems.items():
            model = make().fit(X.iloc[train], y[train])
            p = model.predict_proba(X.iloc[test])[:, 1]
            scores[name].append((roc_auc_score(y[test], p), brier_score_loss(y[test], p)))
    for name, values in scores.items():
        auc = [a for a, _ in values]
        system = "finbrain" if name.startswith("finbrain") else name
        brier = round(statistics.mean(b for _, b in values), 4)
        task = "churn_cv5_sigmoid" if name == "finbrain_sigmoid" else "churn_cv5"
        auc_row = row(task, system, "auc", statistics.mean(auc), 5, statistics.stdev(auc))
        folds_auc = [round(a, 4) for a in auc]
        results.append({**auc_row, "what": CHURN[name], "variant": name, "folds": folds_auc,
                        "brier": brier})  # fmt: skip
    return ChurnModel(**trees).fit(X, y)


def online(
    sources: tuple[pd.DataFrame, ...], model: ChurnModel, n: int, results: list[dict[str, Any]]
) -> None:
    tx, bal, acc = sources
    ids = tx["customer_id"].drop_duplicates().sample(n, random_state=1).tolist()
    own = {c: tuple(t[t["customer_id"] == c] for t in (tx, bal, acc)) for c in ids}
    samples = []
    for c in ids:
        start = time.perf_counter()
        profile_customer(c, *own[c], as_of=AS_OF).to_json()
        samples.append((time.perf_counter() - start) * 1000)
    q = percentiles(samples)
    what = "one customer's 55 features, tags and JSON from their own rows"
    p95 = round(q["p95_ms"], 3)
    results.append(
        row("profile_customer", "finbrain", "p50_ms", q["p50_ms"], n, p95_ms=p95, what=what)
    )
    records = load_churn().drop(columns=["RowNumber", "CustomerId", "Surname", "Exited"])
    samples = []
    for i, record in enumerate(records.sample(n, random_state=2).to_dict("records")):
        start = time.perf_counter()
        decide_churn(model, record, customer_id=f"c{i}")
        samples.append((time.perf_counter() - start) * 1000)
    q = percentiles(samples)
    what = "one calibrated probability, four TreeSHAP reasons, the Decision"
    p95 = round(q["p95_ms"], 3)
    results.append(
        row("churn_decision", "finbrain", "p50_ms", q["p50_ms"], n, p95_ms=p95, what=what)
    )


def main() -> None:
    args = arguments(__doc__ or "", build_only="the build task alone, printed, not written")
    quick = bool(args.quick) or os.environ.get("QUICK") == "1"
    results: list[dict[str, Any]] = []
    with console.status("loading the transaction history …"):
        sources = history(quick)
    with console.status("profile build: DuckDB against pandas …"):
        frame = profile_build(sources, 3 if quick else 5, results)
    if args.build_only:
        for r in results:
            console.print({k: v for k, v in r.items() if k != "samples"})
        return
    with console.status("segmentation stability …"):
        stability("segments_fraud", frame, list(SEGMENT_FEATURES), 2 if quick else 5, results)
        cards = load_cc_general()
        columns = [c for c in cards.columns if c not in {"CUST_ID", "Recnum"}]
        if quick:
            cards = cards.sample(2000, random_state=0)
        stability("segments_cc_general", cards, columns, 2 if quick else 5, results)
    with console.status("churn: 5-fold CV …"):
        model = churn(quick, results)
    with console.status("online calls …"):
        online(sources, model, 30 if quick else 200, results)
    path = write_results("profile", quick, results)
    table = Table("task", "system", "metric", "value", "n", "note")
    for r in results:
        table.add_row(r["task"], r["system"], r["metric"], f"{r['value']:.4g}", str(r["n"]),
                      str(r.get("what") or r.get("variant") or "")[:60])  # fmt: skip
    console.print(table)
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
