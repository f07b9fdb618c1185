"""Writes the small example inputs that the README's commands read, from data finbrain may ship.

    .venv/bin/python examples/build.py        # rewrites examples/credit/* and examples/risk/*

- credit/: applicants from the German credit data bundled with finbrain (UCI Statlog, CC BY
  4.0; see src/finbrain/datasets/bundled/ATTRIBUTION.md): ``applicants.parquet`` (50 to score),
  ``reference.csv`` and ``current.csv`` (a random 60 / 40 split, so the monitor finds no shift);
- risk/: card payments from finbrain's own simulator (``finbrain.datasets.simulator``, the
  Fraud Detection Handbook's generative process written here; no data file is read):
  ``history.parquet`` (two weeks of 200 customers, labelled), ``model.json`` (a risk model
  trained on another simulated population) and ``rules.json`` (the starter rules plus one
  candidate rule in shadow mode).

The same code and seeds give the same tables; the model's LightGBM text may differ in its last
digits between LightGBM versions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from finbrain.datasets import load_german, simulator
from finbrain.platform.risk import default_rules, train_model
from finbrain.risk.events import frame_from_handbook

HERE = Path(__file__).resolve().parent
SEED = 7


def credit_examples(folder: Path) -> None:
    german = load_german(source="bundled")
    applicants = german.drop(columns=["creditability"])
    applicants.sample(50, random_state=SEED).reset_index(drop=True).to_parquet(
        folder / "applicants.parquet", index=False
    )
    reference = applicants.sample(frac=0.6, random_state=SEED)
    reference.to_csv(folder / "reference.csv", index=False)
    applicants.drop(index=reference.index).to_csv(folder / "current.csv", index=False)


def _events(customers: int, days: int, seed: int, start: str) -> pd.DataFrame:
    raw = simulator.simulate(
        n_customers=customers, n_terminals=2 * customers, start=start, days=days, seed=seed
    )
    frame = frame_from_handbook(raw).drop(columns=["seq"])
    frame["event_id"] = [f"sim-{seed}-{n:06d}" for n in frame["event_id"]]
    for column, prefix in (("customer_id", "C"), ("card_id", "card-"), ("terminal_id", "T")):
        frame[column] = [f"{prefix}{n:05d}" for n in frame[column]]
    return frame


def risk_examples(folder: Path) -> None:
    history = _events(200, 14, SEED, "2026-01-05")
    history.to_parquet(folder / "history.parquet", index=False)
    model, _ = train_model(_events(300, 21, SEED + 1, "2025-12-01"))
    (folder / "model.json").write_text(model.to_json(), encoding="utf-8")
    rules = json.loads(default_rules().to_json())
    rules["rules"].append(
        {
            "id": "R-AMT-220-CANDIDATE",
            "when": "amount > 220",
            "score": 400,
            "action": "review",
            "mode": "shadow",
            "tags": ["amount", "candidate"],
            "reason": {"zh": "交易金额 {amount} 超过 220", "en": "Amount {amount} is over 220"},
        }
    )
    (folder / "rules.json").write_text(
        json.dumps(rules, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def main() -> None:
    for name, build in (("credit", credit_examples), ("risk", risk_examples)):
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        build(folder)
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(HERE.parent)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
