"""`finbrain credit train|score|export-sql|monitor` on the real German data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from finbrain.cli.main import app
from tests.conftest import Platform

runner = CliRunner()


def test_train_score_export_monitor(sqlite_platform: Platform, tmp_path: Path) -> None:
    p = sqlite_platform
    tenant_id, _ = p.new_tenant()
    env = {
        "FINBRAIN_DATABASE_URL": p.settings.effective_database_url,
        "FINBRAIN_HOME": str(p.settings.home),
    }
    r = runner.invoke(
        app, ["credit", "train", "german", "--tenant", tenant_id, "--promote"], env=env
    )
    assert r.exit_code == 0 and "AUC 0." in r.output and "champion" in r.output, r.output
    scored = tmp_path / "scored.csv"
    r = runner.invoke(
        app, ["credit", "score", "german", "--tenant", tenant_id, "--out", str(scored)], env=env
    )
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(scored)
    assert len(frame) == 1000 and {"score", "pd", "grade"} <= set(frame.columns)
    r = runner.invoke(app, ["credit", "export-sql", "--tenant", tenant_id], env=env)
    assert r.exit_code == 0 and r.output.startswith("(CASE WHEN")
    source = pd.read_csv(scored).drop(columns=["score", "pd", "grade"])
    con = sqlite3.connect(":memory:")
    source.to_sql("applicants", con, index=False)
    got = [row[0] for row in con.execute(f"SELECT {r.output} FROM applicants")]
    assert got == frame["score"].tolist()
    current = tmp_path / "current.csv"
    source.assign(duration_in_month=source["duration_in_month"] * 3).to_csv(current, index=False)
    r = runner.invoke(
        app, ["credit", "monitor", "german", str(current), "--tenant", tenant_id], env=env
    )
    assert r.exit_code == 1 and "shift" in r.output  # drift is flagged and fails the check
    r = runner.invoke(app, ["credit", "train", "nothing-here", "--tenant", tenant_id], env=env)
    assert r.exit_code == 2


def test_report_command(tmp_path: Path) -> None:
    out = tmp_path / "german.html"
    r = runner.invoke(
        app,
        ["credit", "report", "german", "--out", str(out), "--protected", "personal_status_and_sex"],
    )
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "7. Fairness" in text and "personal_status_and_sex" in text
