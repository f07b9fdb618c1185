"""Credit scoring: finbrain vs optbinning side by side in one run, same splits.

AUC/KS per dataset (stratified 70/30; 10 repeats on German, 3 on the others), the GBM
challenger on Taiwan, the IV of binning, the time to bin one numeric feature of 10^6 rows, and
single-record scoring latency with four reasons. toad does not work with pandas 3, so it runs
in its own virtual environment, and so does scorecardpy (pandas 1.5): both are created on first
use under benchmarks/.venvs/ with pinned versions, and the data travel through Parquet.

Every system gets the same columns: each dataset's protected attributes (German
personal_status_and_sex, Taiwan SEX and MARRIAGE; finbrain.credit.protected) are dropped before
the split, as finbrain's models leave them out by default.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, write_results
from finbrain.credit.binning import OptimalBinning
from finbrain.credit.challenger import GBMChallenger
from finbrain.credit.protected import PROTECTED_BY_DATASET
from finbrain.credit.scorecard import Scorecard
from finbrain.datasets import load_german, load_hmeq, load_lendingclub, load_taiwan

console = Console()
DATASETS = {
    "german": (load_german, "creditability", 10),
    "taiwan": (lambda: load_taiwan().drop(columns=["ID"]), "default.payment.next.month", 3),
    "hmeq": (load_hmeq, "BAD", 3),
    "lendingclub": (load_lendingclub, "not.fully.paid", 3),
}


def ks(y: np.ndarray, score: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(y, score)
    return float(np.max(tpr - fpr))


def optbinning_scorecard(
    X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame
) -> np.ndarray:
    from optbinning import BinningProcess
    from optbinning import Scorecard as OBScorecard
    from sklearn.linear_model import LogisticRegression

    categorical = [c for c in X_train.columns if not pd.api.types.is_numeric_dtype(X_train[c])]
    process = BinningProcess(
        list(X_train.columns),
        categorical_variables=categorical,
        binning_fit_params={
            c: {"monotonic_trend": "auto_asc_desc"} for c in X_train.columns if c not in categorical
        },
        selection_criteria={"iv": {"min": 0.02}},
    )
    card = OBScorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=2000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
    )
    card.fit(X_train, y_train)
    return -np.asarray(card.points(X_test))


ANCHOR_VENVS = Path(__file__).resolve().parent / ".venvs"
TOAD = [
    "toad==0.1.7",
    "pandas==2.3.3",
    "numpy==2.2.6",
    "scikit-learn==1.9.1",
    "scipy==1.17.1",
    "pyarrow==26.0.1",
]


def anchor_python(name: str, requirements: list[str]) -> Path | None:
    """A pinned virtual environment for an anchor that cannot share ours (None if it fails)."""
    import subprocess

    env = ANCHOR_VENVS / name
    python = env / "bin" / "python"
    stamp = env / ".installed"
    if stamp.is_file() and stamp.read_text() == " ".join(requirements):
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        console.print(f"[yellow]{name} environment failed: {exc}[/yellow]")
        return None
    stamp.write_text(" ".join(requirements))
    return python


SCORECARDPY = [
    "scorecardpy==0.1.9.7",
    "pandas==1.5.3",
    "numpy==1.26.4",
    "pyarrow==15.0.2",
    "scikit-learn==1.5.2",
    "scipy==1.17.1",
]
ANCHORS = {"toad": TOAD, "scorecardpy": SCORECARDPY}


def anchor_scorecard(
    name: str, python: Path, X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame
) -> np.ndarray:
    """Fit the anchor in its own environment on the same split; returns risk scores."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        X_train.assign(target=y_train).to_parquet(folder / "train.parquet")
        X_test.to_parquet(folder / "test.parquet")
        subprocess.run(
            [
                str(python),
                str(Path(__file__).parent / "anchors" / f"{name}_scorecard.py"),
                str(folder / "train.parquet"),
                str(folder / "test.parquet"),
                "target",
                str(folder / "out.parquet"),
            ],
            check=True,
            capture_output=True,
        )
        return -pd.read_parquet(folder / "out.parquet")["score"].to_numpy()


