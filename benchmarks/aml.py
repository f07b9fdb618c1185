"""AML typologies on IBM AMLSim: alerts against the simulator's SAR labels.

Task ``amlsim``: the 10,333 transfers of the AMLSim export, whose 51 SAR transfers are three
fan-in schemes (the only typology in this run). Each detector runs with its defaults, and fan-in
also with parameters derived from how AMLSim plants patterns (below); precision and recall are
over transfers and over accounts. Detectors whose typology has no SAR here contribute only false
positives, reported as their alert counts.

Task ``amlsim_planted``: the same background with schemes of the other typologies planted at
amounts inside the background's own range (100–1,100), so the amount alone does not give them
away: structuring under a 1,000 threshold, pass-through accounts, cycles and fan-outs. Recall is
over the planted transfers of each typology; precision over each detector's alerted transfers.

AMLSim-derived fan-in parameters: AMLSim draws one amount per planted pattern and every member
sends it, while ordinary transfers draw a fresh amount uniformly between the configured minimum
and maximum, so ``amount_tolerance=0.01`` (fees, rounding) separates the two. A pattern's
transfers are spread over the simulation period (here 7 to 40 days apart), so five distinct
senders need ``window="180D"``. The grid rows show how the numbers move around that choice.
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
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, row, write_results
from finbrain.datasets.aml import load_amlsim
from finbrain.risk.aml import (
    Cycles,
    Detector,
    FanIn,
    FanOut,
    RapidMovement,
    Structuring,
    evaluate,
    from_amlsim,
)

console = Console()


def timed(detector: Detector, frame: pd.DataFrame, repeats: int) -> tuple[list[Any], list[float]]:
    times: list[float] = []
    alerts: list[Any] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        alerts = detector.detect(frame)
        times.append(time.perf_counter() - t0)
    return alerts, times


def metric_rows(task: str, name: str, rates: dict[str, Any], n: int, **extra: Any) -> list[Any]:
    return [
        row(task, "finbrain", metric, rates[metric], n, detector=name, **extra)
        for metric in ("precision", "recall", "f1")
    ]


def amlsim_task(frame: pd.DataFrame, labels: pd.DataFrame, repeats: int, quick: bool) -> list[Any]:
    rows: list[Any] = []
    table = Table(title="AMLSim (SAR = 3 fan-in schemes, 51 transfers, 54 accounts)")
    for col in ("detector", "alerts", "tx P", "tx R", "acct P", "acct R", "seconds"):
        table.add_column(col)
    detectors: dict[str, Detector] = {
        "structuring": Structuring(),
        "rapid_movement": RapidMovement(),
        "fan_in": FanIn(),
        "fan_out": FanOut(),
        "cycle": Cycles(),
        "fan_in_amlsim": FanIn(min_counterparties=5, window="180D", amount_tolerance=0.01),
    }
    for name, detector in detectors.items():
        alerts, times = timed(detector, frame, repeats)
        report = evaluate(alerts, labels)
        tx, acct = report["transactions"], report["accounts"]
        extra = {"alerts": len(alerts), "params": repr(detector)}
        rows += metric_rows("amlsim", name, tx, len(frame), level="transactions", **extra)
        rows += metric_rows("amlsim", name, acct, 100, level="accounts", **extra)
        spread = statistics.pstdev(times) if len(times) > 1 else None
        rows.append(
            row("amlsim", "finbrain", "seconds", statistics.median(times), len(frame),
                spread, detector=name)
        )  # fmt: skip
        table.add_row(
            name, str(len(alerts)), f"{tx['precision']:.3f}", f"{tx['recall']:.3f}",
            f"{acct['precision']:.3f}", f"{acct['recall']:.3f}", f"{statistics.median(times):.3f}",
        )  # fmt: skip
    console.print(table)
    grid = Table(title="fan-in sensitivity on AMLSim (transactions)")
    for col in ("tolerance", "k", "window", "alerts", "P", "R", "scheme R"):
        grid.add_column(col)
    tolerances = (0.01,) if quick else (0.001, 0.005, 0.01, 0.02)
    for tol in tolerances:
        for k in (3, 4, 5):
            for window in ("90D", "180D", "365D"):
                alerts = FanIn(min_counterparties=k, window=window, amount_tolerance=tol).detect(
                    frame
                )
                report = evaluate(alerts, labels)
                tx = report["transactions"]
                schemes = report["by_sar_typology"]["fan_in"]["scheme_recall_same_typology"]
                rows += metric_rows(
                    "amlsim_fan_in_grid", "fan_in", tx, len(frame),
                    amount_tolerance=tol, min_counterparties=k, window=window,
                    alerts=len(alerts), scheme_recall=schemes,
                )  # fmt: skip
                grid.add_row(
                    str(tol), str(k), window, str(len(alerts)), f"{tx['precision']:.3f}",
                    f"{tx['recall']:.3f}", f"{schemes:.2f}",
                )  # fmt: skip
    console.print(grid)
    return rows


def plant(frame: pd.DataFrame, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Background plus n schemes per typology among the background's accounts and amounts."""
    rng = np.random.default_rng(seed)
    accounts = sorted(set(frame["from_account"]) | set(frame["to_account"]))
    begin = frame["timestamp"].min()
    days = int((frame["timestamp"].max() - begin).days) - 30
    new: list[dict[str, Any]] = []
    counter = iter(range(10**6))

    def add(typology: str, hours: float, src: str, dst: str, amount: float) -> None:
        new.append(
            {
                "tx_id": f"p{next(counter)}",
                "timestamp": begin + pd.Timedelta(hours=float(hours)),
                "from_account": src,
                "to_account": dst,
                "amount": round(float(amount), 2),
                "typology": typology,
            }
        )

    for _ in range(n):
        # Structuring under a 1,000 line: 3-5 credits of 900-999 within a week.
        day, who = rng.integers(days) * 24, rng.choice(accounts)
        for h in np.sort(rng.uniform(0, 24 * 6, rng.integers(3, 6))):
            add("structuring", day + h, rng.choice(accounts), who, rng.uniform(900, 999.99))
        # Pass-through: a credit, then 85-99% of it out in 1-3 pieces within 20 hours.
        day, mule = rng.integers(days) * 24 + 8, rng.choice(accounts)
        credit = rng.uniform(400, 1_000)
        add("rapid_movement", day, rng.choice(accounts), mule, credit)
        pieces = rng.dirichlet(np.ones(rng.integers(1, 4))) * credit * rng.uniform(0.85, 0.99)
        for h, piece in zip(np.sort(rng.uniform(1, 20, len(pieces))), pieces, strict=True):
            add("rapid_movement", day + h, mule, rng.choice(accounts), piece)
        # Cycle: 3-5 distinct accounts, 2% skimmed per hop, a hop every 1-3 days.
        ring = rng.choice(accounts, rng.integers(3, 6), replace=False)
        amount, hour = rng.uniform(300, 1_000), rng.integers(days) * 24
        for i, src in enumerate(ring):
            hour += rng.uniform(24, 72)
            add("cycle", hour, src, ring[(i + 1) % len(ring)], amount)
            amount *= 0.98
        # Fan-out: one account pays 6-9 others within 10 days.
        day, hub = rng.integers(days) * 24, rng.choice(accounts)
        others = [a for a in accounts if a != hub]
        for dst in rng.choice(others, rng.integers(6, 10), replace=False):
            add("fan_out", day + rng.uniform(0, 240), hub, dst, rng.uniform(100, 1_000))
    planted = pd.DataFrame(new)
    combined = pd.concat([frame, planted.drop(columns="typology")], ignore_index=True)
    labels = planted[["tx_id", "from_account", "to_account", "typology"]].assign(
        alert_id=lambda f: f["typology"]
    )
    return combined, labels


