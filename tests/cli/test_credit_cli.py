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


def test_batch_scores_carry_each_applicants_top_reasons_in_zh_and_en(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    """A decline letter needs the reasons: the same ones, in the same order, as the API's."""
    from finbrain.datasets import load_german
    from finbrain.platform import registry
    from finbrain.platform.credit import service as credit

    p = sqlite_platform
    tenant_id, _ = p.new_tenant()
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    with p.db.tenant(tenant_id) as session:
        registry.promote(
            session, credit.register_scorecard(session, tenant_id, card, metrics, "g").id
        )
    applicants = tmp_path / "applicants.csv"
    X.head(40).to_csv(applicants, index=False)
    env = {
        "FINBRAIN_DATABASE_URL": p.settings.effective_database_url,
        "FINBRAIN_HOME": str(p.settings.home),
    }
    for name in ("scored.csv", "scored.parquet"):
        out_file = tmp_path / name
        r = runner.invoke(
            app,
            ["credit", "score", str(applicants), "--tenant", tenant_id, "--out", str(out_file)],
            env=env,
        )
        assert r.exit_code == 0, r.output
        scored = pd.read_csv(out_file) if name.endswith(".csv") else pd.read_parquet(out_file)
        for i, record in enumerate(X.head(40).to_dict(orient="records")):
            expected = card.score_record(record).reasons
            assert scored.loc[i, "score"] == card.score_record(record).score
            for n in range(1, 5):
                got = [scored.loc[i, f"reason_{n}_{part}"] for part in ("code", "zh", "en")]
                if n <= len(expected):
                    reason = expected[n - 1]
                    assert got == [reason.code, reason.text.zh, reason.text.en]
                else:
                    assert all(pd.isna(value) or value == "" for value in got)
        assert scored["reason_1_zh"].notna().any()