def run_quality(name: str, quick: bool, results: list[dict[str, Any]]) -> None:
    loader, target, repeats = DATASETS[name]
    data = loader()
    protected = [c for c in PROTECTED_BY_DATASET.get(name, ()) if c in data.columns]
    X, y = data.drop(columns=[target, *protected]), data[target].to_numpy()
    repeats = 1 if quick else repeats
    scores: dict[str, list[tuple[float, float]]] = {
        "finbrain": [],
        "optbinning": [],
        "toad": [],
        "scorecardpy": [],
        "gbm": [],
    }
    pythons = {anchor: anchor_python(anchor, reqs) for anchor, reqs in ANCHORS.items()}
    for seed in range(repeats):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        ours = -Scorecard().fit(X_train, y_train).points(X_test)
        scores["finbrain"].append((roc_auc_score(y_test, ours), ks(y_test, ours)))
        try:
            theirs = optbinning_scorecard(X_train, y_train, X_test)
            scores["optbinning"].append((roc_auc_score(y_test, theirs), ks(y_test, theirs)))
        except Exception as exc:  # an anchor failing is reported, not hidden
            console.print(f"[yellow]optbinning failed on {name}: {exc}[/yellow]")
        for anchor, python in pythons.items():
            if python is None:
                continue
            try:
                theirs = anchor_scorecard(anchor, python, X_train, y_train, X_test)
                scores[anchor].append((roc_auc_score(y_test, theirs), ks(y_test, theirs)))
            except Exception as exc:  # an anchor failing is reported, not hidden
                console.print(f"[yellow]{anchor} failed on {name}: {str(exc)[:200]}[/yellow]")
        if name == "taiwan":
            p = GBMChallenger().fit(X_train, y_train).predict_proba(X_test)[:, 1]
            scores["gbm"].append((roc_auc_score(y_test, p), ks(y_test, p)))
    for system, values in scores.items():
        if not values:
            continue
        aucs, kss = [v[0] for v in values], [v[1] for v in values]
        label = "finbrain" if system in {"finbrain", "gbm"} else system
        task = f"{name}_gbm" if system == "gbm" else f"{name}_scorecard"
        spread = statistics.pstdev(aucs) if len(aucs) > 1 else 0.0
        results.append(row(task, label, "auc", statistics.mean(aucs), len(aucs), spread))
        results.append(row(task, label, "ks", statistics.mean(kss), len(kss)))
        console.print(
            f"{task:22s} {label:10s} AUC {statistics.mean(aucs):.4f} ± {spread:.4f}  "
            f"KS {statistics.mean(kss):.4f}"
        )


def run_speed(quick: bool, results: list[dict[str, Any]]) -> None:
    from optbinning import OptimalBinning as OptBinning

    rng = np.random.default_rng(0)
    n = 100_000 if quick else 1_000_000
    x = rng.lognormal(8, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp((np.log(x) - 8) * 1.5 + 1.5))).astype(int)
    for system, fit in (
        ("finbrain", lambda: OptimalBinning(max_n_bins=8).fit(x, y)),
        ("optbinning", lambda: OptBinning(max_n_bins=8, monotonic_trend="auto_asc_desc").fit(x, y)),
    ):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fit()
            times.append(time.perf_counter() - t0)
        results.append(row(f"binning_{n}_rows", system, "seconds", statistics.median(times), 3))
        console.print(f"binning {n:,} rows  {system:10s} {statistics.median(times):.3f} s")
    ours = OptimalBinning(max_n_bins=8).fit(x, y).iv_
    theirs = OptBinning(max_n_bins=8, monotonic_trend="auto_asc_desc").fit(x, y)
    theirs_iv = float(theirs.binning_table.build().loc["Totals", "IV"])
    results += [
        row(f"binning_{n}_rows", "finbrain", "iv", ours, 1),
        row(f"binning_{n}_rows", "optbinning", "iv", theirs_iv, 1),
    ]
    # Single-record scoring with four reasons.
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"].to_numpy()
    card = Scorecard().fit(X, y)
    records = X.to_dict(orient="records")
    samples = []
    for i in range(2000 if not quick else 500):
        t0 = time.perf_counter()
        card.score_record(records[i % len(records)])
        samples.append((time.perf_counter() - t0) * 1000)
    stats = percentiles(samples)
    for metric in ("p50_ms", "p99_ms"):
        results.append(
            row("score_record_4_reasons", "finbrain", metric, stats[metric], len(samples))
        )
    big = pd.concat([X] * (1000 if not quick else 100), ignore_index=True)
    t0 = time.perf_counter()
    card.points(big)
    elapsed = time.perf_counter() - t0
    results.append(row(f"batch_score_{len(big)}_rows", "finbrain", "seconds", elapsed, 1))
    console.print(
        f"score_record p50 {stats['p50_ms']:.3f} ms; batch {len(big):,} rows {elapsed:.2f} s"
    )


def main() -> None:
    args = arguments(__doc__ or "")
    results: list[dict[str, Any]] = []
    for name in ["german", "taiwan"] if args.quick else list(DATASETS):
        run_quality(name, args.quick, results)
    run_speed(args.quick, results)
    path = write_results("credit", args.quick, results)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