def planted_task(frame: pd.DataFrame, sar: pd.DataFrame, n: int, quick: bool) -> list[Any]:
    rows: list[Any] = []
    table = Table(title=f"AMLSim background + {n} planted schemes per typology")
    for col in ("detector", "alerts", "tx P (own typology)", "tx R (own typology)", "seconds"):
        table.add_column(col)
    detectors: dict[str, Detector] = {
        "structuring": Structuring(threshold=1_000, window="7D"),
        "rapid_movement": RapidMovement(window="24h", min_ratio=0.8),
        "rapid_movement_capped": RapidMovement(window="24h", min_ratio=0.8, max_ratio=1.2),
        "cycle": Cycles(window="30D", amount_tolerance=0.1),
        "fan_out": FanOut(min_counterparties=6, window="10D"),
    }
    seeds = (0,) if quick else (0, 1, 2)
    for name, detector in detectors.items():
        typology = detector.typology
        results = []
        for seed in seeds:
            combined, planted = plant(frame, n, seed)
            labels = pd.concat([sar, planted], ignore_index=True)
            own = labels[labels["typology"] == typology]
            t0 = time.perf_counter()
            alerts = detector.detect(combined)
            seconds = time.perf_counter() - t0
            tx = evaluate(alerts, own)["transactions"]
            results.append((tx["precision"], tx["recall"], tx["f1"], seconds, len(alerts)))
        arr = np.array(results)
        for i, metric in enumerate(("precision", "recall", "f1", "seconds")):
            rows.append(
                row("amlsim_planted", "finbrain", metric, float(np.median(arr[:, i])),
                    len(seeds), float(arr[:, i].std()), detector=name, planted_per_seed=n,
                    alerts=int(np.median(arr[:, 4])), params=repr(detector))
            )  # fmt: skip
        table.add_row(
            name, str(int(np.median(arr[:, 4]))), f"{np.median(arr[:, 0]):.3f}",
            f"{np.median(arr[:, 1]):.3f}", f"{np.median(arr[:, 3]):.3f}",
        )  # fmt: skip
    console.print(table)
    return rows


def main() -> None:
    args = arguments(__doc__.splitlines()[0] if __doc__ else "aml")
    frame, labels = from_amlsim(load_amlsim())
    repeats = 3 if args.quick else 7
    rows = amlsim_task(frame, labels, repeats, args.quick)
    rows += planted_task(frame, labels, 20, args.quick)
    path = write_results("aml", args.quick, rows)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
