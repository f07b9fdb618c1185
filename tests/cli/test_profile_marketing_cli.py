"""`finbrain profile build` and `finbrain marketing uplift` on small files written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from finbrain.cli.main import app

runner = CliRunner()


def test_profile_build_from_a_transactions_file(tmp_path: Path) -> None:
    rows = [
        {"customer_id": c, "ts": f"2026-11-{d:02d}T12:00:00Z", "amount": a, "category": cat}
        for c, d, a, cat in [("A", 1, 100.0, "dining"), ("A", 20, 50.0, "travel"),
                             ("B", 5, 10.0, "groceries")]
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "tx.csv", index=False)
    r = runner.invoke(app, ["profile", "build", "--transactions", str(tmp_path / "tx.csv"),
                            "--as-of", "2026-12-01T00:00:00+00:00",
                            "--output", str(tmp_path / "f.parquet")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "2 customers" in r.output
    features = pd.read_parquet(tmp_path / "f.parquet")
    assert features.loc["A", "frequency_30d"] == 2 and features.loc["A", "spend_dining_365d"] == 100
    naive = runner.invoke(app, ["profile", "build", "--transactions", str(tmp_path / "tx.csv"),
                                "--as-of", "2026-12-01T00:00:00"])  # fmt: skip
    assert naive.exit_code == 2 and "time zone" in naive.output
    assert runner.invoke(app, ["profile", "build"]).exit_code == 2


def test_marketing_uplift_scores_customers_per_offer(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 4000
    x = rng.uniform(0, 1, n)
    arm = rng.choice(["none", "coupon"], n)
    # The coupon works on customers with a high x only.
    p = 0.1 + np.where(arm == "coupon", 0.3 * x, 0.0)
    history = pd.DataFrame({"x": x, "noise": rng.normal(size=n), "arm": arm,
                            "bought": (rng.uniform(size=n) < p).astype(int)})  # fmt: skip
    history.to_csv(tmp_path / "h.csv", index=False)
    pd.DataFrame({"customer_id": ["lo", "hi"], "x": [0.05, 0.95], "noise": [0.0, 0.0]}).to_csv(
        tmp_path / "c.csv", index=False
    )
    r = runner.invoke(app, ["marketing", "uplift", "--history", str(tmp_path / "h.csv"),
                            "--outcome", "bought", "--treatment", "arm", "--control", "none",
                            "--customers", str(tmp_path / "c.csv"),
                            "--output", str(tmp_path / "u.csv")])  # fmt: skip
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(tmp_path / "u.csv").set_index("customer_id")
    assert list(scores.columns) == ["coupon"]
    assert scores.loc["hi", "coupon"] > scores.loc["lo", "coupon"] + 0.1
    bad = runner.invoke(app, ["marketing", "uplift", "--history", str(tmp_path / "h.csv"),
                              "--outcome", "nope", "--treatment", "arm", "--control", "none",
                              "--customers", str(tmp_path / "c.csv"),
                              "--output", str(tmp_path / "u.csv")])  # fmt: skip
    assert bad.exit_code == 2 and "no column 'nope'" in bad.output
